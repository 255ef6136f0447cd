"""The document store: documents, their immutable revisions, and units with stable keys.

Public API (every function takes an open SQLAlchemy session; the caller commits):
    get_document(session, slug) -> Document | None
    require_document(session, slug) -> Document              raises DocumentNotFound
    list_documents(session) -> list[Document]
    latest_revision(session, document, status=None) -> Revision | None
    get_revision(session, document, number) -> Revision | None
    require_revision(session, document, number) -> Revision  raises RevisionNotFound
    create_revision(session, document, unit_drafts, *, label, summary="", author="")
        -> Revision      a new DRAFT (parent = latest); keys matched against the latest
                         revision (lineage.match_units), drafts' own known keys honoured
    revision_if_unchanged(session, document, unit_drafts) -> Revision | None
        the latest revision when its content equals the drafts (so callers can skip)
    mark_published(session, revision, when=None) -> Revision
        PUBLISHED; any other published revision of the document becomes SUPERSEDED
    load_source(session, path) -> Loaded(revision, created)
        parse a content file (SourceError before anything is written), create or update
        the document, and create a draft revision unless the content is unchanged.
    load_parsed(session, source_file) -> Loaded   the same from an already parsed file
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.documents.lineage import match_units
from services.documents.models import Document, Revision, RevisionStatus, Unit
from services.documents.source import SourceFile, read_source
from services.documents.units import UnitDraft, content_hash, normalize_text, text_hash


class DocumentNotFound(LookupError):
    """No document has this slug."""


class RevisionNotFound(LookupError):
    """The document has no revision with this number."""


class Loaded(NamedTuple):
    revision: Revision
    created: bool


def get_document(session: Session, slug: str) -> Document | None:
    return session.scalars(select(Document).where(Document.slug == slug)).one_or_none()


def require_document(session: Session, slug: str) -> Document:
    document = get_document(session, slug)
    if document is None:
        known = ", ".join(d.slug for d in list_documents(session)) or "none yet"
        raise DocumentNotFound(f"no document {slug!r} (known: {known})")
    return document


def list_documents(session: Session) -> list[Document]:
    return list(session.scalars(select(Document).order_by(Document.slug)))


def latest_revision(
    session: Session, document: Document, status: RevisionStatus | None = None
) -> Revision | None:
    """The highest-numbered revision, optionally only among those with ``status``."""
    query = select(Revision).where(Revision.document_id == document.id)
    if status is not None:
        query = query.where(Revision.status == status)
    query = query.order_by(Revision.number.desc()).limit(1).options(selectinload(Revision.units))
    return session.scalars(query).first()


def get_revision(session: Session, document: Document, number: int) -> Revision | None:
    return session.scalars(
        select(Revision)
        .where(Revision.document_id == document.id, Revision.number == number)
        .options(selectinload(Revision.units))
    ).one_or_none()


def require_revision(session: Session, document: Document, number: int) -> Revision:
    revision = get_revision(session, document, number)
    if revision is None:
        raise RevisionNotFound(f"document {document.slug!r} has no revision {number}")
    return revision


def list_revisions(session: Session, document: Document) -> list[Revision]:
    return list(
        session.scalars(
            select(Revision)
            .where(Revision.document_id == document.id)
            .order_by(Revision.number)
            .options(selectinload(Revision.units))
        )
    )


def _normalized(drafts: list[UnitDraft]) -> list[UnitDraft]:
    out: list[UnitDraft] = []
    for draft in drafts:
        text = normalize_text(draft.text)
        if not text:
            raise ValueError(f"unit {len(out) + 1} ({draft.kind.value}) has no text")
        out.append(UnitDraft(draft.kind, text, draft.level, draft.ordered, draft.key))
    return out


def revision_if_unchanged(
    session: Session, document: Document, unit_drafts: list[UnitDraft]
) -> Revision | None:
    """The latest revision if it holds exactly these units, else None."""
    latest = latest_revision(session, document)
    if latest is not None and latest.content_hash == content_hash(_normalized(unit_drafts)):
        return latest
    return None


def create_revision(
    session: Session,
    document: Document,
    unit_drafts: list[UnitDraft],
    *,
    label: str,
    summary: str = "",
    author: str = "",
) -> Revision:
    """Store a new draft revision whose units continue the latest revision's keys."""
    drafts = _normalized(unit_drafts)
    if not drafts:
        raise ValueError(f"a revision of {document.slug!r} needs at least one unit")
    if document.id is None:
        session.add(document)
        session.flush()
    parent = latest_revision(session, document)
    known_keys = set(
        session.scalars(select(Unit.key).join(Revision).where(Revision.document_id == document.id))
    )
    previous = list(parent.units) if parent is not None else []
    keys = match_units(previous, drafts, known_keys=known_keys)
    number = (parent.number if parent is not None else 0) + 1
    revision = Revision(
        document=document,
        number=number,
        label=label,
        status=RevisionStatus.DRAFT,
        summary=summary,
        author=author,
        parent_id=parent.id if parent else None,
        content_hash=content_hash(drafts),
        units=[
            Unit(
                key=key,
                position=i,
                kind=d.kind,
                level=d.level,
                ordered=d.ordered,
                text=d.text,
                text_hash=text_hash(d.text),
            )
            for i, (key, d) in enumerate(zip(keys, drafts))
        ],
    )
    session.add(revision)
    session.flush()
    return revision


def mark_published(session: Session, revision: Revision, when: datetime | None = None) -> Revision:
    """Publish ``revision``; the document's previously published revision is superseded."""
    if revision.status is RevisionStatus.PUBLISHED:
        return revision
    others = session.scalars(
        select(Revision).where(
            Revision.document_id == revision.document_id,
            Revision.id != revision.id,
            Revision.status == RevisionStatus.PUBLISHED,
        )
    )
    for other in others:
        other.status = RevisionStatus.SUPERSEDED
    revision.status = RevisionStatus.PUBLISHED
    revision.published_at = when or datetime.now(UTC).replace(tzinfo=None)
    session.flush()
    return revision


def load_source(session: Session, path: str | Path) -> Loaded:
    """Load a content file; the store is untouched when the file is malformed."""
    return load_parsed(session, read_source(path))


def load_parsed(session: Session, source: SourceFile) -> Loaded:
    document = get_document(session, source.slug)
    if document is None:
        document = Document(slug=source.slug)
        session.add(document)
    # Document metadata is not versioned: the file says what it is now.
    document.title = source.title
    document.wiki_title = source.wiki_title
    document.language = source.language
    document.attribution = source.attribution_text
    session.flush()
    unchanged = revision_if_unchanged(session, document, source.units)
    if unchanged is not None:
        return Loaded(unchanged, False)
    revision = create_revision(
        session,
        document,
        source.units,
        label=source.label,
        summary=source.summary,
        author=source.author,
    )
    return Loaded(revision, True)
