"""Stable unit keys across revisions, and the lineage between any two revisions.

Public API:
    match_units(previous, drafts, *, known_keys=(), threshold=SIMILARITY_THRESHOLD) -> list[str]
        The key for each draft, in order. ``previous`` are the units of the revision the
        drafts replace (objects with .key, .kind, .text, in order); ``known_keys`` every key
        the document ever used, so fresh keys never reuse one. A draft that already carries
        a known key (a rendered page parsed back) keeps it.
    compare(old_units, new_units) -> list[UnitChange]
        Per unit: UNCHANGED / CHANGED / MOVED / NEW / REMOVED, in reading order of the new
        revision with removed units where they used to be.
    lineage_between(old_revision, new_revision) -> list[UnitChange]  (their .units)
    new_key(text, taken) -> str: "u" + 6 hex digits, deterministic, not in ``taken``.

Matching, in order: keys carried by drafts; identical text (the k-th occurrence of a text
to the k-th occurrence); then similar text of the same kind. Two texts are similar when
difflib's ratio over their words is at least SIMILARITY_THRESHOLD (0.6: well over half of
the words survive, in order; scripts written without spaces count characters). Similar
matching is order-aware: a previous unit standing between the same matched neighbours as
the draft gets ORDER_BONUS, so an edited unit continues the unit in its place rather than a
look-alike elsewhere; those are compared first, and a match of SURE_RATIO there ends the
search. Best scores are assigned first. To bound the work, a draft is compared with at most
CANDIDATE_WINDOW unmatched units on either side of where it sits. When a unit is split, the
part most like the old text keeps the key and the rest are new; when units are merged, the
closest keeps it.
"""

from __future__ import annotations

import bisect
import difflib
import enum
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

SIMILARITY_THRESHOLD = 0.6
ORDER_BONUS = 0.1
# An edited unit is looked for among at most 2 x this many unmatched previous units.
CANDIDATE_WINDOW = 50
# A match this good between the neighbouring anchors ends the search for that unit.
SURE_RATIO = 0.8
KEY_PREFIX = "u"
KEY_HEX_DIGITS = 6


class LineageStatus(enum.Enum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    MOVED = "moved"
    NEW = "new"
    REMOVED = "removed"


@dataclass(frozen=True)
class UnitChange:
    """What became of one unit between two revisions; ``moved`` is also set on a CHANGED unit."""

    key: str
    status: LineageStatus
    old: Any = None
    new: Any = None
    moved: bool = False

    @property
    def unit(self) -> Any:
        """The unit as it stands (the old one for a removed unit)."""
        return self.new if self.new is not None else self.old


def new_key(text: str, taken: set[str] | frozenset[str]) -> str:
    """A short key derived from the text, so the same input gives the same keys."""
    attempt = 0
    while True:
        digest = hashlib.sha256(f"{attempt}\x00{text}".encode()).hexdigest()
        key = KEY_PREFIX + digest[:KEY_HEX_DIGITS]
        if key not in taken:
            return key
        attempt += 1


# Words, punctuation, and single characters of scripts written without spaces.
_TOKEN_RE = re.compile(
    r"[\u0E00-\u0EFF\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]"
    r"|\w+|[^\w\s]"
)


def tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text)


def similarity(a: str, b: str, floor: float = 0.0) -> float:
    """difflib's ratio over words (characters for Chinese, Japanese, Thai...); 0.0 when the
    cheap upper bounds already show it is below ``floor``."""
    matcher = difflib.SequenceMatcher(None, tokens(a), tokens(b), autojunk=False)
    return _ratio(matcher, floor)


def _ratio(matcher: difflib.SequenceMatcher, floor: float) -> float:
    if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
        return 0.0
    return matcher.ratio()


