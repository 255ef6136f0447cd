"""Unit-level diff with word-level detail inside changed units."""

import json
from dataclasses import dataclass

import pytest

from services.documents.diff import diff_units, inline_word_diff, render_text, word_diff
from services.documents.lineage import LineageStatus
from services.documents.models import UnitKind


@dataclass
class U:
    key: str
    text: str
    kind: UnitKind = UnitKind.PARAGRAPH
    level: int = 0
    ordered: bool = False


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Leadership can be understood as the ability.", "Leadership can be seen as the capacity."),
        ("", "All new."),
        ("All gone.", ""),
        ("Same text.", "Same text."),
        ("Punctuation, here.", "Punctuation; here!"),
        ("قيادة جماعية للحركة", "قيادة مشتركة للحركة"),
        ("领导力是一种能力", "领导力是一种集体能力"),
    ],
)
def test_word_ops_rebuild_both_texts(old, new):
    ops = word_diff(old, new)
    assert "".join(o.text for o in ops if o.op != "insert") == old
    assert "".join(o.text for o in ops if o.op != "delete") == new
    assert all(a.op != b.op for a, b in zip(ops, ops[1:]))  # adjacent ops merged


def test_word_diff_marks_only_the_changed_words():
    ops = word_diff("to guide and inspire people", "to guide and motivate people")
    assert [(o.op, o.text) for o in ops] == [
        ("equal", "to guide and "),
        ("delete", "inspire"),
        ("insert", "motivate"),
        ("equal", " people"),
    ]
    assert inline_word_diff(ops) == "to guide and [-inspire-]{+motivate+} people"


def test_unit_diff_statuses_and_text_rendering():
    old = [
        U("a", "Heading", UnitKind.HEADING, 2),
        U("b", "First paragraph stays."),
        U("c", "Second paragraph will be edited."),
        U("d", "Gone soon."),
        U("e", "Last."),
    ]
    # b and c swap places (one of them counts as moved), c is edited, d goes, f comes.
    new = [old[0], U("c", "Second paragraph was edited."), old[1], U("f", "Brand new."), old[4]]
    diff = diff_units(old, new)
    by_key = {op.key: op for op in diff.ops}
    assert by_key["c"].status is LineageStatus.CHANGED
    assert [w.op for w in by_key["c"].words] == ["equal", "delete", "insert", "equal"]
    assert by_key["d"].status is LineageStatus.REMOVED and by_key["d"].new_text is None
    assert by_key["f"].status is LineageStatus.NEW and by_key["f"].old_text is None
    assert [op.key for op in diff.ops if op.moved] in (["b"], ["c"])
    assert [op.key for op in diff.ops] == ["a", "c", "b", "d", "f", "e"]
    text = render_text(diff)
    assert "~ [c] paragraph, changed" in text and "[-will be-]{+was+}" in text
    assert "- [d] paragraph, removed: Gone soon." in text
    assert "+ [f] paragraph, new: Brand new." in text
    assert "[a]" not in text  # unchanged units only with show_unchanged
    assert "[a]" in render_text(diff, show_unchanged=True)
    assert text.splitlines()[-1] == ", ".join(f"{n} {s}" for s, n in diff.counts.items())
    data = json.loads(json.dumps(diff.to_dict()))
    assert {op["status"] for op in data["ops"]} >= {"changed", "removed", "new"}


def test_identical_revisions_have_no_changes():
    units = [U("a", "One."), U("b", "Two.")]
    diff = diff_units(units, list(units))
    assert not diff.has_changes
    assert diff.counts == {"unchanged": 2, "changed": 0, "moved": 0, "new": 0, "removed": 0}
