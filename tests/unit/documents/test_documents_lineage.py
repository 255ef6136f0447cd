"""Keys survive edits, moves, inserts, deletions and splits; lineage is derived from keys."""

import itertools
import random
import re
from dataclasses import dataclass

import pytest

from services.documents.lineage import (
    LineageStatus,
    compare,
    longest_increasing_subsequence,
    match_units,
    new_key,
    summarize,
)
from services.documents.models import UnitKind
from services.documents.units import UnitDraft

P, H, L = UnitKind.PARAGRAPH, UnitKind.HEADING, UnitKind.LIST_ITEM

TEXTS = [
    "Leadership can be understood as the ability to guide and inspire a group.",
    "Leadership is multifaceted: it manifests differently across contexts.",
    "Leadership is a collective effort of people who work together.",
    "In the movement, leadership may follow a decentralized approach.",
    "Resilience: ability to push through difficulties and challenges.",
    "Empathy: ability to sense emotions, needs and desires of others.",
]


@dataclass
class U:
    key: str
    text: str
    kind: UnitKind = P
    level: int = 0
    ordered: bool = False


def first_revision(texts=TEXTS):
    drafts = [UnitDraft(P, t) for t in texts]
    return [U(k, d.text) for k, d in zip(match_units([], drafts), drafts)]


def rekey(previous, texts, **kwargs):
    drafts = [t if isinstance(t, UnitDraft) else UnitDraft(P, t) for t in texts]
    keys = match_units(previous, drafts, **kwargs)
    return keys, [U(k, d.text, d.kind, d.level, d.ordered) for k, d in zip(keys, drafts)]


def statuses(old, new):
    return {c.key: c.status for c in compare(old, new)}


def test_fresh_keys_are_short_unique_and_deterministic():
    keys = [u.key for u in first_revision(TEXTS + TEXTS[:2])]
    assert all(re.fullmatch(r"u[0-9a-f]{6}", k) for k in keys)
    assert len(set(keys)) == len(keys)
    assert keys == [u.key for u in first_revision(TEXTS + TEXTS[:2])]


def test_new_key_avoids_taken_keys():
    first = new_key("same", set())
    second = new_key("same", {first})
    assert second != first and re.fullmatch(r"u[0-9a-f]{6}", second)


def test_unchanged_revision_keeps_every_key():
    old = first_revision()
    keys, new = rekey(old, TEXTS)
    assert keys == [u.key for u in old]
    assert set(statuses(old, new).values()) == {LineageStatus.UNCHANGED}


def test_edited_unit_keeps_its_key_and_is_changed():
    old = first_revision()
    texts = list(TEXTS)
    texts[2] = "Leadership is a collective effort of people who work closely together."
    keys, new = rekey(old, texts)
    assert keys == [u.key for u in old]
    result = statuses(old, new)
    assert result[old[2].key] is LineageStatus.CHANGED
    assert sum(s is LineageStatus.UNCHANGED for s in result.values()) == len(TEXTS) - 1


def test_moved_unit_is_the_only_one_marked_moved():
    old = first_revision()
    texts = [TEXTS[4]] + TEXTS[:4] + TEXTS[5:]  # unit 4 moved to the top
    keys, new = rekey(old, texts)
    assert sorted(keys) == sorted(u.key for u in old)
    result = statuses(old, new)
    assert result[old[4].key] is LineageStatus.MOVED
    assert [k for k, s in result.items() if s is not LineageStatus.UNCHANGED] == [old[4].key]


def test_moved_and_edited_unit_is_changed_and_flagged_moved():
    old = first_revision()
    edited = TEXTS[0].replace("guide and inspire", "guide, inspire and support")
    keys, new = rekey(old, TEXTS[1:] + [edited])
    assert keys[-1] == old[0].key
    [change] = [c for c in compare(old, new) if c.key == old[0].key]
    assert change.status is LineageStatus.CHANGED and change.moved


def test_inserted_unit_gets_a_new_key():
    old = first_revision()
    texts = TEXTS[:3] + ["A wholly new paragraph about mentorship programmes."] + TEXTS[3:]
    keys, new = rekey(old, texts)
    assert keys[3] not in {u.key for u in old}
    assert keys[:3] + keys[4:] == [u.key for u in old]
    assert summarize(compare(old, new)) == {
        "unchanged": 6,
        "changed": 0,
        "moved": 0,
        "new": 1,
        "removed": 0,
    }


def test_deleted_unit_is_removed_at_its_old_place():
    old = first_revision()
    keys, new = rekey(old, TEXTS[:2] + TEXTS[3:])
    changes = compare(old, new)
    assert [c.key for c in changes] == [u.key for u in old]
    assert changes[2].status is LineageStatus.REMOVED and changes[2].unit is old[2]


def test_split_unit_keeps_key_on_the_closest_part():
    whole = (
        "Courage: willingness to take calculated risks, not being afraid of making "
        "mistakes. Promoting other people's success."
    )
    old = first_revision([TEXTS[0], whole, TEXTS[1]])
    first_part = (
        "Courage: willingness to take calculated risks, not being afraid of making mistakes."
    )
    keys, new = rekey(old, [TEXTS[0], first_part, "Promoting other people's success.", TEXTS[1]])
    assert keys[1] == old[1].key
    assert keys[2] not in {u.key for u in old}
    result = statuses(old, new)
    assert (result[keys[1]], result[keys[2]]) == (LineageStatus.CHANGED, LineageStatus.NEW)


