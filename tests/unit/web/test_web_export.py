"""Export: every comment once, triage included, formulas defused, hidden comments purged."""

from __future__ import annotations

import csv
import io
import json

import dashboard_factory as factory

from services.feedback import export
from services.feedback.models import Comment, HiddenReason


def test_csv_and_json_hold_every_comment_with_triage(db, monkeypatch):
    monkeypatch.setattr(export, "BATCH", 2)  # several batches even on a small consultation
    sc = factory.scene(db)
    with db.session() as s:
        s.get(Comment, sc["first"]).note = '=HYPERLINK("http://evil")'
        s.get(Comment, sc["reply"]).hidden_reason = HiddenReason.SUPPRESSED
    with db.session() as s:
        text = "".join(export.to_csv(export.records(s, sc["c1"], lambda c: f"wiki#{c.item_id}")))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["id"]) for r in rows] == sorted(
        [sc["first"], sc["reply"], sc["arabic"], sc["french"], sc["hostile"]]
    )
    by_id = {int(r["id"]): r for r in rows}
    assert by_id[sc["first"]]["note"] == '\'=HYPERLINK("http://evil")'
    assert by_id[sc["first"]]["themes"] == "mentoring"
    assert by_id[sc["reply"]]["text"] == "" and by_id[sc["reply"]]["author"] == ""
    assert by_id[sc["reply"]]["hidden"] == "suppressed"
    assert by_id[sc["arabic"]]["text"].startswith("القيادة")
    assert by_id[sc["hostile"]]["author"] == "<img src=x onerror=alert(1)>"
    assert by_id[sc["french"]]["status"] == "in_review"
    assert by_id[sc["first"]]["permalink"].startswith("wiki#c-Alice-")

    with db.session() as s:
        doc = json.loads(
            "".join(export.to_json(export.records(s, sc["c1"]), {"consultation": {"id": sc["c1"]}}))
        )
    assert doc["consultation"] == {"id": sc["c1"]}
    assert len(doc["comments"]) == 5
    assert {c["id"]: c for c in doc["comments"]}[sc["reply"]]["text"] is None
    assert set(doc["comments"][0]) == set(export.FIELDS)


def test_csv_cells():
    assert export.csv_cell("-1+1") == "'-1+1"
    assert export.csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert export.csv_cell(["a", "b"]) == "a; b"
    assert export.csv_cell(None) == ""
    assert export.csv_cell("plain") == "plain"


def test_empty_consultation_exports_a_header_and_an_empty_list(db):
    with db.session() as s:
        _, rev, _ = factory.document(s)
        c = factory.consultation(s, rev)
    with db.session() as s:
        assert "".join(export.to_csv(export.records(s, c.id))).strip() == ",".join(export.FIELDS)
        assert json.loads("".join(export.to_json(export.records(s, c.id), {})))["comments"] == []
