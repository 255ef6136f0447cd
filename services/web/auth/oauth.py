"""Sign-in with a wiki account through MediaWiki's OAuth 2 (Extension:OAuth), with Authlib.

A confidential client with PKCE (S256). The wiki's endpoints are
``rest.php/oauth2/authorize``, ``/access_token`` and ``/resource/profile``; the profile's
``sub`` is the stable key of the account. The access token is used once, to read the
profile, and then dropped: it is stored nowhere, least of all in the cookie.

Signing in necessarily waits for the wiki inside the callback request; it is the one
place the web app talks to a wiki directly, and it is bounded by ``TIMEOUT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

TIMEOUT = 10


class OAuthError(RuntimeError):
    """The wiki refused or failed the sign-in; the message says which step."""


@dataclass(frozen=True)
class OAuthSettings:
    client_id: str
    client_secret: str
    # The wiki's server and script path, e.g. https://meta.wikimedia.org/w
    wiki_url: str

    @property
    def authorize_url(self) -> str:
        return f"{self.wiki_url.rstrip('/')}/rest.php/oauth2/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.wiki_url.rstrip('/')}/rest.php/oauth2/access_token"

    @property
    def profile_url(self) -> str:
        return f"{self.wiki_url.rstrip('/')}/rest.php/oauth2/resource/profile"


def settings_from(app_config: dict[str, Any]) -> OAuthSettings | None:
    """OAuth settings from the Flask config (``OAUTH_*``) or Convene's configuration; None if unset."""
    convene = app_config.get("CONVENE")
    client_id = app_config.get("OAUTH_CLIENT_ID") or getattr(convene, "oauth_client_id", "")
    secret = app_config.get("OAUTH_CLIENT_SECRET") or getattr(convene, "oauth_client_secret", "")
    wiki_url = (
        app_config.get("OAUTH_WIKI_URL")
        or getattr(convene, "oauth_wiki_url", "")
        or getattr(convene, "wiki_base_url", "")
    )
    if not (client_id and secret and wiki_url):
        return None
    return OAuthSettings(client_id=client_id, client_secret=secret, wiki_url=wiki_url)


def _client(settings: OAuthSettings, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        settings.client_id,
        settings.client_secret,
        token_endpoint_auth_method="client_secret_post",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )


def begin(settings: OAuthSettings, redirect_uri: str) -> tuple[str, str, str]:
    """Where to send the browser: (authorize URL, state, PKCE code verifier)."""
    verifier = generate_token(64)
    with _client(settings, redirect_uri) as client:
        url, state = client.create_authorization_url(
            settings.authorize_url, state=generate_token(32), code_verifier=verifier
        )
    return url, state, verifier


def finish(settings: OAuthSettings, redirect_uri: str, code: str, verifier: str) -> dict[str, Any]:
    """Exchange the code for a token, read the profile with it, and return the profile."""
    with _client(settings, redirect_uri) as client:
        try:
            client.fetch_token(
                settings.token_url, code=code, code_verifier=verifier, timeout=TIMEOUT
            )
        except Exception as exc:  # network errors and OAuth errors alike end the sign-in
            raise OAuthError(f"the wiki refused the authorization code: {exc}") from exc
        try:
            response = client.get(settings.profile_url, timeout=TIMEOUT)
            response.raise_for_status()
            profile = response.json()
        except Exception as exc:
            raise OAuthError(f"the wiki did not return a profile: {exc}") from exc
        finally:
            client.token = None
    if (
        not isinstance(profile, dict)
        or not str(profile.get("sub", "")).strip()
        or not str(profile.get("username", "")).strip()
    ):
        raise OAuthError("the wiki's profile has no 'sub' or 'username'")
    if profile.get("blocked"):
        raise OAuthError(f"the wiki account {profile['username']!r} is blocked")
    return profile
