"""Sign-in and sign-out pages, the wiki's OAuth 2 round trip, and the app-wide security hooks.

Registering this blueprint also installs, once per app: CSRF protection on every form
and state-changing call (Flask-WTF), loading the user of each request, and the security
headers of each response.
"""

from __future__ import annotations

import hmac

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect

from services.web import get_db
from services.web.auth import oauth
from services.web.auth.csrftoken import csrf_token
from services.web.auth.guard import current_access, load_user, safe_next
from services.web.auth.sessions import (
    end_session,
    remember_oauth_state,
    start_session,
    take_oauth_state,
)
from services.web.auth.users import authenticate, bind_wiki_user
from services.web.jsonerror import json_error

bp = Blueprint("auth", __name__, url_prefix="/auth")
csrf = CSRFProtect()

# No inline script or style anywhere, so the policy can forbid both: injected markup that
# slipped past the sanitizer still could not run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


@bp.record_once
def _install(state) -> None:
    app = state.app
    # The token lives as long as the server-side session; an hour-long page is not an error.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    # Templates get the token signed once per session token (Flask-WTF offers its own both
    # as a global and from a context processor; this later processor's value is the one used).
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
    app.before_request(load_user)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_error)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "private, no-store")
        response.vary.add("Cookie")
    return response


def _csrf_error(error: CSRFError):
    message = f"CSRF check failed: {error.description}"
    if request.path.startswith("/api/"):
        return json_error(400, "csrf_failed", message)
    return render_template("error.html", status=400, error_message=message), 400


def _sign_in(user) -> None:
    """Start a fresh session (a new id, so a planted cookie is useless) for ``user``."""
    with get_db().session() as s:
        sid = start_session(s, user)
    session.clear()
    session["sid"] = sid


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    next_url = safe_next(request.values.get("next"), url_for("dashboard.home"))
    wiki_available = oauth.settings_from(current_app.config) is not None
    if request.method == "GET":
        if current_access().signed_in:
            return redirect(next_url)
        return render_template("signin.html", next_url=next_url, wiki_available=wiki_available)
    name = request.form.get("name", "")[:300]
    password = request.form.get("password", "")[:1000]
    with get_db().session() as s:
        user = authenticate(s, name, password)
    if user is None:
        return render_template(
            "signin.html", next_url=next_url, wiki_available=wiki_available, name=name, failed=True
        ), 401
    _sign_in(user)
    return redirect(next_url)


@bp.post("/signout")
def signout():
    with get_db().session() as s:
        end_session(s, session.get("sid"))
    session.clear()
    return redirect(url_for("auth.signin"))


def _redirect_uri() -> str:
    return url_for("auth.oauth_callback", _external=True)


@bp.get("/wiki")
def oauth_start():
    settings = oauth.settings_from(current_app.config)
    if settings is None:
        abort(404, "signing in with a wiki account is not configured on this server")
    url, state, verifier = oauth.begin(settings, _redirect_uri())
    next_url = safe_next(request.args.get("next"), url_for("dashboard.home"))
    with get_db().session() as s:
        remember_oauth_state(s, state, verifier, next_url)
    # Only the state goes into the (signed) cookie: it binds the round trip to this browser.
    session["oauth_state"] = state
    return redirect(url)


@bp.get("/wiki/callback")
def oauth_callback():
    settings = oauth.settings_from(current_app.config)
    if settings is None:
        abort(404, "signing in with a wiki account is not configured on this server")
    expected = session.pop("oauth_state", None)
    state = request.args.get("state", "")
    if not expected or not state or not hmac.compare_digest(str(expected), state):
        return _oauth_failed("the sign-in did not start in this browser (state mismatch)")
    with get_db().session() as s:
        pending = take_oauth_state(s, state)
        if pending is None:
            return _oauth_failed("the sign-in took too long or was already used")
        verifier, next_url = pending.code_verifier, pending.next_url
    if request.args.get("error"):
        return _oauth_failed(f"the wiki said: {request.args.get('error')[:200]}")
    code = request.args.get("code", "")
    if not code:
        return _oauth_failed("the wiki sent no authorization code")
    try:
        profile = oauth.finish(settings, _redirect_uri(), code, verifier)
    except oauth.OAuthError as exc:
        return _oauth_failed(str(exc))
    with get_db().session() as s:
        user = bind_wiki_user(s, str(profile["sub"]), str(profile["username"]))
    if user is None:
        return _oauth_failed(
            f"the wiki account {profile['username']!r} has no access to this "
            "dashboard; ask an admin to add it"
        )
    _sign_in(user)
    return redirect(safe_next(next_url, url_for("dashboard.home")))


def _oauth_failed(reason: str):
    g.signin_error = reason
    return render_template(
        "signin.html", next_url=url_for("dashboard.home"), wiki_available=True, oauth_error=reason
    ), 403