def match_units(
    previous: Sequence[Any],
    drafts: Sequence[Any],
    *,
    known_keys: Iterable[str] = (),
    threshold: float = SIMILARITY_THRESHOLD,
) -> list[str]:
    """Give each draft a key: the key of the previous unit it continues, or a fresh one."""
    known = set(known_keys) | {u.key for u in previous}
    prev_index = {u.key: i for i, u in enumerate(previous)}
    keys: list[str | None] = [None] * len(drafts)
    used_prev: set[int] = set()
    used_keys: set[str] = set()

    # 1. Keys the drafts already carry (anchors that survived on a wiki page).
    for i, draft in enumerate(drafts):
        key = getattr(draft, "key", None)
        if key and key in known and key not in used_keys:
            keys[i] = key
            used_keys.add(key)
            if key in prev_index:
                used_prev.add(prev_index[key])

    # 2. Identical text, occurrences paired in order; same kind first.
    for same_kind in (True, False):
        by_text: dict[tuple, list[int]] = defaultdict(list)
        for j, unit in enumerate(previous):
            if j not in used_prev:
                by_text[_text_key(unit, same_kind)].append(j)
        for i, draft in enumerate(drafts):
            if keys[i] is None:
                candidates = by_text.get(_text_key(draft, same_kind))
                if candidates:
                    j = candidates.pop(0)
                    keys[i] = previous[j].key
                    used_prev.add(j)
                    used_keys.add(previous[j].key)

    # 3. Similar text of the same kind, best score first, order-aware.
    open_drafts = [i for i in range(len(drafts)) if keys[i] is None]
    open_prev = [j for j in range(len(previous)) if j not in used_prev]
    if open_drafts and open_prev:
        anchors = sorted(
            (i, prev_index[k]) for i, k in enumerate(keys) if k is not None and k in prev_index
        )
        prev_tokens = {j: tokens(previous[j].text) for j in open_prev}
        scored = []
        for i in open_drafts:
            low, high = _gap(anchors, i, len(previous))
            matcher = difflib.SequenceMatcher(None, autojunk=False)
            matcher.set_seq2(tokens(drafts[i].text))  # difflib caches what it learns of seq2
            in_gap = open_prev[
                bisect.bisect_right(open_prev, low) : bisect.bisect_left(open_prev, high)
            ]
            best = 0.0
            for group, bonus in (
                (_window(in_gap, i, len(drafts), len(previous)), ORDER_BONUS),
                (_window(open_prev, i, len(drafts), len(previous)), 0.0),
            ):
                if best >= SURE_RATIO:
                    break  # an edit in place: no need to look further away
                for j in group:
                    if previous[j].kind != drafts[i].kind or (bonus == 0.0 and low < j < high):
                        continue
                    matcher.set_seq1(prev_tokens[j])
                    ratio = _ratio(matcher, threshold)
                    if ratio >= threshold:
                        best = max(best, ratio)
                        scored.append((-(ratio + bonus), abs(i - j), i, j))
        for _, _, i, j in sorted(scored):
            if keys[i] is None and j not in used_prev:
                keys[i] = previous[j].key
                used_prev.add(j)
                used_keys.add(previous[j].key)

    # 4. Fresh keys for the rest.
    taken = known | used_keys
    for i, draft in enumerate(drafts):
        if keys[i] is None:
            keys[i] = new_key(draft.text, taken)
            taken.add(keys[i])
    return keys  # type: ignore[return-value]


def _window(open_prev: list[int], i: int, n_drafts: int, n_previous: int) -> list[int]:
    """Previous units to compare draft ``i`` with: all of them, unless that makes too many
    pairs; then the CANDIDATE_WINDOW on either side of where draft ``i`` would sit."""
    if len(open_prev) <= 2 * CANDIDATE_WINDOW:
        return open_prev
    expected = i * n_previous / max(n_drafts, 1)
    centre = bisect.bisect_left(open_prev, expected)
    return open_prev[max(0, centre - CANDIDATE_WINDOW) : centre + CANDIDATE_WINDOW]


