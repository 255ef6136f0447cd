"""Consultations and the talk pages they watch."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.db import Base
from services.documents.models import _enum, utcnow


class ConsultationStatus(enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    REPORTED = "reported"


class Consultation(Base):
    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    title: Mapped[str] = mapped_column(String(255))
    # The questions the working group asks the community.
    prompts: Mapped[list] = mapped_column(default=list)
    status: Mapped[ConsultationStatus] = mapped_column(
        _enum(ConsultationStatus, "consultation_status"), default=ConsultationStatus.DRAFT
    )
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped in the transaction of every change to what the triage queue shows (see
    # services.feedback.versions), so a cached queue result can tell it is stale.
    data_version: Mapped[int] = mapped_column(default=0, server_default="0")

    pages: Mapped[list[WatchedPage]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan", order_by="WatchedPage.id"
    )


class WatchedPage(Base):
    """A talk page a consultation takes feedback from, and how far it was harvested."""

    __tablename__ = "watched_pages"
    __table_args__ = (UniqueConstraint("consultation_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(20), default="en")
    # The wiki revision id last parsed; a harvest skips the page while it is unchanged.
    last_revid: Mapped[int | None]
    last_harvested_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")

    consultation: Mapped[Consultation] = relationship(back_populates="pages")


class HarvestOutcome(enum.Enum):
    OK = "ok"  # every watched page read (and parsed where it changed)
    PARTIAL = "partial"  # some pages could not be read or parsed; see problems
    FAILED = "failed"  # the wiki could not be asked at all


class HarvestRun(Base):
    """One harvest of a consultation: what it read, what it changed, what it could not use."""

    __tablename__ = "harvest_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[HarvestOutcome] = mapped_column(
        _enum(HarvestOutcome, "harvest_outcome"), default=HarvestOutcome.OK
    )
    pages_checked: Mapped[int] = mapped_column(default=0)
    pages_parsed: Mapped[int] = mapped_column(default=0)
    requests: Mapped[int] = mapped_column(default=0)
    comments_new: Mapped[int] = mapped_column(default=0)
    comments_edited: Mapped[int] = mapped_column(default=0)
    comments_hidden: Mapped[int] = mapped_column(default=0)
    comments_restored: Mapped[int] = mapped_column(default=0)
    # Human-readable lines: "<page>: <what could not be attributed or read>".
    problems: Mapped[list] = mapped_column(default=list)


class CommentOrigin(Base):
    """The wiki revision that added a harvested comment; its deletion flags can hide it."""

    __tablename__ = "comment_origins"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    # None when the revision could not be told (e.g. older than the history read).
    revid: Mapped[int | None]
