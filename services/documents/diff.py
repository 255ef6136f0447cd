"""A unit-level diff between two revisions, word-level inside changed units.

Public API:
    diff_units(old_units, new_units) -> RevisionDiff
    diff_revisions(old_revision, new_revision) -> RevisionDiff   (their .units)
    word_diff(old_text, new_text) -> list[WordOp]
    render_text(diff, *, show_unchanged=False) -> str   (for the command line)
    RevisionDiff.ops: list[UnitOp]; RevisionDiff.to_dict() for JSON.

A UnitOp carries the lineage status (unchanged / changed / moved / new / removed), the unit's
key and kind, old and new text, and for a changed text the word ops (equal / insert /
delete). Words are runs of letters and digits, runs of spaces, or single other characters,
so punctuation edits show as such.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from services.documents.lineage import LineageStatus, compare, summarize

_WORD_RE = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class WordOp:
    op: str  # "equal", "insert" or "delete"
    text: str


@dataclass(frozen=True)
class UnitOp:
    status: LineageStatus
    key: str
    kind: str
    old_text: str | None
    new_text: str | None
    moved: bool = False
    words: list[WordOp] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data


@dataclass(frozen=True)
class RevisionDiff:
    ops: list[UnitOp]

    @property
    def counts(self) -> dict[str, int]:
        return summarize(self.ops)

    @property
    def has_changes(self) -> bool:
        return any(op.status is not LineageStatus.UNCHANGED for op in self.ops)

    def to_dict(self) -> dict[str, Any]:
        return {"counts": self.counts, "ops": [op.to_dict() for op in self.ops]}


def tokenize(text: str) -> list[str]:
    return _WORD_RE.findall(text)


def word_diff(old_text: str, new_text: str) -> list[WordOp]:
    """Word-level ops turning ``old_text`` into ``new_text``; adjacent ops of a kind merged."""
    old, new = tokenize(old_text), tokenize(new_text)
    ops: list[WordOp] = []

    def add(op: str, words: Sequence[str]) -> None:
        text = "".join(words)
        if not text:
            return
        if ops and ops[-1].op == op:
            ops[-1] = WordOp(op, ops[-1].text + text)
        else:
            ops.append(WordOp(op, text))

    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", old[i1:i2])
        else:
            add("delete", old[i1:i2])
            add("insert", new[j1:j2])
    return ops


def diff_units(old_units: Sequence[Any], new_units: Sequence[Any]) -> RevisionDiff:
    """The diff of two unit sequences (stored units or anything with the same attributes)."""
    ops = []
    for change in compare(old_units, new_units):
        old_text = change.old.text if change.old is not None else None
        new_text = change.new.text if change.new is not None else None
        words = (
            word_diff(old_text, new_text)
            if old_text is not None and new_text is not None and old_text != new_text
            else []
        )
        ops.append(
            UnitOp(
                change.status,
                change.key,
                change.unit.kind.value,
                old_text,
                new_text,
                change.moved,
                words,
            )
        )
    return RevisionDiff(ops)


def diff_revisions(old_revision: Any, new_revision: Any) -> RevisionDiff:
    return diff_units(list(old_revision.units), list(new_revision.units))


_MARKS = {
    LineageStatus.UNCHANGED: " ",
    LineageStatus.CHANGED: "~",
    LineageStatus.MOVED: ">",
    LineageStatus.NEW: "+",
    LineageStatus.REMOVED: "-",
}


def inline_word_diff(words: Sequence[WordOp]) -> str:
    """Words as ``[-deleted-]{+inserted+}`` text, like ``git diff --word-diff``."""
    out = []
    for op in words:
        if op.op == "equal":
            out.append(op.text)
        elif op.op == "delete":
            out.append(f"[-{op.text}-]")
        else:
            out.append(f"{{+{op.text}+}}")
    return "".join(out)


def render_text(diff: RevisionDiff, *, show_unchanged: bool = False) -> str:
    """A readable diff: one block per unit, word changes marked inline."""
    lines = []
    for op in diff.ops:
        if op.status is LineageStatus.UNCHANGED and not show_unchanged:
            continue
        label = op.status.value + (
            " and moved" if op.moved and op.status is LineageStatus.CHANGED else ""
        )
        head = f"{_MARKS[op.status]} [{op.key}] {op.kind}, {label}: "
        body: str | None
        if op.status is LineageStatus.CHANGED and op.old_text != op.new_text:
            body = inline_word_diff(op.words)
        else:
            body = op.new_text if op.new_text is not None else op.old_text
        lines.append(head + (body or ""))
    counts = diff.counts
    lines.append(", ".join(f"{n} {name}" for name, n in counts.items()))
    return "\n".join(lines)
