"""The web app: Flask factory; blueprints for the health check, the JSON API and the dashboard."""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask

from services.config import Config, load_config
from services.db import Database
from services.web.auth.cookiesession import RememberingSessionInterface

# Each module defines ``bp``, a Blueprint; the factory registers them in this order.
BLUEPRINT_MODULES = [
    "services.web.health",
    "services.web.auth.views",
    "services.web.api.views",
    "services.web.dashboard.views",
    "services.web.widget",
]


def create_app(test_config: dict[str, Any] | None = None, config: Config | None = None) -> Flask:
    """Build the app from Convene's configuration (or the given one) plus Flask overrides."""
    config = config or load_config()
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=config.secret_key,
        CONVENE=config,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.is_production,
        # The __Host- prefix pins the cookie to this host and path, over HTTPS only.
        SESSION_COOKIE_NAME="__Host-convene" if config.is_production else "convene",
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    if test_config:
        app.config.from_mapping(test_config)
    app.session_interface = RememberingSessionInterface()

    database = Database(config)
    app.extensions["convene.db"] = database
    # Celery bound to this app (tasks run in its context; sends go to config.redis_url).
    from services.worker.app import init_celery

    init_celery(app)

    for name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(name).bp)
    return app


def get_db(app: Flask | None = None) -> Database:
    """The app's Database (``with get_db().session() as s: ...``)."""
    from flask import current_app

    return (app or current_app).extensions["convene.db"]
