"""Who may sign in to the dashboard and API, with which role, on which consultations."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from services.db import Base
from services.documents.models import _enum, utcnow
from services.feedback.versions import bump


class Role(enum.Enum):
    """What a user may do; each role includes the ones before it."""

    VIEWER = "viewer"
    TRIAGER = "triager"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


class AccountKind(enum.Enum):
    LOCAL = "local"  # password kept here (hashed)
    MEDIAWIKI = "mediawiki"  # signs in through the wiki's OAuth 2


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("kind", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[AccountKind] = mapped_column(
        _enum(AccountKind, "account_kind"), default=AccountKind.LOCAL
    )
    # The wiki profile's ``sub``: stable when the wiki account is renamed.
    external_id: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"), default=Role.VIEWER)
    # False: the user sees only the consultations named in their grants.
    all_consultations: Mapped[bool] = mapped_column(default=True)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]

    grants: Mapped[list[ConsultationGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class ConsultationGrant(Base):
    """A user's role on one consultation, overriding their default role there."""

    __tablename__ = "consultation_grants"
    __table_args__ = (UniqueConstraint("user_id", "consultation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role, "grant_role"))

    user: Mapped[User] = relationship(back_populates="grants")


class ApiToken(Base):
    """A token a script sends as ``Authorization: Bearer``; only its hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so a person can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class WebSession(Base):
    """A signed-in browser; the cookie holds only its random id, so sign-out ends it here."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship()


class OAuthState(Base):
    """A sign-in through the wiki in flight: the PKCE verifier stays here, not in the cookie."""

    __tablename__ = "oauth_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_verifier: Mapped[str] = mapped_column(String(128))
    next_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


@event.listens_for(Session, "after_flush")
def _bump_for_user_changes(session: Session, _flush_context) -> None:
    """Every triage queue offers the active users as assignees: adding, renaming, disabling
    or removing one moves every consultation's data version, so no cached queue lists an
    outdated set of users."""
    # session.new, .dirty and .deleted build a fresh set on every access: read each once.
    if any(isinstance(obj, User) for obj in (*session.new, *session.deleted)) or any(
        isinstance(obj, User) and _listed_differently(obj) for obj in session.dirty
    ):
        bump(session, everything=True)


def _listed_differently(user: User) -> bool:
    attrs = inspect(user).attrs
    return attrs.name.history.has_changes() or attrs.disabled.history.has_changes()
