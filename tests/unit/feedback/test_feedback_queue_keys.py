"""Keyset pages read from the queue indexes: across consultations, with timestamp ties and
undated comments, every sort gives every matching comment once, in order; unit and theme
filters give the same pages whichever way they are read."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

import dashboard_factory as factory
from services.consultations.models import Consultation
from services.feedback import queries
from services.feedback.models import Comment, HiddenReason, Theme, TriageStatus
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


@pytest.fixture
def linked(db):
    """Two consultations; comments anchored to units and tagged with themes, some of each
    hidden or undated, so both ways of reading a link filter have something to get wrong."""
    base = datetime(2024, 5, 1)
    with db.session() as s:
        _, rev, units = factory.document(s)
        consultations = [factory.consultation(s, rev, title=f"Round {n}") for n in range(2)]
        keys = [u.key for u in units]
        for i in range(60):
            consultation = consultations[i % 2]
            factory.comment(s, consultation, f"comment {i}",
                            posted_at=None if i % 11 == 0 else base + timedelta(hours=i // 3),
                            units=(keys[i % 3],) + ((keys[3],) if i % 4 == 0 else ()),
                            themes=("mentoring",) if i % 3 == 0 else (),
                            status=TriageStatus.ACCEPTED if i % 5 == 0 else TriageStatus.NEW,
                            hidden=HiddenReason.REMOVED if i % 17 == 0 else None)
        themes = {c.id: s.scalar(select(Theme.id).where(Theme.consultation_id == c.id))
                  for c in consultations}
    return {"consultations": [c.id for c in consultations], "units": keys, "themes": themes}


def _linked_expected(db, flt: QueueFilter, visible) -> list[int]:
    with db.session() as s:
        keep = {c.id for c in s.query(Comment)
                if (not flt.unit_keys or {a.unit_key for a in c.anchors} & set(flt.unit_keys))
                and (not flt.theme_ids or {t.id for t in c.themes} & set(flt.theme_ids))}
    plain = QueueFilter(consultation_ids=flt.consultation_ids, statuses=flt.statuses, sort=flt.sort)
    return [i for i in _expected(db, plain, visible) if i in keep]


def _all_pages(db, flt: QueueFilter, visible) -> list[int]:
    seen, cursor = [], None
    with db.session() as s:
        while True:
            keys = queries.page_keys(s, flt, visible, limit=4, cursor=cursor, cursor_key=KEY)
            seen.extend(keys.ids)
            if not keys.next_cursor:
                return seen
            cursor = keys.next_cursor


@pytest.mark.parametrize("probe_above, mode", [(0, queries.Link.PROBE),
                                               (10_000, queries.Link.DRIVE)])
@pytest.mark.parametrize("sort", [Sort.NEWEST, Sort.OLDEST])
@pytest.mark.parametrize("which", ["unit", "units", "theme", "unit and status"])
def test_unit_and_theme_filters_read_either_way_give_the_same_pages(db, linked, monkeypatch,
                                                                    probe_above, mode, sort, which):
    monkeypatch.setattr(queries, "PROBE_ABOVE", probe_above)
    first = linked["consultations"][0]
    flt = QueueFilter(consultation_ids=(first,), sort=sort, **{
        "unit": {"unit_keys": (linked["units"][0],)},
        "units": {"unit_keys": (linked["units"][1], linked["units"][3])},
        "theme": {"theme_ids": (linked["themes"][first],)},
        "unit and status": {"unit_keys": (linked["units"][0],), "statuses": (TriageStatus.NEW,)},
    }[which])
    visible = set(linked["consultations"])
    with db.session() as s:
        shape, _ = queries._shape(flt, s)
    chosen = shape.units or shape.themes
    # Probing is SQLite's; PostgreSQL always drives, its planner weighing the LIMIT itself.
    assert chosen is (mode if db.url.startswith("sqlite") else queries.Link.DRIVE)
    expected = _linked_expected(db, flt, visible)
    assert _all_pages(db, flt, visible) == expected and expected
    with db.session() as s:
        assert queries.count_matching(s, flt, visible) == (len(expected), False)


def test_a_link_filter_is_never_probed_where_other_conditions_thin_the_walk(db, linked, monkeypatch):
    monkeypatch.setattr(queries, "PROBE_ABOVE", 0)
    unit = (linked["units"][0],)
    with db.session() as s:
        for flt in (QueueFilter(unit_keys=unit),  # every consultation: no index pins it
                    QueueFilter(consultation_ids=(linked["consultations"][0],), unit_keys=unit,
                                q="comment"),
                    QueueFilter(consultation_ids=(linked["consultations"][0],), unit_keys=unit,
                                sort=Sort.UPDATED)):
            assert queries._shape(flt, s)[0].units is queries.Link.DRIVE
