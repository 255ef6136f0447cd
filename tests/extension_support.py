"""What the tests of the wiki extension share: its settings, the service it calls, API calls
made as a wiki user, and documents published for it to show.

The wiki's settings name the service's address and secret, and a wiki is started once per
settings; so the address and secret are fixed for the test process (``SERVICE_PORT``,
``SHARED_SECRET``) and every test module serves its own app on that port (``WidgetService``).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from deploy.local.processes import free_port
from deploy.local.wiki import REPO_ROOT, LocalWiki
from services.documents.models import UnitKind

EXTENSION_DIR = REPO_ROOT / "wiki_extension" / "Convene"
SERVICE_PORT = free_port()
SERVICE_URL = f"http://127.0.0.1:{SERVICE_PORT}"
SHARED_SECRET = secrets.token_hex(32)
# Short, so the test of a slow service does not wait long.
TIMEOUT_SECONDS = 3
API_AS = Path(__file__).with_name("extension_api_as.py")


def extension_settings(
    service_url: str = SERVICE_URL, secret: str = SHARED_SECRET, timeout: int = TIMEOUT_SECONDS
) -> str:
    """PHP for LocalSettings: load the extension from the repository, pointed at the service."""
    return (
        f"wfLoadExtension( 'Convene', {json.dumps(str(EXTENSION_DIR / 'extension.json'))} );\n"
        f"$wgConveneServiceUrl = {json.dumps(service_url)};\n"
        f"$wgConveneSharedSecret = {json.dumps(secret)};\n"
        f"$wgConveneTimeout = {timeout};\n"
    )


class WidgetService:
    """A WSGI server on a fixed loopback port whose app a test can swap, stop and restart."""

    def __init__(self, port: int = SERVICE_PORT):
        self.port = port
        self.app = None
        self._server = None
        self._thread = None

    def _dispatch(self, environ, start_response):
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [b'{"error": {"code": "no_app", "message": "no app under test"}}']
        return self.app(environ, start_response)

    def start(self) -> WidgetService:
        if self._server is None:
            self._server = make_server("127.0.0.1", self.port, self._dispatch, threaded=True)
            self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._server.server_close()
            self._server = self._thread = None


@pytest.fixture(scope="module")
def service():
    """The module's WidgetService, serving whatever app a test gives it (``served_app``)."""
    server = WidgetService().start()
    yield server
    server.stop()


@contextlib.contextmanager
def served_app(service: WidgetService, config):
    """The service's app on ``config``, served by ``service`` while the block runs."""
    from services.web import create_app

    app = create_app(config=config)
    service.app = app
    try:
        yield app
    finally:
        service.app = None
        app.extensions["convene.db"].dispose()


# A small English document: a heading, a paragraph and two list items.
ENGLISH_UNITS = [
    (UnitKind.HEADING, "Purpose"),
    (UnitKind.PARAGRAPH, "The working group supports leaders across the movement."),
    (UnitKind.LIST_ITEM, "Listen to communities."),
    (UnitKind.LIST_ITEM, "Share what you learn."),
]


def api_as(wiki: LocalWiki, user: str, calls: list[dict]) -> list[dict]:
    """Make API calls on ``wiki`` as ``user`` (in a child process: one pywikibot account per
    process); a call with ``"token": "csrf"`` gets the user's CSRF token. Returns each answer,
    or ``{"error": {"code", "info"}}``."""
    directory = wiki.write_pywikibot_dir(wiki.root / "pywikibot-users" / user, user)
    env = {**os.environ, "PYWIKIBOT_DIR": str(directory)}
    env.pop("PYWIKIBOT_NO_USER_CONFIG", None)
    result = subprocess.run(
        [sys.executable, str(API_AS)],
        env=env,
        input=json.dumps(calls),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"API calls as {user} failed: {result.stderr.strip()[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def publish_with_consultation(
    config,
    db,
    title: str,
    units,
    *,
    slug: str,
    language: str = "en",
    open_consultation: bool = True,
) -> dict:
    """Publish a document on ``title`` with bots.publish (and open a consultation on it)."""
    from bots.publish import publish_revision
    from bots.site import get_site
    from services.consultations import service
    from services.documents.models import Document, Revision
    from services.documents.store import create_revision
    from services.documents.units import UnitDraft

    with db.session() as s:
        document = Document(
            slug=slug,
            title=f"Document {slug}",
            wiki_title=title,
            language=language,
            attribution="Test fixture, CC BY-SA 4.0",
        )
        s.add(document)
        revision = create_revision(
            s,
            document,
            [
                UnitDraft(
                    kind,
                    text,
                    level=2 if kind.value == "heading" else (1 if kind.value == "list_item" else 0),
                )
                for kind, text in units
            ],
            label="First draft",
            summary="The first draft.",
            author="Test",
        )
        revision_id = revision.id
    result = publish_revision(config, db, revision_id, site=get_site(config, login=True))
    assert result.pages, "nothing was published"
    consultation_id = None
    if open_consultation:
        with db.session() as s:
            consultation = service.open_consultation(
                s,
                slug,
                opens_at=datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=1),
            )
            consultation_id = consultation.id
    with db.session() as s:
        keys = [u.key for u in s.get(Revision, revision_id).units]
    return {
        "revision_id": revision_id,
        "consultation": consultation_id,
        "keys": keys,
        "title": title,
        "slug": slug,
    }
