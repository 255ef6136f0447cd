"""Deciding, page by page, what publishing does: create, update, leave, or stop at a drift.

Pure functions, no wiki access: given the text Convene wants on a page, the page as the wiki
has it, and what Convene last wrote there, ``classify`` says what to do and why.

A page is Convene's to update only while it holds exactly the text Convene last wrote there.
Anything else is someone's change (a person's edit, or one the wiki merged into Convene's own
edit): a drift, left alone unless ``force``. Text, not revision ids, decides, so a change
reverted on the wiki is no drift, and a merged edit by Convene's own account still is.
"""

from __future__ import annotations

import difflib
import enum
import unicodedata
from dataclasses import dataclass


class Action(enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    DRIFTED = "drifted"  # changed (or deleted) on the wiki since Convene wrote it
    EXCLUDED = "excluded"  # {{bots}}/{{nobots}} keep Convene out
    CONFLICT = "conflict"  # someone saved the page between Convene's read and its edit
    FAILED = "failed"  # protected, blacklisted...: the wiki refused the edit

    @property
    def writes(self) -> bool:
        return self in (Action.CREATE, Action.UPDATE)


@dataclass(frozen=True)
class WikiState:
    """A page as the wiki has it now."""

    exists: bool
    revid: int = 0
    text: str = ""
    user: str = ""


@dataclass(frozen=True)
class LastWrite:
    """What Convene last wrote on a page: the wiki revision it made and its text."""

    wiki_revid: int
    text: str


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str
    forced: bool = False


def normalize(text: str) -> str:
    """The text as MediaWiki stores it: NFC, Unix line ends, no trailing whitespace."""
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").rstrip()


def classify(
    wanted: str, wiki: WikiState, last: LastWrite | None, *, own_user: str, force: bool = False
) -> Decision:
    """What publishing ``wanted`` on this page does, given the wiki and Convene's record."""
    if not wiki.exists:
        if last is None:
            return Decision(Action.CREATE, "new page")
        if force:
            return Decision(Action.CREATE, "deleted on the wiki; re-created (--force)", True)
        return Decision(Action.DRIFTED, "deleted on the wiki since Convene wrote it")
    if normalize(wiki.text) == normalize(wanted):
        return Decision(Action.UNCHANGED, "the wiki already has this text")
    if last is not None and normalize(wiki.text) == normalize(last.text):
        return Decision(Action.UPDATE, "text differs")
    who = wiki.user or "an unknown user"
    if last is None:
        reason = f"exists on the wiki (r{wiki.revid} by {who}) but Convene never wrote it"
    elif wiki.revid == last.wiki_revid or wiki.user == own_user:
        reason = (
            f"holds changes Convene did not write (r{wiki.revid}; an edit merged into "
            f"Convene's, or made with its account)"
        )
    else:
        reason = (
            f"changed on the wiki by {who} (r{wiki.revid}) since Convene wrote r{last.wiki_revid}"
        )
    if force:
        return Decision(Action.UPDATE, reason + "; overwritten (--force)", True)
    return Decision(Action.DRIFTED, reason)


def text_diff(old: str, new: str, *, old_label: str, new_label: str, context: int = 2) -> str:
    """A unified line diff between two page texts (empty when they are the same)."""
    lines = difflib.unified_diff(
        normalize(old).splitlines(),
        normalize(new).splitlines(),
        fromfile=old_label,
        tofile=new_label,
        n=context,
        lineterm="",
    )
    return "\n".join(lines)
