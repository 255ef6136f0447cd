"""Comments from the wiki's per-paragraph widget, taken into the open consultation of their document.

Public API (every function takes an open SQLAlchemy session; the caller commits):
    WidgetSubmission.from_json(data) -> WidgetSubmission       WidgetCommentRejected if malformed
    take_widget_comment(session, submission, now=None) -> TakenComment
        one comment into the open consultation of ``submission.document``, with the stable
        item id ``w-<uuid>`` (the wiki's, so a retried call takes nothing in twice), anchored
        to its unit with AnchorMethod.WIDGET; WidgetCommentRejected names what is wrong
    document_status(session, slug) -> dict
        per-unit comment counts and triage-status mix of the document's current consultation;
        nothing private: no author, no text, hidden comments not counted
    consultations_watching(session, title) -> list[int]
        the open consultations that watch wiki page ``title``
"""

from __future__ import annotations

import enum
import html
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.consultations.models import Consultation, ConsultationStatus, WatchedPage
from services.documents.models import Document, Revision, Unit
from services.feedback.models import Anchor, AnchorMethod, Comment, CommentSource

# Long enough for a considered paragraph, short enough that one comment cannot flood a page.
MAX_TEXT_CHARS = 5000
MAX_NAME_CHARS = 255
UNIT_KEY_RE = re.compile(r"^[A-Za-z0-9-]{1,32}$")
ITEM_ID_RE = re.compile(r"^w-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$")
# Line breaks and tabs are text; every other control character (and a lone surrogate, which
# JSON can smuggle in as \ud800) is not.
_ALLOWED_CONTROLS = {"\n", "\t"}


class Refusal(enum.Enum):
    """Why a widget comment was not taken in."""

    BAD_FIELD = "bad_field"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    CONTROL_CHARACTERS = "control_characters"
    UNKNOWN_DOCUMENT = "unknown_document"
    UNKNOWN_UNIT = "unknown_unit"
    NO_OPEN_CONSULTATION = "no_open_consultation"
    DUPLICATE_ID = "duplicate_id"


class WidgetCommentRejected(ValueError):
    """A widget comment that cannot be taken in, with the reason and the field at fault."""

    def __init__(self, reason: Refusal, message: str, field: str | None = None):
        super().__init__(message)
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class WidgetSubmission:
    """What the wiki's ``action=convenecomment`` forwards for one comment."""

    document: str
    unit: str
    text: str
    user: str
    page: str
    language: str = ""
    document_revision: int | None = None
    wiki_revid: int | None = None
    item_id: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> WidgetSubmission:
        """Read a JSON object; every field is checked for type and shape, never trusted."""
        if not isinstance(data, Mapping):
            raise WidgetCommentRejected(Refusal.BAD_FIELD, "the body must be a JSON object")
        return cls(
            document=_string(data, "document", 100),
            unit=_string(data, "unit", 32),
            text=_string(data, "text", None),
            user=_string(data, "user", MAX_NAME_CHARS),
            page=_string(data, "page", MAX_NAME_CHARS),
            language=_string(data, "language", 35, required=False),
            document_revision=_integer(data, "document_revision"),
            wiki_revid=_integer(data, "wiki_revid"),
            item_id=_string(data, "item_id", 40, required=False) or None,
        )


def _string(data: Mapping, name: str, limit: int | None, *, required: bool = True) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise WidgetCommentRejected(Refusal.BAD_FIELD, f"field {name!r} must be a string", name)
    if limit is not None and len(value) > limit:
        raise WidgetCommentRejected(
            Refusal.BAD_FIELD, f"field {name!r} is longer than {limit} characters", name
        )
    return value


def _integer(data: Mapping, name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    # bool is an int in Python; true is not a revision number.
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise WidgetCommentRejected(
            Refusal.BAD_FIELD, f"field {name!r} must be a positive integer", name
        )
    return value


@dataclass(frozen=True)
class TakenComment:
    comment_id: int
    item_id: str
    consultation_id: int
    unit_key: str
    created: bool


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC).replace(tzinfo=None)


