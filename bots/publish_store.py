"""Reading and writing the publish records: what Convene wrote where, and open drifts.

Every function takes an open session; the caller commits (publishing commits after each
page, so a run that stops half-way keeps what it did).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bots.publish_state import Drift, DriftResolution, PageKind, PublishedPage
from services.documents.models import utcnow


def last_writes(session: Session, wiki: str, titles: Iterable[str]) -> dict[str, PublishedPage]:
    """Convene's record of each of ``titles`` on ``wiki`` that it ever wrote."""
    titles = list(titles)
    if not titles:
        return {}
    rows = session.scalars(
        select(PublishedPage).where(PublishedPage.wiki == wiki, PublishedPage.title.in_(titles))
    )
    return {row.title: row for row in rows}


def page_record(session: Session, wiki: str, title: str) -> PublishedPage | None:
    return session.scalars(
        select(PublishedPage).where(PublishedPage.wiki == wiki, PublishedPage.title == title)
    ).one_or_none()


def record_write(
    session: Session,
    *,
    wiki: str,
    title: str,
    document_id: int,
    kind: PageKind,
    language: str,
    revision_id: int,
    wiki_revid: int,
    text: str,
) -> PublishedPage:
    """Remember that ``title`` now holds ``text`` as wiki revision ``wiki_revid``."""
    row = page_record(session, wiki, title)
    if row is None:
        row = PublishedPage(wiki=wiki, title=title)
        session.add(row)
    row.document_id = document_id
    row.kind = kind
    row.language = language
    row.revision_id = revision_id
    row.wiki_revid = wiki_revid
    row.text = text
    row.written_at = utcnow()
    session.flush()
    return row


def open_drift(session: Session, wiki: str, title: str) -> Drift | None:
    return session.scalars(
        select(Drift)
        .where(Drift.wiki == wiki, Drift.title == title, Drift.resolved_at.is_(None))
        .order_by(Drift.id.desc())
        .limit(1)
    ).first()


def record_drift(
    session: Session,
    *,
    wiki: str,
    title: str,
    document_id: int,
    wiki_revid: int,
    user: str,
    diff: str,
) -> Drift:
    """Record a human change found on a page; one open drift per page, kept up to date."""
    drift = open_drift(session, wiki, title)
    if drift is None:
        drift = Drift(wiki=wiki, title=title, document_id=document_id)
        session.add(drift)
    if drift.wiki_revid != wiki_revid:
        drift.wiki_revid = wiki_revid
        drift.user = user
        drift.diff = diff
        drift.detected_at = utcnow()
    session.flush()
    return drift


def resolve_drifts(
    session: Session, wiki: str, title: str, resolution: DriftResolution
) -> list[Drift]:
    """Close every open drift of a page, saying how it was resolved."""
    drifts = list(
        session.scalars(
            select(Drift).where(
                Drift.wiki == wiki, Drift.title == title, Drift.resolved_at.is_(None)
            )
        )
    )
    now = utcnow()
    for drift in drifts:
        drift.resolved_at = now
        drift.resolution = resolution
    session.flush()
    return drifts


def open_drifts(
    session: Session, wiki: str | None = None, document_id: int | None = None
) -> list[Drift]:
    """Drifts not yet resolved, oldest first."""
    query = select(Drift).where(Drift.resolved_at.is_(None))
    if wiki is not None:
        query = query.where(Drift.wiki == wiki)
    if document_id is not None:
        query = query.where(Drift.document_id == document_id)
    return list(session.scalars(query.order_by(Drift.id)))
