"""Fixtures the web app's unit and integration tests share: the app on the test database
(SQLite, or PostgreSQL in ``make test-postgres``) and the small scene of dashboard_factory.
Import them where they are used (``from web_app_support import app, scene``)."""

from __future__ import annotations

import dashboard_factory as factory
import pytest

from services.web import create_app


@pytest.fixture
def app(config, db):
    # Queue indexes made when first asked for, so a test knows they answer what they can.
    app = create_app({"QUEUE_INDEX": "inline"}, config=config)
    yield app
    app.extensions["convene.db"].dispose()


@pytest.fixture
def scene(db):
    return factory.scene(db)
