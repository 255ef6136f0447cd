"""Server-side sign-in sessions: the cookie carries a random id, the database says who it is.

Signing out deletes the row, so a copied cookie stops working at once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from services.documents.models import utcnow
from services.web.auth.access import Access, access_of_rows, with_roles
from services.web.auth.models import OAuthState, User, WebSession
from services.web.auth.users import PRINCIPAL_COLUMNS, hash_secret

SESSION_LIFETIME = timedelta(hours=12)
OAUTH_STATE_LIFETIME = timedelta(minutes=10)


def start_session(session: Session, user: User) -> str:
    """A new session for ``user``; returns the raw id to put in the (signed) cookie."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    session.add(
        WebSession(user_id=user.id, sid_hash=hash_secret(raw), expires_at=now + SESSION_LIFETIME)
    )
    session.flush()
    return raw


_SESSION = WebSession.__table__.c
_BY_SESSION = (
    select(*PRINCIPAL_COLUMNS, _SESSION.expires_at)
    .join_from(WebSession.__table__, User.__table__, _SESSION.user_id == User.__table__.c.id)
    .where(_SESSION.sid_hash == bindparam("sid_hash"))
)


_ACCESS_BY_SESSION = with_roles(_BY_SESSION)


def session_user(session: Session | Connection, raw: str | None):
    """The user of a live session id (a row with the user's id, name, role,
    all_consultations and disabled), or None if unknown, expired or the user is disabled."""
    found = session_access(session, raw)
    return found[0] if found else None


def session_access(session: Session | Connection, raw: str | None) -> tuple[Any, Access] | None:
    """The user of a live session id (as ``session_user``) and their access, in one read;
    None if the session is unknown or expired or the user disabled."""
    if not raw or not isinstance(raw, str) or len(raw) > 100:
        return None
    rows = session.execute(_ACCESS_BY_SESSION, {"sid_hash": hash_secret(raw)}).all()
    if not rows or rows[0].expires_at < utcnow() or rows[0].disabled:
        return None
    return rows[0], access_of_rows(rows)


def end_session(session: Session, raw: str | None) -> None:
    if raw and isinstance(raw, str):
        session.execute(delete(WebSession).where(WebSession.sid_hash == hash_secret(raw)))


def end_all_sessions(session: Session, user: User) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))


def remember_oauth_state(session: Session, state: str, code_verifier: str, next_url: str) -> None:
    now = utcnow()
    session.execute(delete(OAuthState).where(OAuthState.created_at < now - OAUTH_STATE_LIFETIME))
    session.add(
        OAuthState(
            state_hash=hash_secret(state), code_verifier=code_verifier, next_url=next_url[:500]
        )
    )


def take_oauth_state(session: Session, state: str) -> OAuthState | None:
    """The pending sign-in for ``state``, removed so it can be used once only."""
    row = session.scalar(select(OAuthState).where(OAuthState.state_hash == hash_secret(state)))
    if row is None:
        return None
    session.delete(row)
    if row.created_at < utcnow() - OAUTH_STATE_LIFETIME:
        return None
    return row
