"""The app on the test database, a client, and a helper that signs in like a browser."""

from __future__ import annotations

import re

import dashboard_factory as factory
import pytest
from web_app_support import app, scene  # noqa: F401  (fixtures)


@pytest.fixture
def client(app):
    return app.test_client()


_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Browser:
    """Signs in through the form, as a person would, and knows the page's CSRF token."""

    def __init__(self, client):
        self.client = client

    def csrf(self, path: str = "/auth/signin") -> str:
        page = self.client.get(path)
        return _META.search(page.get_data(as_text=True)).group(1)

    def signin(self, name: str, password: str = factory.PASSWORD):
        token = self.csrf()
        response = self.client.post(
            "/auth/signin", data={"name": name, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def post(self, path: str, data: dict, token: str | None = None):
        data = dict(data)
        data.setdefault("csrf_token", token or self.csrf("/dashboard/"))
        return self.client.post(path, data=data)


@pytest.fixture
def browser(client):
    return Browser(client)
