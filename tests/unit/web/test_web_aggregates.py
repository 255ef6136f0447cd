"""Per-unit counts, status mix, series over time; hidden comments are not counted."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import dashboard_factory as factory

from services.analysis import aggregates
from services.feedback.models import Comment, HiddenReason, TriageStatus


def test_counts_of_a_consultation(db):
    sc = factory.scene(db)
    with db.session() as s:
        s.get(Comment, sc["hostile"]).hidden_reason = HiddenReason.REMOVED
    with db.session() as s:
        units = aggregates.unit_status_counts(s, sc["c1"])
        assert units == {sc["units"][1]: {"new": 2}, sc["units"][2]: {"new": 1}}
        assert dict(aggregates.by_status(s, sc["c1"])) == {
            **{st.value: 0 for st in TriageStatus},
            "new": 3,
            "in_review": 1,
        }
        assert aggregates.by_language(s, sc["c1"]) == [("en", 2), ("ar", 1), ("fr", 1)]
        series = aggregates.over_time(s, sc["c1"])
        assert sum(n for _, n in series) == 4
        assert all(isinstance(d, date) for d, _ in series)


def test_fill_series_daily_and_weekly():
    start = date(2024, 3, 1)
    assert aggregates.fill_series({start: 2, start + timedelta(days=2): 1}) == [
        (start, 2),
        (start + timedelta(days=1), 0),
        (start + timedelta(days=2), 1),
    ]
    long = aggregates.fill_series({start: 1, start + timedelta(days=200): 3})
    assert all(d.weekday() == 0 for d, _ in long)
    assert sum(n for _, n in long) == 4
    assert aggregates.fill_series({}) == []


def test_heat_levels_and_unit_rows():
    assert [aggregates.heat_level(n, 10) for n in (0, 1, 2, 5, 10)] == [0, 1, 1, 3, 5]
    assert aggregates.heat_level(3, 0) == 0
    rows = aggregates.unit_heat(
        ["a", "b", "c"], {"a": {"new": 3, "accepted": 1}, "c": {"declined": 2}}
    )
    assert [(r.key, r.total, r.level) for r in rows] == [("a", 4, 5), ("b", 0, 0), ("c", 2, 3)]
    assert rows[0].mix == [("new", 3), ("accepted", 1)]


def test_over_time_groups_by_day_on_both_databases(db):
    with db.session() as s:
        _, rev, _ = factory.document(s)
        c = factory.consultation(s, rev)
        for hours in (1, 2, 30, 80):
            factory.comment(s, c, "x", posted_at=datetime(2024, 3, 1) + timedelta(hours=hours))
    with db.session() as s:
        assert aggregates.over_time(s, c.id) == [
            (date(2024, 3, 1), 2),
            (date(2024, 3, 2), 1),
            (date(2024, 3, 3), 0),
            (date(2024, 3, 4), 1),
        ]
