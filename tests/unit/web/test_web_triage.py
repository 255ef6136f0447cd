"""Triage actions: changes, the audit log's before and after, bulk all-or-nothing, refusals."""

from __future__ import annotations

import dashboard_factory as factory
import pytest
from sqlalchemy import func, select

from services.feedback import triage
from services.feedback.models import AuditEntry, Comment, Theme, TriageStatus
from services.feedback.triage import NotFound, NotPermitted, TriageChange, TriageError


def _audit_count(s) -> int:
    return s.scalar(select(func.count()).select_from(AuditEntry))


def test_change_records_who_when_before_and_after(db):
    sc = factory.scene(db)
    with db.session() as s:
        change = TriageChange.from_mapping(
            {
                "status": "accepted",
                "assignee": "Tom",
                "themes": ["mentoring", "newcomers"],
                "note": "merge with #2",
                "response": "Thank you!",
            }
        )
        entry = triage.triage(s, sc["first"], change, "Tom", {sc["c1"]}, {sc["c1"]})
    with db.session() as s:
        entry = s.get(AuditEntry, entry.id)
        assert entry.actor == "Tom" and entry.action == "triage" and entry.at is not None
        assert entry.before == {
            "status": "new",
            "assignee": "",
            "themes": ["mentoring"],
            "note": "",
            "response": "",
        }
        assert entry.after == {
            "status": "accepted",
            "assignee": "Tom",
            "themes": ["mentoring", "newcomers"],
            "note": "merge with #2",
            "response": "Thank you!",
        }
        comment = s.get(Comment, sc["first"])
        assert comment.status is TriageStatus.ACCEPTED
        assert sorted(t.name for t in comment.themes) == ["mentoring", "newcomers"]
        # The existing theme was reused, the new one created once.
        assert (
            s.scalar(
                select(func.count()).select_from(Theme).where(Theme.consultation_id == sc["c1"])
            )
            == 2
        )


def test_a_change_that_changes_nothing_records_nothing(db):
    sc = factory.scene(db)
    with db.session() as s:
        change = TriageChange.from_mapping({"status": "new", "themes": ["mentoring"]})
        assert triage.triage(s, sc["first"], change, "Tom", {sc["c1"]}, {sc["c1"]}) is None
        assert _audit_count(s) == 0


def test_duplicate_of_sets_the_status_and_must_stay_in_the_consultation(db):
    sc = factory.scene(db)
    with db.session() as s:
        entry = triage.triage(
            s, sc["reply"], TriageChange(duplicate_of=sc["first"]), "Tom", {sc["c1"]}, {sc["c1"]}
        )
        assert entry.after == {"status": "duplicate", "duplicate_of": sc["first"]}
    for bad in (sc["other"], sc["reply"], 10**9):
        with db.session() as s, pytest.raises(TriageError, match="duplicate"):
            triage.triage(
                s,
                sc["reply"],
                TriageChange(duplicate_of=bad),
                "Tom",
                {sc["c1"], sc["c2"]},
                {sc["c1"], sc["c2"]},
            )
    with db.session() as s:
        entry = triage.triage(
            s,
            sc["reply"],
            TriageChange(status=TriageStatus.ACCEPTED),
            "Tom",
            {sc["c1"]},
            {sc["c1"]},
        )
        assert entry.after == {"status": "accepted", "duplicate_of": None}


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "body"),
        ({"status": "maybe"}, "status"),
        ({"status": 3}, "status"),
        ({"colour": "red"}, "colour"),
        ({"note": "x" * 10_001}, "note"),
        ({"note": 5}, "note"),
        ({"themes": "mentoring"}, "themes"),
        ({"themes": [""]}, "themes"),
        ({"themes": ["x" * 101]}, "themes"),
        ({"themes": [f"t{i}" for i in range(21)]}, "themes"),
        ({"duplicate_of": -1}, "duplicate_of"),
        ({"duplicate_of": True}, "duplicate_of"),
        ({"duplicate_of": "7; DROP"}, "duplicate_of"),
        ([], "body"),
    ],
)
def test_bad_changes_are_refused(data, field):
    with pytest.raises(TriageError) as info:
        TriageChange.from_mapping(data)
    assert info.value.field == field


def test_control_characters_are_dropped_from_notes():
    change = TriageChange.from_mapping({"note": "line\nnext\x00\x1b[31m"})
    assert change.note == "line\nnext[31m"


def test_triage_outside_ones_scope_is_refused_and_changes_nothing(db):
    sc = factory.scene(db)
    with db.session() as s, pytest.raises(NotPermitted):
        triage.triage(
            s, sc["first"], TriageChange(status=TriageStatus.DECLINED), "Vera", {sc["c1"]}, set()
        )
    with db.session() as s, pytest.raises(NotFound):
        triage.triage(
            s,
            sc["first"],
            TriageChange(status=TriageStatus.DECLINED),
            "Sam",
            {sc["c2"]},
            {sc["c2"]},
        )
    with db.session() as s:
        assert s.get(Comment, sc["first"]).status is TriageStatus.NEW
        assert _audit_count(s) == 0


def test_bulk_applies_to_all_or_none(db):
    sc = factory.scene(db)
    ids = [sc["first"], sc["reply"], sc["french"]]
    change = TriageChange.from_mapping(
        {"status": "out_of_scope", "add_themes": ["scope"]}, bulk=True
    )
    with db.session() as s:
        entries = triage.bulk_triage(s, ids, change, "Tom", {sc["c1"]}, {sc["c1"]})
        assert [e.comment_id for e in entries] == ids
        assert {e.action for e in entries} == {"bulk_triage"}
    with db.session() as s:
        assert {s.get(Comment, i).status for i in ids} == {TriageStatus.OUT_OF_SCOPE}
        before = _audit_count(s)
    # One comment of a consultation the actor may only read: nothing at all changes.
    with db.session() as s, pytest.raises(NotPermitted):
        triage.bulk_triage(
            s,
            [sc["first"], sc["other"]],
            TriageChange(status=TriageStatus.NEW),
            "Tom",
            {sc["c1"], sc["c2"]},
            {sc["c1"]},
        )
    with db.session() as s, pytest.raises(NotFound):
        triage.bulk_triage(
            s,
            [sc["first"], 10**9],
            TriageChange(status=TriageStatus.NEW),
            "Tom",
            {sc["c1"]},
            {sc["c1"]},
        )
    with db.session() as s:
        assert s.get(Comment, sc["first"]).status is TriageStatus.OUT_OF_SCOPE
        assert _audit_count(s) == before


def test_bulk_refuses_per_comment_fields_and_oversized_batches(db):
    with pytest.raises(TriageError, match="note"):
        TriageChange.from_mapping({"note": "x"}, bulk=True)
    with db.session() as s, pytest.raises(TriageError, match="ids"):
        triage.bulk_triage(
            s, list(range(1, 502)), TriageChange(status=TriageStatus.NEW), "Tom", {1}, {1}
        )
    with db.session() as s, pytest.raises(TriageError, match="ids"):
        triage.bulk_triage(s, [], TriageChange(status=TriageStatus.NEW), "Tom", {1}, {1})
