"""Triage: what the working group decides about each comment, with an audit entry per change.

Every change records who made it, when, and the changed fields before and after. A
change that alters nothing records nothing. Bulk actions are all or nothing: if one
comment may not be touched, none is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.documents.models import utcnow
from services.feedback.models import AuditEntry, Comment, Theme, TriageStatus

MAX_TEXT = 10_000  # note and response
MAX_THEME = 100
MAX_THEMES = 20
MAX_BULK = 500
_SPACES = re.compile(r"\s+")


class TriageError(ValueError):
    """A triage request that cannot be applied; names the field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


class NotPermitted(PermissionError):
    """The actor may not triage (some of) these comments."""


class NotFound(LookupError):
    """No such comment (or none the actor may see)."""


def _clean_text(field: str, value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise TriageError(field, "must be text")
    if len(value) > limit:
        raise TriageError(field, f"longer than {limit} characters")
    # Control characters other than newlines and tabs have no business in a note.
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def clean_theme(name: Any) -> str:
    if not isinstance(name, str):
        raise TriageError("themes", "a theme must be text")
    cleaned = _SPACES.sub(" ", unicodedata.normalize("NFC", name)).strip()
    if not cleaned or len(cleaned) > MAX_THEME:
        raise TriageError("themes", f"a theme needs 1 to {MAX_THEME} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise TriageError("themes", f"theme {cleaned[:40]!r} contains control characters")
    return cleaned


def _theme_list(field: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        raise TriageError(field, "must be a list of theme names")
    names = tuple(dict.fromkeys(clean_theme(v) for v in value))
    if len(names) > MAX_THEMES:
        raise TriageError(field, f"at most {MAX_THEMES} themes")
    return names


@dataclass(frozen=True)
class TriageChange:
    """Fields to change; None leaves a field as it is."""

    status: TriageStatus | None = None
    assignee: str | None = None  # "" unassigns
    themes: tuple[str, ...] | None = None  # replaces the comment's themes
    add_themes: tuple[str, ...] = ()
    remove_themes: tuple[str, ...] = ()
    note: str | None = None
    response: str | None = None
    duplicate_of: int | None = None

    FIELDS = (
        "status",
        "assignee",
        "themes",
        "add_themes",
        "remove_themes",
        "note",
        "response",
        "duplicate_of",
    )
    BULK_FIELDS = ("status", "assignee", "add_themes", "remove_themes")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, bulk: bool = False) -> TriageChange:
        """A change from JSON-like data; refuses unknown fields and bad values."""
        if not isinstance(data, Mapping):
            raise TriageError("body", "must be an object")
        allowed = cls.BULK_FIELDS if bulk else cls.FIELDS
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise TriageError(
                unknown[0],
                f"not a field of a {'bulk ' if bulk else ''}triage "
                f"change (allowed: {', '.join(allowed)})",
            )
        kwargs: dict[str, Any] = {}
        if data.get("status") is not None:
            try:
                kwargs["status"] = TriageStatus(data["status"])
            except (ValueError, TypeError):
                known = ", ".join(s.value for s in TriageStatus)
                raise TriageError(
                    "status", f"{str(data['status'])[:40]!r} is not one of {known}"
                ) from None
        if data.get("assignee") is not None:
            assignee = _clean_text("assignee", data["assignee"], 255).strip()
            kwargs["assignee"] = assignee
        if data.get("themes") is not None:
            kwargs["themes"] = _theme_list("themes", data["themes"])
        for name in ("add_themes", "remove_themes"):
            if data.get(name) is not None:
                kwargs[name] = _theme_list(name, data[name])
        for name in ("note", "response"):
            if data.get(name) is not None:
                kwargs[name] = _clean_text(name, data[name], MAX_TEXT)
        if data.get("duplicate_of") is not None:
            value = data["duplicate_of"]
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise TriageError("duplicate_of", "must be a comment id")
            kwargs["duplicate_of"] = value
        change = cls(**kwargs)
        if change.is_empty:
            raise TriageError("body", "nothing to change")
        return change

    @property
    def is_empty(self) -> bool:
        return (
            not self.add_themes
            and not self.remove_themes
            and all(
                getattr(self, name) is None
                for name in self.FIELDS
                if name not in ("add_themes", "remove_themes")
            )
        )


def snapshot(comment: Comment) -> dict[str, Any]:
    """The triage state of a comment as plain data (what the audit log compares)."""
    return {
        "status": comment.status.value,
        "assignee": comment.assignee or "",
        "themes": sorted(t.name for t in comment.themes),
        "note": comment.note or "",
        "response": comment.response or "",
        "duplicate_of": comment.duplicate_of_id,
    }


def _themes_by_name(
    session: Session, consultation_id: int, names: Collection[str]
) -> dict[str, Theme]:
    """Themes of a consultation by name, creating the ones that do not exist yet."""
    if not names:
        return {}
    found = {
        t.name: t
        for t in session.scalars(
            select(Theme).where(
                Theme.consultation_id == consultation_id, Theme.name.in_(list(names))
            )
        )
    }
    for name in names:
        if name not in found:
            found[name] = Theme(consultation_id=consultation_id, name=name)
            session.add(found[name])
    return found


def _apply(session: Session, comment: Comment, change: TriageChange) -> None:
    if change.duplicate_of is not None:
        if change.duplicate_of == comment.id:
            raise TriageError("duplicate_of", "a comment cannot duplicate itself")
        original = session.get(Comment, change.duplicate_of)
        if original is None or original.consultation_id != comment.consultation_id:
            raise TriageError(
                "duplicate_of", f"comment {change.duplicate_of} is not in the same consultation"
            )
        comment.duplicate_of_id = original.id
        comment.status = TriageStatus.DUPLICATE
    if change.status is not None:
        comment.status = change.status
        if change.status is not TriageStatus.DUPLICATE:
            comment.duplicate_of_id = None
    if change.assignee is not None:
        comment.assignee = change.assignee or None
    if change.note is not None:
        comment.note = change.note
    if change.response is not None:
        comment.response = change.response
    wanted = None
    current = {t.name for t in comment.themes}
    if change.themes is not None:
        wanted = list(change.themes)
    if change.add_themes or change.remove_themes:
        base = wanted if wanted is not None else sorted(current)
        wanted = [n for n in base if n not in change.remove_themes]
        wanted += [n for n in change.add_themes if n not in wanted]
    if wanted is not None and set(wanted) != current:
        if len(wanted) > MAX_THEMES:
            raise TriageError("themes", f"at most {MAX_THEMES} themes on one comment")
        themes = _themes_by_name(session, comment.consultation_id, wanted)
        comment.themes = [themes[n] for n in wanted]


def apply_change(
    session: Session, comment: Comment, change: TriageChange, actor: str, action: str = "triage"
) -> AuditEntry | None:
    """Apply ``change`` to ``comment``; the audit entry, or None if nothing changed."""
    before = snapshot(comment)
    _apply(session, comment, change)
    after = snapshot(comment)
    changed = [k for k in before if before[k] != after[k]]
    if not changed:
        return None
    comment.updated_at = utcnow()
    entry = AuditEntry(
        comment_id=comment.id,
        actor=actor,
        action=action,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    session.add(entry)
    session.flush()
    return entry


def triage(
    session: Session,
    comment_id: int,
    change: TriageChange,
    actor: str,
    visible: Collection[int],
    may_triage: Collection[int],
) -> AuditEntry | None:
    """Triage one comment the actor may triage; NotFound / NotPermitted otherwise."""
    comment = session.scalar(
        select(Comment).where(Comment.id == comment_id).options(selectinload(Comment.themes))
    )
    if comment is None or comment.consultation_id not in set(visible):
        raise NotFound(f"no comment {comment_id}")
    if comment.consultation_id not in set(may_triage):
        raise NotPermitted(
            f"{actor} may not triage comments of consultation {comment.consultation_id}"
        )
    return apply_change(session, comment, change, actor)


def bulk_triage(
    session: Session,
    comment_ids: Collection[int],
    change: TriageChange,
    actor: str,
    visible: Collection[int],
    may_triage: Collection[int],
) -> list[AuditEntry]:
    """Apply one change to many comments, or to none if any may not be touched."""
    ids = list(dict.fromkeys(comment_ids))
    if not ids:
        raise TriageError("ids", "no comments given")
    if len(ids) > MAX_BULK:
        raise TriageError("ids", f"at most {MAX_BULK} comments at once, got {len(ids)}")
    bad_fields = [
        f
        for f in TriageChange.FIELDS
        if f not in TriageChange.BULK_FIELDS and getattr(change, f) is not None
    ]
    if bad_fields:
        raise TriageError(bad_fields[0], "cannot be set in a bulk action")
    comments = {
        c.id: c
        for c in session.scalars(
            select(Comment).where(Comment.id.in_(ids)).options(selectinload(Comment.themes))
        )
    }
    visible, may_triage = set(visible), set(may_triage)
    missing = [i for i in ids if i not in comments or comments[i].consultation_id not in visible]
    if missing:
        raise NotFound(f"no comments {missing[:10]}")
    refused = [i for i in ids if comments[i].consultation_id not in may_triage]
    if refused:
        raise NotPermitted(f"{actor} may not triage comments {refused[:10]}")
    entries = []
    for comment_id in ids:
        entry = apply_change(session, comments[comment_id], change, actor, action="bulk_triage")
        if entry is not None:
            entries.append(entry)
    return entries
