"""Fixtures for the API tests: the app on the real test database (SQLite, or PostgreSQL in
``make test-postgres``), the small scene of dashboard_factory, and callers by token."""

from __future__ import annotations

import re

import dashboard_factory as factory
import pytest
from web_app_support import app, scene  # noqa: F401  (fixtures)

from services.web.auth import users


class Api:
    """Calls the API as one user, with a Bearer token (scripts) or a session (browsers)."""

    def __init__(self, app, db, name: str | None, *, via: str = "token"):
        self.client = app.test_client()
        self.headers: dict[str, str] = {}
        self.csrf = ""
        if name and via == "token":
            with db.session() as s:
                self.token_row, raw = users.issue_token(s, users.get_user(s, name), "tests")
            self.headers["Authorization"] = f"Bearer {raw}"
        elif name:
            page = self.client.get("/auth/signin").get_data(as_text=True)
            token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
            self.client.post(
                "/auth/signin",
                data={"name": name, "password": factory.PASSWORD, "csrf_token": token},
            )
            page = self.client.get("/dashboard/").get_data(as_text=True)
            self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def get(self, path, **kw):
        return self.client.get(path, headers=self.headers, **kw)

    def patch(self, path, json, headers=None):
        return self.client.patch(path, json=json, headers={**self.headers, **(headers or {})})

    def post(self, path, json, headers=None):
        return self.client.post(path, json=json, headers={**self.headers, **(headers or {})})


@pytest.fixture
def api(app, db, scene):
    """api("Tom") calls as Tom with a token; api("Tom", via="session") with a cookie."""
    return lambda name, via="token": Api(app, db, name, via=via)
