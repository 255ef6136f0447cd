"""Accounts, passwords, API tokens and grants: plain functions on a session, no Flask.

Passwords are hashed with werkzeug's scrypt; API tokens are random (256 bits) and only
their SHA-256 is stored, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from services.documents.models import utcnow
from services.web.auth.access import Access, access_of_rows, with_roles
from services.web.auth.models import AccountKind, ApiToken, ConsultationGrant, Role, User

TOKEN_PREFIX = "cvn_"
MIN_PASSWORD_LENGTH = 10
DEMO_TRIAGER = "DemoTriager"
# Characters MediaWiki refuses in titles, hence in user names (and in markup-like names).
_FORBIDDEN_IN_NAMES = set("#<>[]|{}")
# Spend as long on an unknown name as on a wrong password, so timing does not tell them apart.
_DUMMY_HASH = generate_password_hash("not a password of anyone")


class UserError(ValueError):
    """An account operation that cannot be done, saying which account and why."""


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def clean_name(name: str) -> str:
    """The user name as stored: NFC, trimmed; refused if empty, too long or markup-like."""
    cleaned = unicodedata.normalize("NFC", name or "").strip()
    if not cleaned:
        raise UserError("user name is empty")
    if len(cleaned) > 255:
        raise UserError(f"user name is longer than 255 characters: {cleaned[:40]!r}...")
    bad = sorted(
        {
            ch
            for ch in cleaned
            if ch in _FORBIDDEN_IN_NAMES or unicodedata.category(ch).startswith("C")
        }
    )
    if bad:
        raise UserError(f"user name {cleaned!r} contains forbidden characters {bad!r}")
    return cleaned


def get_user(session: Session, name: str) -> User | None:
    return session.scalar(
        select(User).where(User.name == unicodedata.normalize("NFC", name).strip())
    )


def require_user(session: Session, name: str) -> User:
    user = get_user(session, name)
    if user is None:
        raise UserError(f"no user named {name!r}")
    return user


def create_user(
    session: Session,
    name: str,
    role: Role,
    *,
    password: str | None = None,
    kind: AccountKind = AccountKind.LOCAL,
    consultations: list[int] | None = None,
) -> User:
    """A new account; with ``consultations`` it sees only those, with ``role`` on each."""
    name = clean_name(name)
    if get_user(session, name) is not None:
        raise UserError(f"a user named {name!r} already exists")
    user = User(name=name, role=role, kind=kind, all_consultations=not consultations)
    if password is not None:
        if kind is not AccountKind.LOCAL:
            raise UserError(f"user {name!r} signs in through the wiki and has no password here")
        set_password(user, password)
    session.add(user)
    session.flush()
    for consultation_id in consultations or ():
        grant(session, user, consultation_id, role)
    return user


def set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"password for {user.name!r} is shorter than {MIN_PASSWORD_LENGTH} characters"
        )
    user.password_hash = generate_password_hash(password)


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The local user with this name and password, or None (unknown, wrong, disabled)."""
    user = get_user(session, name) if name else None
    if user is None or user.kind is not AccountKind.LOCAL or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or user.disabled:
        return None
    user.last_sign_in_at = utcnow()
    return user


def grant(session: Session, user: User, consultation_id: int, role: Role) -> ConsultationGrant:
    """Give ``user`` ``role`` on one consultation (replacing an earlier grant there)."""
    existing = session.scalar(
        select(ConsultationGrant).where(
            ConsultationGrant.user_id == user.id,
            ConsultationGrant.consultation_id == consultation_id,
        )
    )
    if existing is None:
        existing = ConsultationGrant(user_id=user.id, consultation_id=consultation_id, role=role)
        session.add(existing)
    existing.role = role
    session.flush()
    return existing


def issue_token(session: Session, user: User, label: str = "") -> tuple[ApiToken, str]:
    """A new API token for ``user``; the raw token is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, token_hash=hash_secret(raw), prefix=raw[:10], label=label[:100]
    )
    session.add(token)
    session.flush()
    return token, raw


def revoke_token(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise UserError(f"no API token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


# last_used_at is for people auditing tokens; a minute's precision spares a write per request.
_LAST_USED_PRECISION = timedelta(minutes=1)


_USER = User.__table__.c
_TOKEN = ApiToken.__table__.c
# What a request needs of its user, read by token (here) or session (``sessions``): plain
# columns in one statement built once, since every API call makes this read.
PRINCIPAL_COLUMNS = (_USER.id, _USER.name, _USER.role, _USER.all_consultations, _USER.disabled)
_BY_TOKEN = (
    select(*PRINCIPAL_COLUMNS, _TOKEN.id.label("token_id"), _TOKEN.revoked_at, _TOKEN.last_used_at)
    .join_from(ApiToken.__table__, User.__table__, _TOKEN.user_id == _USER.id)
    .where(_TOKEN.token_hash == bindparam("token_hash"))
)


_ACCESS_BY_TOKEN = with_roles(_BY_TOKEN)


def token_user(session: Session | Connection, raw: str):
    """The active user a raw API token belongs to (a row with the user's id, name, role,
    all_consultations and disabled), or None if unknown, revoked or disabled."""
    found = token_access(session, raw)
    return found[0] if found else None


def token_access(session: Session | Connection, raw: str) -> tuple[Any, Access] | None:
    """The active user a raw API token belongs to (as ``token_user``) and their access, in
    one read; None if the token is unknown or revoked or the user disabled."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    rows = session.execute(_ACCESS_BY_TOKEN, {"token_hash": hash_secret(raw)}).all()
    if not rows or rows[0].revoked_at is not None or rows[0].disabled:
        return None
    row, now = rows[0], utcnow()
    if row.last_used_at is None or now - row.last_used_at > _LAST_USED_PRECISION:
        session.execute(
            update(ApiToken.__table__).where(_TOKEN.id == row.token_id).values(last_used_at=now)
        )
    return row, access_of_rows(rows)


def bind_wiki_user(session: Session, sub: str, username: str) -> User | None:
    """The account a wiki profile signs in to, found by its stable ``sub``.

    An admin prepares the account by name (``convene user add NAME --wiki``); the first
    sign-in binds it to the profile's ``sub``; later sign-ins follow the ``sub`` even if
    the wiki account was renamed. Wiki users nobody added get no account.
    """
    user = session.scalar(
        select(User).where(User.kind == AccountKind.MEDIAWIKI, User.external_id == sub)
    )
    if user is None:
        candidate = get_user(session, username)
        if (
            candidate is None
            or candidate.kind is not AccountKind.MEDIAWIKI
            or candidate.external_id
        ):
            return None
        user = candidate
        user.external_id = sub
    if user.disabled:
        return None
    if user.name != username and get_user(session, username) is None:
        try:  # the wiki account was renamed; follow it if the new name is usable here
            user.name = clean_name(username)
        except UserError:
            pass
    user.last_sign_in_at = utcnow()
    return user


def ensure_demo_triager(session: Session) -> tuple[str, str]:
    """The demo's triager account (created if missing) with a fresh password: (name, password)."""
    password = secrets.token_urlsafe(12)
    user = get_user(session, DEMO_TRIAGER)
    if user is None:
        user = create_user(session, DEMO_TRIAGER, Role.TRIAGER)
    user.role, user.all_consultations, user.disabled = Role.TRIAGER, True, False
    set_password(user, password)
    return user.name, password
