"""Deciding what publishing does to each page: never clobber a human, edit only what differs."""

import pytest

from bots.publish_plan import Action, LastWrite, WikiState, classify, normalize, text_diff

BOT = "ConveneBot"
OURS = LastWrite(wiki_revid=10, text="old text")


@pytest.mark.parametrize(
    "wiki, last, force, action, forced",
    [
        # a page that does not exist yet
        (WikiState(False), None, False, Action.CREATE, False),
        # the wiki has exactly the wanted text (trailing whitespace is not a difference)
        (WikiState(True, 10, "wanted\n\n", BOT), OURS, False, Action.UNCHANGED, False),
        (WikiState(True, 12, "wanted", "Alice"), OURS, False, Action.UNCHANGED, False),
        # our last write is still the current revision
        (WikiState(True, 10, "old text", BOT), OURS, False, Action.UPDATE, False),
        # someone else's later revision that restored our text: nothing of theirs to lose
        (WikiState(True, 11, "old text", "Alice"), OURS, False, Action.UPDATE, False),
        # text Convene did not write, though the revision is its own: an edit the wiki merged
        # into Convene's, or one made with Convene's account
        (WikiState(True, 10, "old text + Alice", BOT), OURS, False, Action.DRIFTED, False),
        (WikiState(True, 11, "something", BOT), OURS, False, Action.DRIFTED, False),
        (WikiState(True, 11, "something", BOT), None, False, Action.DRIFTED, False),
        # a human changed it since: drift, unless forced
        (WikiState(True, 11, "Alice's text", "Alice"), OURS, False, Action.DRIFTED, False),
        (WikiState(True, 11, "Alice's text", "Alice"), OURS, True, Action.UPDATE, True),
        # a page Convene never wrote, made by someone else
        (WikiState(True, 3, "a human page", "Bob"), None, False, Action.DRIFTED, False),
        (WikiState(True, 3, "a human page", "Bob"), None, True, Action.UPDATE, True),
        # deleted on the wiki after Convene wrote it: not silently re-created
        (WikiState(False), OURS, False, Action.DRIFTED, False),
        (WikiState(False), OURS, True, Action.CREATE, True),
    ],
)
def test_classify(wiki, last, force, action, forced):
    decision = classify("wanted", wiki, last, own_user=BOT, force=force)
    assert decision.action is action
    assert decision.forced is forced
    assert decision.reason


def test_drift_reason_names_the_user_and_revisions():
    decision = classify("wanted", WikiState(True, 11, "x", "Alice"), OURS, own_user=BOT)
    assert "Alice" in decision.reason and "r11" in decision.reason and "r10" in decision.reason


def test_only_create_and_update_write():
    assert {a for a in Action if a.writes} == {Action.CREATE, Action.UPDATE}


@pytest.mark.parametrize(
    "raw, stored",
    [
        ("a\r\nb\n\n", "a\nb"),
        ("e\u0301", "\u00e9"),  # MediaWiki stores NFC
        ("  leading kept", "  leading kept"),
    ],
)
def test_normalize_is_what_mediawiki_stores(raw, stored):
    assert normalize(raw) == stored


def test_text_diff_shows_changed_lines_only():
    diff = text_diff("a\nb\nc\n", "a\nB\nc", old_label="wiki", new_label="convene", context=0)
    assert diff.splitlines()[:2] == ["--- wiki", "+++ convene"]
    assert "-b" in diff.splitlines() and "+B" in diff.splitlines()
    assert " a" not in diff.splitlines()
    assert text_diff("same\n", "same", old_label="x", new_label="y") == ""
