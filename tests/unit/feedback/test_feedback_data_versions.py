"""Data versions: every write that changes what a consultation's queue shows moves its
version, in the same transaction, whoever writes; nothing else does."""

from __future__ import annotations

import dashboard_factory as factory
import pytest
from sqlalchemy import select, update

from services.consultations.models import Consultation
from services.feedback import triage
from services.feedback.models import (
    Anchor,
    AnchorMethod,
    AuditEntry,
    Comment,
    HiddenReason,
    Theme,
    TriageStatus,
)
from services.feedback.versions import bump, data_versions


@pytest.fixture
def two(db):
    """Two consultations with one comment each."""
    with db.session() as s:
        _, rev, units = factory.document(s)
        c1, c2 = factory.consultation(s, rev), factory.consultation(s, rev, title="Second round")
        first = factory.comment(s, c1, "First.", units=(units[1].key,), themes=("scope",))
        other = factory.comment(s, c2, "Other.")
        return {
            "c1": c1.id,
            "c2": c2.id,
            "first": first.id,
            "other": other.id,
            "unit": units[2].key,
        }


def _versions(db, scene) -> dict[int, int]:
    with db.session() as s:
        return dict(data_versions(s, [scene["c1"], scene["c2"]]))


def _moved(db, scene, change) -> set[int]:
    """Which consultations' versions ``change(session)`` moved."""
    before = _versions(db, scene)
    with db.session() as s:
        change(s)
    after = _versions(db, scene)
    return {cid for cid in before if after[cid] != before[cid]}


def test_triage_moves_only_its_consultation(db, two):
    moved = _moved(
        db,
        two,
        lambda s: triage.triage(
            s,
            two["first"],
            triage.TriageChange(status=TriageStatus.ACCEPTED),
            "Tom",
            {two["c1"], two["c2"]},
            {two["c1"], two["c2"]},
        ),
    )
    assert moved == {two["c1"]}


@pytest.mark.parametrize(
    "change",
    [
        "new comment",
        "edited text",
        "hidden",
        "themes",
        "anchor added",
        "anchor removed",
        "theme renamed",
        "consultation renamed",
        "comment deleted",
    ],
)
def test_each_kind_of_change_moves_the_version(db, two, change):
    def apply(s):
        comment = s.get(Comment, two["first"])
        if change == "new comment":
            s.add(
                Comment(
                    consultation_id=two["c1"],
                    page_title="Talk:X",
                    item_id="c-new",
                    heading="",
                    author="Ann",
                    text_plain="New.",
                    language="en",
                )
            )
        elif change == "edited text":
            comment.text_plain = "Edited."
        elif change == "hidden":
            comment.hidden_reason = HiddenReason.REMOVED
        elif change == "themes":
            comment.themes = []
        elif change == "anchor added":
            s.add(Anchor(comment_id=comment.id, unit_key=two["unit"], method=AnchorMethod.QUOTE))
        elif change == "anchor removed":
            comment.anchors = []
        elif change == "theme renamed":
            s.scalar(select(Theme).where(Theme.consultation_id == two["c1"])).name = "renamed"
        elif change == "consultation renamed":
            s.get(Consultation, two["c1"]).title = "Renamed"
        elif change == "comment deleted":
            s.delete(comment)

    assert _moved(db, two, apply) == {two["c1"]}


def test_what_the_queue_does_not_show_moves_nothing(db, two):
    def apply(s):
        s.add(AuditEntry(comment_id=two["first"], actor="Tom", action="note"))
        comment = s.get(Comment, two["first"])
        comment.status = comment.status  # set, but not changed

    assert _moved(db, two, apply) == set()


def test_a_rolled_back_change_leaves_the_version(db, two):
    before = _versions(db, two)
    with pytest.raises(RuntimeError), db.session() as s:
        s.get(Comment, two["first"]).status = TriageStatus.DECLINED
        s.flush()
        raise RuntimeError("abort")
    assert _versions(db, two) == before


def test_a_core_write_through_a_session_moves_every_version(db, two):
    moved = _moved(
        db,
        two,
        lambda s: s.execute(
            update(Comment).where(Comment.id == two["other"]).values(assignee="Tom")
        ),
    )
    assert moved == {two["c1"], two["c2"]}


def test_bump_by_comment(db, two):
    assert _moved(db, two, lambda s: bump(s, comment_ids=[two["other"]])) == {two["c2"]}
    assert _moved(db, two, lambda s: bump(s)) == set()
