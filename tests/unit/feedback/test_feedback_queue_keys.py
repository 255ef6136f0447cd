"""Keyset pages read from the queue indexes: across consultations, with timestamp ties and
undated comments, every sort gives every matching comment once, in order; unit and theme
filters give the same pages whichever way they are read."""

from __future__ import annotations

from datetime import datetime, timedelta

import dashboard_factory as factory
import pytest
from queue_support import expected_order, queue  # noqa: F401  (a fixture)

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
            factory.comment(
                s,
                consultation,
                f"comment {i}",
                posted_at=posted,
                status=TriageStatus.ACCEPTED if i % 4 == 0 else TriageStatus.NEW,
                language="fr" if i % 5 == 0 else "en",
                hidden=HiddenReason.REMOVED if i % 13 == 0 else None,
            )
    return ids


@pytest.mark.parametrize("sort", list(Sort))
@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"statuses": (TriageStatus.NEW,)},
        {"languages": ("fr",), "include_hidden": True},
        {"statuses": (TriageStatus.ACCEPTED,), "languages": ("en",)},
    ],
)
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
    assert seen == expected_order(db, flt, visible) and seen


def test_a_chosen_consultation_outside_the_scope_reads_nothing(db, spread):
    with db.session() as s:
        keys = queries.page_keys(
            s, QueueFilter(consultation_ids=(spread[0],)), {spread[1]}, cursor_key=KEY
        )
    assert keys.rows == () and keys.next_cursor is None


def test_items_by_id_leaves_out_what_is_gone(db, spread):
    with db.session() as s:
        ids = queries.page_keys(s, QueueFilter(), set(spread), limit=3, cursor_key=KEY).ids
        s.delete(s.get(Comment, ids[1]))
        s.flush()
        found = queries.items_by_id(s, ids)
    assert set(found) == {ids[0], ids[2]} and found[ids[0]].excerpt.startswith("comment")


def _all_pages(db, flt: QueueFilter, visible) -> list[int]:
    seen, cursor = [], None
    with db.session() as s:
        while True:
            keys = queries.page_keys(s, flt, visible, limit=4, cursor=cursor, cursor_key=KEY)
            seen.extend(keys.ids)
            if not keys.next_cursor:
                return seen
            cursor = keys.next_cursor


@pytest.mark.parametrize(
    "probe_above, mode", [(0, queries.Link.PROBE), (10_000, queries.Link.DRIVE)]
)
@pytest.mark.parametrize("sort", [Sort.NEWEST, Sort.OLDEST])
@pytest.mark.parametrize("which", ["unit", "units", "theme", "unit and status"])
def test_unit_and_theme_filters_read_either_way_give_the_same_pages(
    db, queue, monkeypatch, probe_above, mode, sort, which
):
    monkeypatch.setattr(queries, "PROBE_ABOVE", probe_above)
    first = queue["consultations"][0]
    flt = QueueFilter(
        consultation_ids=(first,),
        sort=sort,
        **{
            "unit": {"unit_keys": (queue["units"][0],)},
            "units": {"unit_keys": (queue["units"][1], queue["units"][3])},
            "theme": {"theme_ids": (queue["themes"][first],)},
            "unit and status": {"unit_keys": (queue["units"][0],), "statuses": (TriageStatus.NEW,)},
        }[which],
    )
    visible = set(queue["consultations"])
    with db.session() as s:
        shape, _ = queries._shape(flt, s)
    chosen = shape.units or shape.themes
    # Probing is SQLite's; PostgreSQL always drives, its planner weighing the LIMIT itself.
    assert chosen is (mode if db.url.startswith("sqlite") else queries.Link.DRIVE)
    expected = expected_order(db, flt, visible)
    assert _all_pages(db, flt, visible) == expected and expected
    with db.session() as s:
        assert queries.count_matching(s, flt, visible) == (len(expected), False)


def test_a_link_filter_is_never_probed_where_other_conditions_thin_the_walk(db, queue, monkeypatch):
    monkeypatch.setattr(queries, "PROBE_ABOVE", 0)
    unit = (queue["units"][0],)
    with db.session() as s:
        for flt in (
            QueueFilter(unit_keys=unit),  # every consultation: no index pins it
            QueueFilter(consultation_ids=(queue["consultations"][0],), unit_keys=unit, q="comment"),
            QueueFilter(
                consultation_ids=(queue["consultations"][0],), unit_keys=unit, sort=Sort.UPDATED
            ),
        ):
            assert queries._shape(flt, s)[0].units is queries.Link.DRIVE
