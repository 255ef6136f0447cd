"""What Convene last wrote on each wiki page, and the human edits it found there since.

A ``PublishedPage`` row is written the moment a page is saved, so an interrupted publish
resumes without editing a page twice; a ``Drift`` row records a page changed on the wiki by
someone else since Convene's last write, which publishing leaves alone until it is resolved
(by importing the page, or by overwriting it on purpose with ``--force``).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base
from services.documents.models import _enum, utcnow


class PageKind(enum.Enum):
    SOURCE = "source"  # the document in its own language
    TRANSLATION = "translation"  # Title/xx, rendered from per-unit translations
    CHANGELOG = "changelog"  # every published revision and what changed


class DriftResolution(enum.Enum):
    OVERWRITTEN = "overwritten"  # published again with --force
    IMPORTED = "imported"  # taken into the store as a new draft revision
    MATCHED = "matched"  # the wiki came back to the text Convene wants


class PublishedPage(Base):
    __tablename__ = "published_pages"
    __table_args__ = (UniqueConstraint("wiki", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The wiki's API URL: one store may publish to more than one wiki.
    wiki: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[PageKind] = mapped_column(_enum(PageKind, "published_page_kind"))
    language: Mapped[str] = mapped_column(String(20))
    # The document revision the page showed when Convene last wrote it.
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    # The wiki's revision id and the text it holds: a different id on the wiki means
    # someone else edited the page since.
    wiki_revid: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(default=utcnow)


class Drift(Base):
    __tablename__ = "publish_drifts"
    __table_args__ = (Index("ix_publish_drifts_open", "wiki", "title", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wiki: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    # The wiki revision that differs from Convene's last write, and who made it.
    wiki_revid: Mapped[int]
    user: Mapped[str] = mapped_column(String(255))
    # Unified diff from Convene's last text (or its wanted text, on a page it never
    # wrote) to the text on the wiki.
    diff: Mapped[str] = mapped_column(Text)
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[DriftResolution | None] = mapped_column(
        _enum(DriftResolution, "drift_resolution")
    )
