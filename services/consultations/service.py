"""Consultation rounds: open, close, list and show them, and choose the talk pages they watch.

Public API (every function takes an open SQLAlchemy session; the caller commits):
    open_consultation(session, slug, *, revision_number=None, title=None, prompts=(),
                      opens_at=None, closes_at=None, languages=None, pages=(), draft=False,
                      now=None) -> Consultation
        a round on one revision (default: the latest published, else the latest) watching
        the talk pages of the source page and of its language pages, plus ``pages``
    start_consultation(session, consultation_id, now=None) -> Consultation   draft -> open
    close_consultation(session, consultation_id, now=None) -> Consultation
    mark_reported(session, consultation_id) -> Consultation
    add_watched_page(session, consultation_id, title, language) -> WatchedPage
    list_consultations(session, status=None) -> list[Consultation]
    require_consultation(session, consultation_id) -> Consultation     ConsultationNotFound
    open_consultations(session) -> list[Consultation]
    summarize(session, consultation) -> dict      plain data for the CLI, API and demo
    talk_page_title(title) -> str                 the talk page of a page, canonical names
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from services.consultations.models import Consultation, ConsultationStatus, HarvestRun, WatchedPage
from services.documents.models import Document, Revision, RevisionStatus
from services.documents.store import require_document
from services.feedback.models import Comment

# Canonical namespace names MediaWiki accepts on a wiki of any language, and their talk pages.
_TALK_NAMESPACES = {"User", "Project", "File", "MediaWiki", "Template", "Help", "Category"}


class ConsultationError(ValueError):
    """A consultation action that cannot be done, with the reason."""


class ConsultationNotFound(LookupError):
    """No consultation has this id."""


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC).replace(tzinfo=None)


def talk_page_title(title: str) -> str:
    """``Talk:Foo`` for ``Foo``, ``Help talk:Foo`` for ``Help:Foo``; canonical names work anywhere."""
    prefix, sep, rest = title.partition(":")
    if sep and prefix.strip() in _TALK_NAMESPACES:
        return f"{prefix.strip()} talk:{rest.lstrip()}"
    if sep and (prefix.endswith(" talk") or prefix == "Talk"):
        return title  # already a talk page
    return f"Talk:{title}"


def document_languages(session: Session, document: Document) -> list[str]:
    """The languages the document has translations in (none if translations are not installed)."""
    try:
        from services.translations.models import UnitTranslation
    except ImportError:
        return []
    rows = session.scalars(
        select(UnitTranslation.language)
        .where(UnitTranslation.document_id == document.id)
        .distinct()
    )
    return sorted(lang for lang in rows if lang and lang != document.language)


def default_pages(document: Document, languages: Iterable[str]) -> list[tuple[str, str]]:
    """(talk page title, language) for the source page and each language page ``Title/xx``."""
    pages = [(talk_page_title(document.wiki_title), document.language)]
    for lang in dict.fromkeys(languages):
        if lang and lang != document.language:
            pages.append((talk_page_title(f"{document.wiki_title}/{lang}"), lang))
    return pages


def _choose_revision(session: Session, document: Document, number: int | None) -> Revision:
    query = select(Revision).where(Revision.document_id == document.id)
    if number is not None:
        revision = session.scalars(query.where(Revision.number == number)).one_or_none()
        if revision is None:
            raise ConsultationError(f"document {document.slug!r} has no revision {number}")
        return revision
    for status in (RevisionStatus.PUBLISHED, None):
        q = query if status is None else query.where(Revision.status == status)
        revision = session.scalars(q.order_by(Revision.number.desc()).limit(1)).first()
        if revision is not None:
            return revision
    raise ConsultationError(
        f"document {document.slug!r} has no revision to consult on; "
        f"load its content first (convene content load)"
    )


def open_consultation(
    session: Session,
    slug: str,
    *,
    revision_number: int | None = None,
    title: str | None = None,
    prompts: Sequence[str] = (),
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    languages: Iterable[str] | None = None,
    pages: Iterable[tuple[str, str] | str] = (),
    draft: bool = False,
    now: datetime | None = None,
) -> Consultation:
    """Create a consultation round on a document revision and (unless ``draft``) open it."""
    document = require_document(session, slug)
    revision = _choose_revision(session, document, revision_number)
    if not draft:
        _refuse_second_open(session, document.id)
    opens = opens_at or (None if draft else _now(now))
    if closes_at is not None and opens is not None and closes_at <= opens:
        raise ConsultationError(
            f"closes_at {closes_at:%Y-%m-%d %H:%M} is not after opens_at {opens:%Y-%m-%d %H:%M}"
        )
    langs = document_languages(session, document) if languages is None else list(languages)
    consultation = Consultation(
        document_id=document.id,
        revision_id=revision.id,
        title=title or f"{document.title}: feedback on {revision.label}",
        prompts=[p for p in prompts if p.strip()],
        status=ConsultationStatus.DRAFT if draft else ConsultationStatus.OPEN,
        opens_at=opens,
        closes_at=closes_at,
    )
    wanted = default_pages(document, langs)
    for page in pages:
        title_, lang = (page, document.language) if isinstance(page, str) else page
        wanted.append((title_, lang))
    seen: set[str] = set()
    for page_title, lang in wanted:
        if page_title not in seen:
            seen.add(page_title)
            consultation.pages.append(WatchedPage(title=page_title, language=lang))
    session.add(consultation)
    session.flush()
    return consultation


def _refuse_second_open(session: Session, document_id: int) -> None:
    # Two open rounds on one document would take in every talk-page comment twice.
    other = session.scalars(
        select(Consultation).where(
            Consultation.document_id == document_id, Consultation.status == ConsultationStatus.OPEN
        )
    ).first()
    if other is not None:
        raise ConsultationError(
            f"consultation #{other.id} ({other.title!r}) is already open "
            f"on this document; close it first"
        )


def require_consultation(session: Session, consultation_id: int) -> Consultation:
    consultation = session.get(
        Consultation, consultation_id, options=[selectinload(Consultation.pages)]
    )
    if consultation is None:
        raise ConsultationNotFound(f"no consultation #{consultation_id}")
    return consultation


def start_consultation(
    session: Session, consultation_id: int, now: datetime | None = None
) -> Consultation:
    """Open a draft consultation."""
    consultation = require_consultation(session, consultation_id)
    if consultation.status is not ConsultationStatus.DRAFT:
        raise ConsultationError(
            f"consultation #{consultation_id} is {consultation.status.value}, not a draft"
        )
    _refuse_second_open(session, consultation.document_id)
    consultation.status = ConsultationStatus.OPEN
    consultation.opens_at = consultation.opens_at or _now(now)
    session.flush()
    return consultation


def close_consultation(
    session: Session, consultation_id: int, now: datetime | None = None
) -> Consultation:
    """Stop taking in feedback; comments already harvested stay."""
    consultation = require_consultation(session, consultation_id)
    if consultation.status is not ConsultationStatus.OPEN:
        raise ConsultationError(
            f"consultation #{consultation_id} is {consultation.status.value}, not open"
        )
    now = _now(now)
    consultation.status = ConsultationStatus.CLOSED
    if consultation.closes_at is None or consultation.closes_at > now:
        consultation.closes_at = now
    session.flush()
    return consultation


def mark_reported(session: Session, consultation_id: int) -> Consultation:
    consultation = require_consultation(session, consultation_id)
    if consultation.status is not ConsultationStatus.CLOSED:
        raise ConsultationError(
            f"consultation #{consultation_id} is "
            f"{consultation.status.value}; only a closed one is reported"
        )
    consultation.status = ConsultationStatus.REPORTED
    session.flush()
    return consultation


def add_watched_page(
    session: Session, consultation_id: int, title: str, language: str | None = None
) -> WatchedPage:
    """Watch one more talk page (an archive, a project page); the same title twice is refused."""
    consultation = require_consultation(session, consultation_id)
    title = title.strip().replace("_", " ")
    if not title:
        raise ConsultationError("a watched page needs a title")
    if any(p.title == title for p in consultation.pages):
        raise ConsultationError(f"consultation #{consultation_id} already watches {title!r}")
    document = session.get(Document, consultation.document_id)
    page = WatchedPage(title=title, language=language or document.language)
    consultation.pages.append(page)
    session.flush()
    return page


def list_consultations(
    session: Session, status: ConsultationStatus | None = None
) -> list[Consultation]:
    query = select(Consultation).order_by(Consultation.id)
    if status is not None:
        query = query.where(Consultation.status == status)
    return list(session.scalars(query.options(selectinload(Consultation.pages))))


def open_consultations(session: Session) -> list[Consultation]:
    return list_consultations(session, ConsultationStatus.OPEN)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def summarize(session: Session, consultation: Consultation) -> dict:
    """Everything about one consultation as plain data: pages, counts, the last harvest."""
    document = session.get(Document, consultation.document_id)
    revision = session.get(Revision, consultation.revision_id)
    counts = dict(
        session.execute(
            select(Comment.page_title, func.count())
            .where(Comment.consultation_id == consultation.id, Comment.hidden_reason.is_(None))
            .group_by(Comment.page_title)
        ).all()
    )
    by_language = dict(
        session.execute(
            select(Comment.language, func.count())
            .where(Comment.consultation_id == consultation.id, Comment.hidden_reason.is_(None))
            .group_by(Comment.language)
            .order_by(Comment.language)
        ).all()
    )
    hidden = session.scalar(
        select(func.count())
        .select_from(Comment)
        .where(Comment.consultation_id == consultation.id, Comment.hidden_reason.is_not(None))
    )
    last_run = session.scalars(
        select(HarvestRun)
        .where(HarvestRun.consultation_id == consultation.id)
        .order_by(HarvestRun.id.desc())
        .limit(1)
    ).first()
    return {
        "id": consultation.id,
        "title": consultation.title,
        "document": document.slug,
        "revision": {"number": revision.number, "label": revision.label},
        "status": consultation.status.value,
        "prompts": list(consultation.prompts or []),
        "opens_at": _iso(consultation.opens_at),
        "closes_at": _iso(consultation.closes_at),
        "pages": [
            {
                "title": p.title,
                "language": p.language,
                "last_revid": p.last_revid,
                "last_harvested_at": _iso(p.last_harvested_at),
                "last_error": p.last_error or None,
                "comments": counts.get(p.title, 0),
            }
            for p in consultation.pages
        ],
        "comments": sum(counts.values()),
        "comments_by_language": by_language,
        "comments_hidden": hidden,
        "last_harvest": None
        if last_run is None
        else {
            "started_at": _iso(last_run.started_at),
            "finished_at": _iso(last_run.finished_at),
            "outcome": last_run.outcome.value,
            "pages_parsed": last_run.pages_parsed,
            "comments_new": last_run.comments_new,
            "comments_edited": last_run.comments_edited,
            "comments_hidden": last_run.comments_hidden,
            "problems": list(last_run.problems),
        },
    }
