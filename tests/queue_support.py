"""The queue scene and the order the queue promises, computed in Python: shared by the tests
of the SQL queue and of the in-memory index, which must give the same pages."""

from __future__ import annotations

from datetime import datetime, timedelta

import dashboard_factory as factory
import pytest
from sqlalchemy import select

from services.feedback import queries
from services.feedback.models import Comment, HiddenReason, Theme, TriageStatus
from services.feedback.queries import QueueFilter, Sort
from services.feedback.searchtext import query_terms


@pytest.fixture
def queue(db):
    """Three consultations; timestamp ties, undated and hidden comments, units and themes,
    so every way of reading a filter has something to get wrong."""
    base = datetime(2024, 5, 1)
    with db.session() as s:
        _, rev, units = factory.document(s)
        consultations = [factory.consultation(s, rev, title=f"Round {n}") for n in range(3)]
        keys = [u.key for u in units]
        for i in range(75):
            factory.comment(
                s,
                consultations[i % 3],
                f"comment {i}" + (" Éducation" if i % 7 == 0 else ""),
                posted_at=None if i % 9 == 0 else base + timedelta(hours=i // 4),
                units=(keys[i % 3],) + ((keys[3],) if i % 4 == 0 else ()),
                themes=("mentoring",) if i % 2 == 0 else (),
                status=TriageStatus.ACCEPTED if i % 4 == 0 else TriageStatus.NEW,
                language="fr" if i % 5 == 0 else "en",
                hidden=HiddenReason.REMOVED if i % 13 == 0 else None,
            )
        themes = {
            c.id: s.scalar(select(Theme.id).where(Theme.consultation_id == c.id))
            for c in consultations
        }
    return {"consultations": [c.id for c in consultations], "units": keys, "themes": themes}


def expected_order(db, flt: QueueFilter, visible) -> list[int]:
    """The order the queue promises, computed in Python from every row."""
    allowed = queries.allowed_ids(flt, visible)
    with db.session() as s:
        rows = [
            c
            for c in s.scalars(select(Comment))
            if c.consultation_id in allowed
            and (flt.include_hidden or c.hidden_reason is None)
            and (not flt.statuses or c.status in flt.statuses)
            and (not flt.languages or c.language in flt.languages)
            and (not flt.unit_keys or {a.unit_key for a in c.anchors} & set(flt.unit_keys))
            and (not flt.theme_ids or {t.id for t in c.themes} & set(flt.theme_ids))
            and all(term in c.search_text for term in query_terms(flt.q))
        ]
    if flt.sort is Sort.UPDATED:
        return [c.id for c in sorted(rows, key=lambda c: (c.updated_at, c.id), reverse=True)]
    newest = flt.sort is Sort.NEWEST
    dated = sorted(
        (c for c in rows if c.posted_at), key=lambda c: (c.posted_at, c.id), reverse=newest
    )
    undated = sorted((c for c in rows if not c.posted_at), key=lambda c: c.id, reverse=newest)
    return [c.id for c in dated + undated]
