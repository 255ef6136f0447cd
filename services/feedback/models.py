"""Comments taken in from the wiki, where they point in the text, and what became of them."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from services.db import Base
from services.documents.models import _enum, utcnow
from services.feedback.searchtext import search_document


class CommentSource(enum.Enum):
    TALK_PAGE = "talk_page"
    WIDGET = "widget"


class TriageStatus(enum.Enum):
    NEW = "new"
    IN_REVIEW = "in_review"
    ACCEPTED = "accepted"
    PARTLY_ACCEPTED = "partly_accepted"
    DECLINED = "declined"
    DUPLICATE = "duplicate"
    OUT_OF_SCOPE = "out_of_scope"
    ADDRESSED = "addressed"  # addressed in a revision


# A comment hidden on the wiki's authority, and a reply whose DiscussionTools id names the
# hidden comment's author, are kept under this form of their id: recognisable, naming nobody.
HIDDEN_ID_PREFIX = "hidden-"


def hidden_item_id(item_id: str) -> str:
    """The hidden form of a DiscussionTools id."""
    return HIDDEN_ID_PREFIX + hashlib.sha256(item_id.encode("utf-8")).hexdigest()[:24]


def is_hidden_id(item_id: str) -> bool:
    return item_id.startswith(HIDDEN_ID_PREFIX)


class HiddenReason(enum.Enum):
    REMOVED = "removed"  # no longer on the page
    TEXT_HIDDEN = "texthidden"  # revision-deleted text
    USER_HIDDEN = "userhidden"  # revision-deleted user name
    SUPPRESSED = "suppressed"  # oversighted


class AnchorMethod(enum.Enum):
    HEADING = "heading"
    LINK = "link"
    QUOTE = "quote"
    SIMILARITY = "similarity"
    WIDGET = "widget"


comment_themes = Table(
    "comment_themes",
    Base.metadata,
    Column("comment_id", ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
    # Filtering the queue by theme starts from the theme.
    Index("ix_comment_themes_theme", "theme_id", "comment_id"),
)


# The queue shows comments still on the wiki unless asked otherwise; indexes limited to
# them are smaller, and their predicate is spelled as the queue's condition is. Each ends
# with the sort key and id (so a keyset page is a range of it, in order) and the hidden
# column, always NULL in them: it makes them cover the queue's condition, so paging and
# counting read the index alone. (Before the sort key it would break PostgreSQL's use of
# their order: there, IS NULL does not pin a column the way = does.)
_LIVE = "hidden_reason IS NULL"
_QUEUE_INDEXES = {
    "ix_comments_live_posted": ("consultation_id", "posted_at", "id", "hidden_reason"),
    "ix_comments_live_status": ("consultation_id", "status", "posted_at", "id", "hidden_reason"),
    "ix_comments_live_language": (
        "consultation_id",
        "language",
        "posted_at",
        "id",
        "hidden_reason",
    ),
    "ix_comments_live_status_language": (
        "consultation_id",
        "status",
        "language",
        "posted_at",
        "id",
        "hidden_reason",
    ),
    "ix_comments_live_updated": ("consultation_id", "updated_at", "id", "hidden_reason"),
    # Across consultations (none chosen): walked in time order, filtering on the columns
    # carried after the key, without reading a row.
    "ix_comments_live_any_posted": (
        "posted_at",
        "id",
        "consultation_id",
        "status",
        "language",
        "hidden_reason",
    ),
    "ix_comments_live_any_updated": (
        "updated_at",
        "id",
        "consultation_id",
        "status",
        "language",
        "hidden_reason",
    ),
}


def _live_index(name: str, *columns: str) -> Index:
    return Index(name, *columns, sqlite_where=text(_LIVE), postgresql_where=text(_LIVE))


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (
        # DiscussionTools ids are unique within a page.
        UniqueConstraint("consultation_id", "page_title", "item_id"),
        # The triage queue (services.feedback.queries) filters by consultation, status and
        # language, sorts by posted_at or updated_at and pages by keyset: each common filter
        # walks one of these in order, with no sort step, and counts without reading rows.
        *(_live_index(name, *columns) for name, columns in _QUEUE_INDEXES.items()),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    source: Mapped[CommentSource] = mapped_column(
        _enum(CommentSource, "comment_source"), default=CommentSource.TALK_PAGE
    )
    page_title: Mapped[str] = mapped_column(String(255))
    # c-<author>-<timestamp>-<parent> as DiscussionTools forms it.
    item_id: Mapped[str] = mapped_column(String(512))
    parent_item_id: Mapped[str | None] = mapped_column(String(512))
    heading: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(255))
    posted_at: Mapped[datetime | None] = mapped_column(index=True)
    level: Mapped[int] = mapped_column(default=1)
    text_html: Mapped[str | None] = mapped_column(Text)
    text_plain: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(20), default="und", index=True)
    # The wiki revision the comment was last seen in, and the document revision it answers.
    wiki_revid: Mapped[int | None]
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    hidden_reason: Mapped[HiddenReason | None] = mapped_column(_enum(HiddenReason, "hidden_reason"))
    hidden_at: Mapped[datetime | None]

    status: Mapped[TriageStatus] = mapped_column(
        _enum(TriageStatus, "triage_status"), default=TriageStatus.NEW
    )
    assignee: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str] = mapped_column(Text, default="")  # private to the working group
    response: Mapped[str] = mapped_column(Text, default="")  # public answer to the community
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Text, heading and author folded for search (services.feedback.searchtext); kept
    # current on every ORM flush and filled on Core inserts by the default.
    search_text: Mapped[str] = mapped_column(Text, default=lambda ctx: _search_default(ctx))

    anchors: Mapped[list[Anchor]] = relationship(
        back_populates="comment", cascade="all, delete-orphan"
    )
    versions: Mapped[list[CommentVersion]] = relationship(
        back_populates="comment", cascade="all, delete-orphan", order_by="CommentVersion.id"
    )
    themes: Mapped[list[Theme]] = relationship(secondary=comment_themes)


class CommentVersion(Base):
    """An earlier text of a comment that was edited on the wiki."""

    __tablename__ = "comment_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    text_html: Mapped[str | None] = mapped_column(Text)
    text_plain: Mapped[str | None] = mapped_column(Text)
    wiki_revid: Mapped[int | None]
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="versions")


class Anchor(Base):
    """A comment speaks of a unit (by its stable key) of a document revision."""

    __tablename__ = "anchors"
    __table_args__ = (
        UniqueConstraint("comment_id", "unit_key"),
        # Filtering the queue by unit starts from the unit and needs only the comment ids.
        Index("ix_anchors_unit_comment", "unit_key", "comment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    unit_key: Mapped[str] = mapped_column(String(32))
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    method: Mapped[AnchorMethod] = mapped_column(_enum(AnchorMethod, "anchor_method"))
    confidence: Mapped[float] = mapped_column(default=1.0)

    comment: Mapped[Comment] = relationship(back_populates="anchors")


class Theme(Base):
    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("consultation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))


class AuditEntry(Base):
    """Who changed what in the triage of a comment, before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict] = mapped_column(default=dict)
    after: Mapped[dict] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def _search_default(context) -> str:
    params = context.get_current_parameters()
    return search_document(params.get("heading"), params.get("author"), params.get("text_plain"))


@event.listens_for(Session, "before_flush")
def _refresh_search_text(session, _flush_context, _instances) -> None:
    """Keep ``Comment.search_text`` in step with the text, heading and author."""
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Comment):
            wanted = search_document(obj.heading, obj.author, obj.text_plain)
            if obj.search_text != wanted:
                obj.search_text = wanted


# The data-version listeners (bumped by every flush that changes what a queue shows) are
# installed with the models, so every writer has them: web, worker, CLI, tests.
from services.feedback import versions as _versions  # noqa: E402,F401
