"""Keyset pages read from the queue indexes: across consultations, with timestamp ties and
undated comments, every sort gives every matching comment once, in order."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import dashboard_factory as factory
from services.consultations.models import Consultation
from services.feedback import queries
from services.feedback.models import Comment, HiddenReason, TriageStatus
from services.feedback.queries import QueueFilter, Sort

KEY = b"k" * 32


@pytest.fixture
def spread(db):
    """Three consultations; comments sharing timestamps, some undated, some hidden."""
    base = datetime(2024, 5, 1)
    with db.session() as s:
        _, rev, _ = factory.document(s)
        ids = [factory.consultation(s, rev, title=f"Round {n}").id for n in range(3)]
        for i in range(40):
            consultation = s.get(Consultation, ids[i % 3])
            posted = None if i % 9 == 0 else base + timedelta(hours=i // 4)
            factory.comment(s, consultation, f"comment {i}", posted_at=posted,
                            status=TriageStatus.ACCEPTED if i % 4 == 0 else TriageStatus.NEW,
                            language="fr" if i % 5 == 0 else "en",
                            hidden=HiddenReason.REMOVED if i % 13 == 0 else None)
    return ids


def _expected(db, flt: QueueFilter, visible) -> list[int]:
    """The order the queue promises, computed in Python from every row."""
    with db.session() as s:
        rows = [c for c in s.query(Comment) if c.consultation_id in queries.allowed_ids(flt, visible)
                and (flt.include_hidden or c.hidden_reason is None)
                and (not flt.statuses or c.status in flt.statuses)
                and (not flt.languages or c.language in flt.languages)]
    if flt.sort is Sort.UPDATED:
        return [c.id for c in sorted(rows, key=lambda c: (c.updated_at, c.id), reverse=True)]
    newest = flt.sort is Sort.NEWEST
    dated = sorted((c for c in rows if c.posted_at), key=lambda c: (c.posted_at, c.id), reverse=newest)
    undated = sorted((c for c in rows if not c.posted_at), key=lambda c: c.id, reverse=newest)
    return [c.id for c in dated + undated]


@pytest.mark.parametrize("sort", list(Sort))
@pytest.mark.parametrize("filters", [{}, {"statuses": (TriageStatus.NEW,)},
                                     {"languages": ("fr",), "include_hidden": True},
                                     {"statuses": (TriageStatus.ACCEPTED,), "languages": ("en",)}])
def test_pages_across_consultations_cover_everything_once_in_order(db, spread, sort, filters):
    flt = QueueFilter(sort=sort, **filters)
    visible = set(spread)
    seen, cursor = [], None
    with db.session() as s:
        while True:
            keys = queries.page_keys(s, flt, visible, limit=4, cursor=cursor, cursor_key=KEY)
            assert len(keys.rows) <= 4
            assert all(cid in visible for _, cid in keys.rows)
            seen.extend(keys.ids)
            if not keys.next_cursor:
                break
            assert len(keys.rows) == 4
            cursor = keys.next_cursor
    assert seen == _expected(db, flt, visible) and seen


def test_a_chosen_consultation_outside_the_scope_reads_nothing(db, spread):
    with db.session() as s:
        keys = queries.page_keys(s, QueueFilter(consultation_ids=(spread[0],)), {spread[1]},
                                 cursor_key=KEY)
    assert keys.rows == () and keys.next_cursor is None


def test_items_by_id_leaves_out_what_is_gone(db, spread):
    with db.session() as s:
        ids = queries.page_keys(s, QueueFilter(), set(spread), limit=3, cursor_key=KEY).ids
        s.delete(s.get(Comment, ids[1]))
        s.flush()
        found = queries.items_by_id(s, ids)
    assert set(found) == {ids[0], ids[2]} and found[ids[0]].excerpt.startswith("comment")