def test_merged_units_keep_one_key_and_remove_the_other():
    a = "Integrity: adherence to agreed-upon values and norms of the community."
    b = "Focus: balancing needs."
    old = first_revision([a, b])
    keys, new = rekey(old, [a + " " + b])
    assert keys == [old[0].key]
    assert statuses(old, new)[old[1].key] is LineageStatus.REMOVED


def test_rewritten_unit_below_threshold_is_new():
    old = first_revision()
    texts = list(TEXTS)
    texts[5] = "Something entirely different is said here now."
    keys, _ = rekey(old, texts)
    assert keys[5] != old[5].key


def test_identical_texts_pair_in_order():
    old = first_revision(["Same.", "Other text here.", "Same."])
    keys, _ = rekey(old, ["Same.", "Same.", "Other text here."])
    assert keys[0] == old[0].key and keys[1] == old[2].key and keys[2] == old[1].key


def test_similar_match_prefers_the_unit_in_place():
    base = "Accountability: accepting responsibility for a set of duties, version "
    old = first_revision([TEXTS[0], base + "A.", TEXTS[1], base + "B."])
    # Both old copies are equally like the edit; the edit stands between TEXTS[0] and
    # TEXTS[1], where copy A stood, although new units before it put it nearer to B's index.
    news = [f"New paragraph number {n} about something else entirely." for n in range(5)]
    keys, _ = rekey(old, news + [TEXTS[0], base + "C.", TEXTS[1]])
    assert keys[6] == old[1].key


def test_similarity_needs_the_same_kind():
    old = first_revision(["Qualities of leaders in the movement"])
    keys, _ = rekey(old, [UnitDraft(H, "Qualities of leaders in our movement", 2)])
    assert keys[0] != old[0].key


def test_kind_change_with_same_text_is_changed():
    old = first_revision(["Plain text"])
    _, new = rekey(old, [UnitDraft(L, "Plain text", 1)])
    assert statuses(old, new)[old[0].key] is LineageStatus.CHANGED


def test_carried_keys_are_kept_and_unknown_ones_ignored():
    old = first_revision()
    drafts = [
        UnitDraft(P, "Completely rewritten first paragraph text.", key=old[0].key),
        UnitDraft(P, TEXTS[1], key="uzzzzzz"),
        UnitDraft(P, TEXTS[2], key=old[0].key),
    ]  # a duplicated anchor
    keys = match_units(old, drafts)
    assert keys[0] == old[0].key
    assert keys[1] == old[1].key  # unknown key dropped, then matched by text
    assert keys[2] == old[2].key


def test_fresh_keys_never_reuse_a_key_the_document_used_before():
    old = first_revision()
    used_long_ago = new_key("Brand new text.", set())
    keys, _ = rekey(old, TEXTS + ["Brand new text."], known_keys={used_long_ago})
    assert keys[-1] != used_long_ago


def test_restored_unit_with_a_known_key_gets_it_back():
    old = first_revision()
    drafts = [UnitDraft(P, t) for t in TEXTS] + [UnitDraft(P, "Restored.", key="uabcdef")]
    keys = match_units(old, drafts, known_keys={"uabcdef"})
    assert keys[-1] == "uabcdef"


def _brute_lis_length(values):
    for size in range(len(values), 0, -1):
        for combo in itertools.combinations(values, size):
            if all(a < b for a, b in zip(combo, combo[1:])):
                return size
    return 0


def test_longest_increasing_subsequence_is_longest_and_increasing():
    rng = random.Random(7)
    for _ in range(200):
        values = rng.sample(range(20), rng.randint(0, 9))
        chosen = sorted(longest_increasing_subsequence(values))
        picked = [values[i] for i in chosen]
        assert picked == sorted(picked) and len(set(picked)) == len(picked)
        assert len(picked) == _brute_lis_length(values)


@pytest.mark.parametrize(
    ("order", "moved"),
    [
        ([0, 1, 2, 3, 4, 5], 0),
        ([5, 0, 1, 2, 3, 4], 1),
        ([1, 0, 3, 2, 5, 4], 3),
        ([5, 4, 3, 2, 1, 0], 5),
    ],
)
def test_moves_counted_by_longest_increasing_subsequence(order, moved):
    old = first_revision()
    new = [old[i] for i in order]
    assert summarize(compare(old, new))["moved"] == moved


def test_edit_in_a_script_without_spaces_keeps_its_key():
    old = first_revision(["领导力是指引导、激励和推动一群人朝着共同目标前进的能力。", TEXTS[0]])
    keys, _ = rekey(old, ["领导力是指引导、激励和带领一群人朝着共同愿景前进的能力。", TEXTS[0]])
    assert keys == [u.key for u in old]


def test_many_edited_units_are_matched_within_the_window():
    texts = [f"Paragraph {n}: {TEXTS[n % len(TEXTS)]}" for n in range(260)]
    old = first_revision(texts)
    edited = [t.replace(":", ", revised:") for t in texts]  # every unit edited
    keys, _ = rekey(old, edited)
    assert keys == [u.key for u in old]