def _text_key(unit: Any, same_kind: bool) -> tuple:
    return (unit.kind, unit.text) if same_kind else (unit.text,)


def _gap(anchors: list[tuple[int, int]], i: int, n_previous: int) -> tuple[int, int]:
    """The previous-revision positions between the anchors around draft ``i``."""
    pos = bisect.bisect_left(anchors, (i, -1))
    low = anchors[pos - 1][1] if pos > 0 else -1
    high = anchors[pos][1] if pos < len(anchors) else n_previous
    return low, high


def longest_increasing_subsequence(values: Sequence[int]) -> set[int]:
    """Indices (into ``values``) of one longest strictly increasing subsequence, O(n log n)."""
    tails: list[int] = []  # values at the ends of the best runs of each length
    tail_index: list[int] = []  # where those values sit in ``values``
    parent = [-1] * len(values)
    for i, value in enumerate(values):
        pos = bisect.bisect_left(tails, value)
        if pos > 0:
            parent[i] = tail_index[pos - 1]
        if pos == len(tails):
            tails.append(value)
            tail_index.append(i)
        else:
            tails[pos] = value
            tail_index[pos] = i
    result: set[int] = set()
    i = tail_index[-1] if tail_index else -1
    while i != -1:
        result.add(i)
        i = parent[i]
    return result


def _content(unit: Any) -> tuple:
    return (unit.kind, unit.level, bool(unit.ordered), unit.text)


def compare(old_units: Sequence[Any], new_units: Sequence[Any]) -> list[UnitChange]:
    """The lineage of every unit from ``old_units`` to ``new_units``, matched by key."""
    old_pos = {u.key: i for i, u in enumerate(old_units)}
    new_keys = {u.key for u in new_units}
    kept = [u for u in new_units if u.key in old_pos]
    in_order = longest_increasing_subsequence([old_pos[u.key] for u in kept])
    moved_keys = {u.key for n, u in enumerate(kept) if n not in in_order}

    removed = [u for u in old_units if u.key not in new_keys]
    # For each new unit, the old position of the next unit that kept its order: removed
    # units before that position are listed first (deletions before insertions, as in a
    # unified diff).
    next_anchor = [len(old_units)] * (len(new_units) + 1)
    for i in range(len(new_units) - 1, -1, -1):
        key = new_units[i].key
        anchored = key in old_pos and key not in moved_keys
        next_anchor[i] = old_pos[key] if anchored else next_anchor[i + 1]
    changes: list[UnitChange] = []
    r = 0
    for i, unit in enumerate(new_units):
        while r < len(removed) and old_pos[removed[r].key] < next_anchor[i]:
            changes.append(UnitChange(removed[r].key, LineageStatus.REMOVED, old=removed[r]))
            r += 1
        if unit.key not in old_pos:
            changes.append(UnitChange(unit.key, LineageStatus.NEW, new=unit))
            continue
        old = old_units[old_pos[unit.key]]
        moved = unit.key in moved_keys
        if _content(old) != _content(unit):
            status = LineageStatus.CHANGED
        elif moved:
            status = LineageStatus.MOVED
        else:
            status = LineageStatus.UNCHANGED
        changes.append(UnitChange(unit.key, status, old=old, new=unit, moved=moved))
    changes.extend(UnitChange(u.key, LineageStatus.REMOVED, old=u) for u in removed[r:])
    return changes


def lineage_between(old_revision: Any, new_revision: Any) -> list[UnitChange]:
    """The lineage between two stored revisions (of the same document), from their keys."""
    return compare(list(old_revision.units), list(new_revision.units))


class _HasStatus(Protocol):
    @property
    def status(self) -> LineageStatus: ...


def summarize(changes: Iterable[_HasStatus]) -> dict[str, int]:
    """How many units have each status, every status present (zero when none)."""
    counts = {status.value: 0 for status in LineageStatus}
    for change in changes:
        counts[change.status.value] += 1
    return counts