def clean_text(text: str) -> str:
    """The comment as stored: NFC, Unix line ends, trimmed; refused if empty, long or hostile."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise WidgetCommentRejected(Refusal.EMPTY, "the comment is empty", "text")
    if len(text) > MAX_TEXT_CHARS:
        raise WidgetCommentRejected(
            Refusal.TOO_LONG,
            f"the comment has {len(text)} characters; at most {MAX_TEXT_CHARS} are taken",
            "text",
        )
    bad = _first_forbidden(text)
    if bad is not None:
        raise WidgetCommentRejected(
            Refusal.CONTROL_CHARACTERS,
            f"the comment contains the control character "
            f"U+{ord(bad):04X} at position {text.index(bad) + 1}",
            "text",
        )
    return text


def _first_forbidden(text: str) -> str | None:
    for char in text:
        if char not in _ALLOWED_CONTROLS and unicodedata.category(char) in ("Cc", "Cs"):
            return char
    return None


def _clean_name(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise WidgetCommentRejected(Refusal.BAD_FIELD, f"field {field!r} is empty", field)
    bad = (
        _first_forbidden(value)
        or ("\n" if "\n" in value else None)
        or ("\t" if "\t" in value else None)
    )
    if bad is not None:
        raise WidgetCommentRejected(
            Refusal.CONTROL_CHARACTERS,
            f"field {field!r} contains the control character U+{ord(bad):04X}",
            field,
        )
    return value


def text_to_html(text: str) -> str:
    """Plain text as escaped HTML paragraphs: what the dashboard shows, never markup of the user."""
    paragraphs = [p for p in re.split(r"\n{2,}", text) if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def open_consultation_for(
    session: Session, document: Document, now: datetime | None = None
) -> Consultation | None:
    """The document's open consultation, if it is within its dates."""
    now = _now(now)
    return session.scalars(
        select(Consultation)
        .where(
            Consultation.document_id == document.id,
            Consultation.status == ConsultationStatus.OPEN,
            or_(Consultation.opens_at.is_(None), Consultation.opens_at <= now),
            or_(Consultation.closes_at.is_(None), Consultation.closes_at > now),
        )
        .order_by(Consultation.id.desc())
        .limit(1)
    ).first()


def _revision_with_unit(
    session: Session,
    document: Document,
    consultation: Consultation,
    number: int | None,
    unit_key: str,
) -> Revision | None:
    """The revision the reader saw (by number) if it has the unit, else the consulted one."""
    candidates: list[int] = []
    if number is not None:
        seen = session.scalars(
            select(Revision.id).where(
                Revision.document_id == document.id, Revision.number == number
            )
        ).first()
        if seen is not None:
            candidates.append(seen)
    candidates.append(consultation.revision_id)
    for revision_id in dict.fromkeys(candidates):
        found = session.scalars(
            select(Unit.id).where(Unit.revision_id == revision_id, Unit.key == unit_key)
        ).first()
        if found is not None:
            return session.get(Revision, revision_id)
    return None


