"""Who is asking: the request's user and access, and decorators that require them."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for

from services.web import get_db
from services.web.auth.access import Access
from services.web.auth.sessions import session_access
from services.web.auth.users import token_access
from services.web.jsonerror import json_error


def load_user() -> None:
    """Before each request: who is signed in (cookie) or which token is used (API only)."""
    g.user_name, g.access, g.via_token, g.token_error = "", Access.anonymous(), False, ""
    if request.endpoint in (None, "static"):
        return
    header = request.headers.get("Authorization")
    if request.blueprint == "api" and header is not None:
        g.via_token = True
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            g.token_error = "the Authorization header must be 'Bearer <token>'"
            return
        # A plain connection, not an ORM session: this runs on every request, and reads.
        with get_db().engine.begin() as conn:
            found = token_access(conn, raw.strip())
        if found is None:
            g.token_error = "the API token is unknown or revoked"
            return
        user, g.access = found
        g.user_name = user.name
        return
    sid = session.get("sid")
    if not sid:
        return
    with get_db().engine.begin() as conn:
        found = session_access(conn, sid)
    if found is None:
        session.clear()  # ended, expired or disabled: the cookie is worthless now
        return
    user, g.access = found
    g.user_name = user.name


def current_access() -> Access:
    return g.get("access") or Access.anonymous()


def safe_next(target: str | None, default: str) -> str:
    """A redirect target only if it stays on this site (a path, not //host or a scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def page_login_required(view):
    """Dashboard pages: anonymous visitors go to the sign-in page."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not current_access().signed_in:
            return redirect(url_for("auth.signin", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def api_login_required(view):
    """API calls: 401 with a JSON error for anonymous callers and bad tokens."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("token_error") or not current_access().signed_in:
            message = g.get("token_error") or "sign in or send an API token"
            return json_error(
                401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="convene"'}
            )
        return view(*args, **kwargs)

    return wrapped
