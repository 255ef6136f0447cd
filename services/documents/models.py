"""Documents, revisions and units.

A revision is immutable once written; a unit's ``key`` is its stable id across revisions,
so the lineage between two revisions is derived by comparing keys, never stored.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.db import Base


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class RevisionStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class UnitKind(enum.Enum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    # Store the readable value, and as a plain string so adding a member needs no
    # PostgreSQL ALTER TYPE.
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    # The wiki page the source-language text is published on.
    wiki_title: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(20), default="en")
    # Attribution of the source text (who wrote it, where, under which licence).
    attribution: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    revisions: Mapped[list[Revision]] = relationship(
        back_populates="document", order_by="Revision.number"
    )


class Revision(Base):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int]
    label: Mapped[str] = mapped_column(String(100))
    status: Mapped[RevisionStatus] = mapped_column(
        _enum(RevisionStatus, "revision_status"), default=RevisionStatus.DRAFT
    )
    summary: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    # Hash of the ordered units, so loading the same content twice creates nothing.
    content_hash: Mapped[str] = mapped_column(String(64), index=True)

    document: Mapped[Document] = relationship(back_populates="revisions")
    units: Mapped[list[Unit]] = relationship(
        back_populates="revision", order_by="Unit.position", cascade="all, delete-orphan"
    )


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("revision_id", "key"),
        UniqueConstraint("revision_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"), index=True)
    # The stable id: the same key in two revisions is the same unit, possibly edited.
    key: Mapped[str] = mapped_column(String(32), index=True)
    position: Mapped[int]
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind, "unit_kind"))
    # Heading level (2 for ==), or list depth (1 for *), 0 for paragraphs.
    level: Mapped[int] = mapped_column(default=0)
    # Ordered list items (#) rather than bulleted (*).
    ordered: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))

    revision: Mapped[Revision] = relationship(back_populates="units")