def take_widget_comment(
    session: Session, submission: WidgetSubmission, now: datetime | None = None
) -> TakenComment:
    """Take one widget comment into the open consultation of its document."""
    from services.analysis.language import detect_language

    text = clean_text(submission.text)
    user = _clean_name(submission.user, "user")
    page = _clean_name(submission.page, "page").replace("_", " ")
    if not UNIT_KEY_RE.match(submission.unit):
        raise WidgetCommentRejected(
            Refusal.BAD_FIELD, f"{submission.unit!r} is not a unit key", "unit"
        )
    if submission.item_id is not None and not ITEM_ID_RE.match(submission.item_id):
        raise WidgetCommentRejected(
            Refusal.BAD_FIELD,
            f"{submission.item_id!r} is not a widget item id (w-<uuid>)",
            "item_id",
        )
    document = session.scalars(
        select(Document).where(Document.slug == submission.document)
    ).one_or_none()
    if document is None:
        raise WidgetCommentRejected(
            Refusal.UNKNOWN_DOCUMENT, f"no document {submission.document!r}", "document"
        )
    consultation = open_consultation_for(session, document, now)
    if consultation is None:
        raise WidgetCommentRejected(
            Refusal.NO_OPEN_CONSULTATION,
            f"document {document.slug!r} has no open consultation: comments are not taken now",
            "document",
        )
    revision = _revision_with_unit(
        session, document, consultation, submission.document_revision, submission.unit
    )
    if revision is None:
        raise WidgetCommentRejected(
            Refusal.UNKNOWN_UNIT,
            f"document {document.slug!r} has no unit {submission.unit!r}",
            "unit",
        )

    item_id = submission.item_id or f"w-{uuid.uuid4()}"
    existing = session.scalars(
        select(Comment).where(
            Comment.consultation_id == consultation.id, Comment.item_id == item_id
        )
    ).first()
    if existing is not None:
        # The wiki retried a call that had reached us: the same comment, taken in once.
        if existing.author == user and existing.text_plain == text:
            return TakenComment(existing.id, item_id, consultation.id, submission.unit, False)
        raise WidgetCommentRejected(
            Refusal.DUPLICATE_ID,
            f"item id {item_id} is already taken by another comment",
            "item_id",
        )

    prior = (
        submission.language if LANGUAGE_RE.match(submission.language or "") else document.language
    )
    comment = Comment(
        consultation_id=consultation.id,
        source=CommentSource.WIDGET,
        page_title=page,
        item_id=item_id,
        heading="",
        author=user,
        posted_at=_now(now),
        level=1,
        text_html=text_to_html(text),
        text_plain=text,
        language=detect_language(text, prior=prior).language,
        wiki_revid=submission.wiki_revid,
        revision_id=revision.id,
        anchors=[
            Anchor(
                unit_key=submission.unit,
                revision_id=revision.id,
                method=AnchorMethod.WIDGET,
                confidence=1.0,
            )
        ],
    )
    session.add(comment)
    session.flush()
    return TakenComment(comment.id, item_id, consultation.id, submission.unit, True)


def _status_consultation(session: Session, document: Document) -> Consultation | None:
    """The open consultation, else the latest one that ran (its results stay visible)."""
    return (
        open_consultation_for(session, document)
        or session.scalars(
            select(Consultation)
            .where(
                Consultation.document_id == document.id,
                Consultation.status != ConsultationStatus.DRAFT,
            )
            .order_by(Consultation.id.desc())
            .limit(1)
        ).first()
    )


def document_status(session: Session, slug: str) -> dict:
    """Per-unit counts and status mix for the widget; raises WidgetCommentRejected if unknown."""
    document = session.scalars(select(Document).where(Document.slug == slug)).one_or_none()
    if document is None:
        raise WidgetCommentRejected(Refusal.UNKNOWN_DOCUMENT, f"no document {slug!r}", "document")
    consultation = _status_consultation(session, document)
    result: dict[str, Any] = {
        "document": document.slug,
        "consultation": None,
        "total": 0,
        "units": {},
    }
    if consultation is None:
        return result
    is_open = open_consultation_for(session, document) is not None
    result["consultation"] = {
        "id": consultation.id,
        "title": consultation.title,
        "open": is_open,
        "closes_at": consultation.closes_at.isoformat(timespec="seconds")
        if consultation.closes_at
        else None,
    }
    live = (Comment.consultation_id == consultation.id, Comment.hidden_reason.is_(None))
    result["total"] = session.scalar(select(func.count()).select_from(Comment).where(*live))
    rows = session.execute(
        select(Anchor.unit_key, Comment.status, func.count(func.distinct(Comment.id)))
        .join(Comment, Comment.id == Anchor.comment_id)
        .where(*live)
        .group_by(Anchor.unit_key, Comment.status)
    )
    units: dict[str, dict[str, Any]] = {}
    for key, status, count in rows:
        unit = units.setdefault(key, {"count": 0, "statuses": {}})
        unit["statuses"][status.value] = count
        unit["count"] += count
    result["units"] = dict(sorted(units.items()))
    return result


def consultations_watching(session: Session, title: str) -> list[int]:
    """Ids of the open consultations that watch the wiki page ``title``."""
    title = title.strip().replace("_", " ")
    return list(
        session.scalars(
            select(Consultation.id)
            .join(WatchedPage, WatchedPage.consultation_id == Consultation.id)
            .where(WatchedPage.title == title, Consultation.status == ConsultationStatus.OPEN)
            .order_by(Consultation.id)
            .distinct()
        )
    )
