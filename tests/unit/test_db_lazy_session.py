"""``Database.lazy_session``: no session until one is needed; then a session like any other."""

import pytest
from sqlalchemy import func, select

from services.consultations.models import Consultation
from services.documents.models import Document


def _documents(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Document))


def test_nothing_is_opened_until_the_session_is_used(db, monkeypatch):
    opened = []
    real = db.session
    monkeypatch.setattr(db, "session", lambda: opened.append(1) or real())
    with db.lazy_session() as s:
        assert s.get_bind() is db.engine  # the dialect is known without a session
    assert opened == []
    with db.lazy_session() as s:
        assert s.scalar(select(func.count()).select_from(Consultation)) == 0
        s.execute(select(Consultation.id))  # the same session again
    assert opened == [1]


def test_a_used_session_commits_on_success_and_rolls_back_on_error(db):
    with db.lazy_session() as s:
        s.add(Document(slug="kept", title="Kept", wiki_title="Kept", language="en"))
    assert _documents(db) == 1
    with pytest.raises(RuntimeError), db.lazy_session() as s:
        s.add(Document(slug="lost", title="Lost", wiki_title="Lost", language="en"))
        s.flush()
        raise RuntimeError("the request failed")
    assert _documents(db) == 1
