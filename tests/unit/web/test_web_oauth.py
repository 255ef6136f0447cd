"""Sign-in through the wiki's OAuth 2, against a small fake MediaWiki OAuth provider.

The local test wiki has no OAuth extension, so the provider here plays its part: the
``rest.php/oauth2/authorize``, ``/access_token`` and ``/resource/profile`` endpoints, a
confidential client, PKCE S256. It runs as a real HTTP server on loopback, so Authlib
makes real requests to it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, abort, jsonify, redirect, request
from werkzeug.serving import make_server

from services.web import create_app
from services.web.auth.models import AccountKind, Role
from services.web.auth.users import create_user

CLIENT_ID, CLIENT_SECRET = "convene-client", "s3cret-of-the-client"
PROFILES = {
    "alice": {
        "sub": "12345",
        "username": "Alice",
        "editcount": 10,
        "blocked": False,
        "groups": ["user"],
        "rights": ["read"],
    },
    "mallory": {"sub": "666", "username": "Mallory", "blocked": False},
    "blocked": {"sub": "777", "username": "Blocky", "blocked": True},
}


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


class FakeWiki:
    """MediaWiki's OAuth 2 endpoints, strict about the parts Convene must get right."""

    def __init__(self):
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        app = Flask("fake-wiki")

        @app.get("/w/rest.php/oauth2/authorize")
        def authorize():
            args = request.args
            if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
                abort(400)
            if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
                abort(400, "PKCE S256 required")
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "challenge": args["code_challenge"],
                "redirect_uri": args["redirect_uri"],
                "profile": PROFILES[args.get("as_user", "alice")],
            }
            return redirect(f"{args['redirect_uri']}?code={code}&state={args['state']}")

        @app.post("/w/rest.php/oauth2/access_token")
        def access_token():
            form = request.form.to_dict()
            self.token_requests.append(form)
            grant = self.codes.pop(form.get("code", ""), None)
            if (
                form.get("client_id") != CLIENT_ID
                or form.get("client_secret") != CLIENT_SECRET
                or grant is None
                or form.get("grant_type") != "authorization_code"
                or form.get("redirect_uri") != grant["redirect_uri"]
                or _challenge(form.get("code_verifier", "")) != grant["challenge"]
            ):
                return jsonify({"error": "invalid_grant"}), 400
            token = secrets.token_urlsafe(24)
            self.tokens[token] = grant["profile"]
            return jsonify(
                {
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "refresh_token": secrets.token_urlsafe(24),
                }
            )

        @app.get("/w/rest.php/oauth2/resource/profile")
        def profile():
            auth = request.headers.get("Authorization", "")
            profile = self.tokens.get(auth.removeprefix("Bearer "))
            if profile is None:
                return jsonify({"error": "invalid_token"}), 401
            return jsonify(profile)

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/w"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


@pytest.fixture
def wiki():
    with FakeWiki() as fake:
        yield fake


@pytest.fixture
def oauth_app(config, db, wiki):
    with db.session() as s:
        create_user(s, "Alice", Role.TRIAGER, kind=AccountKind.MEDIAWIKI)
        create_user(s, "Blocky", Role.TRIAGER, kind=AccountKind.MEDIAWIKI)
    app = create_app(
        {
            "OAUTH_CLIENT_ID": CLIENT_ID,
            "OAUTH_CLIENT_SECRET": CLIENT_SECRET,
            "OAUTH_WIKI_URL": wiki.url,
        },
        config=config,
    )
    yield app
    app.extensions["convene.db"].dispose()


def _round_trip(client, wiki, as_user="alice", tamper=None):
    """Start at /auth/wiki, let the fake wiki authorize, come back to the callback."""
    start = client.get("/auth/wiki?next=/dashboard/queue")
    assert start.status_code == 302
    target = urlsplit(start.headers["Location"])
    params = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert (
        f"{target.scheme}://{target.netloc}{target.path}" == f"{wiki.url}/rest.php/oauth2/authorize"
    )
    assert params["code_challenge_method"] == "S256" and params["client_id"] == CLIENT_ID
    params["as_user"] = as_user
    import requests

    back = requests.get(
        f"{wiki.url}/rest.php/oauth2/authorize", params=params, allow_redirects=False, timeout=10
    )
    callback = urlsplit(back.headers["Location"])
    query = callback.query if tamper is None else tamper(callback.query)
    url = f"{callback.path}?{query}"
    return params, client.get(url), url


def _cookie_payload(app, client) -> dict:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return dict(app.session_interface.get_signing_serializer(app).loads(cookie.value))


def test_sign_in_with_the_wiki(oauth_app, wiki):
    client = oauth_app.test_client()
    params, response, _ = _round_trip(client, wiki)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/queue"
    # The confidential client sent its secret and the PKCE verifier that matches the challenge.
    sent = wiki.token_requests[-1]
    assert sent["client_secret"] == CLIENT_SECRET
    assert _challenge(sent["code_verifier"]) == params["code_challenge"]
    # Signed in as the account bound to the profile's sub.
    me = client.get("/api/v1/me").get_json()
    assert me["name"] == "Alice" and me["role"] == "triager"
    # Nothing of OAuth is in the cookie: not the token, not the verifier, not the state.
    payload = _cookie_payload(oauth_app, client)
    assert set(payload) <= {"sid", "csrf_token", "_flashes"}
    raw_cookie = client.get_cookie(oauth_app.config["SESSION_COOKIE_NAME"]).value
    for secret_value in [*wiki.tokens, sent["code_verifier"], params["state"]]:
        assert secret_value not in raw_cookie and secret_value not in str(payload)


def test_a_wiki_user_nobody_added_gets_nothing(oauth_app, wiki):
    client = oauth_app.test_client()
    _, response, _ = _round_trip(client, wiki, as_user="mallory")
    assert response.status_code == 403
    assert "Mallory" in response.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401


def test_a_blocked_wiki_account_is_refused(oauth_app, wiki):
    client = oauth_app.test_client()
    _, response, _ = _round_trip(client, wiki, as_user="blocked")
    assert response.status_code == 403 and "blocked" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda q: q.replace("state=", "state=x"),  # a state this browser never started
        lambda q: q.split("&state=")[0],  # no state at all
        lambda q: q.replace("code=", "code=forged"),  # a code the wiki never issued
    ],
)
def test_tampered_callbacks_are_refused(oauth_app, wiki, tamper):
    client = oauth_app.test_client()
    _, response, _ = _round_trip(client, wiki, tamper=tamper)
    assert response.status_code == 403
    assert client.get("/api/v1/me").status_code == 401


def test_a_callback_cannot_be_replayed(oauth_app, wiki):
    client = oauth_app.test_client()
    _, first, url = _round_trip(client, wiki)
    assert first.status_code == 302
    assert client.get(url).status_code == 403  # same browser, state used
    assert oauth_app.test_client().get(url).status_code == 403  # another browser


def test_without_settings_wiki_sign_in_is_absent(app, client):
    assert client.get("/auth/wiki").status_code == 404
    assert "/auth/wiki" not in client.get("/auth/signin").get_data(as_text=True)
