"""The extension on a real wiki talking to the real service (Flask app on a loopback port, real
database, real Redis): comments in, counts out, signatures checked, outages reported."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time

import pytest
import pywikibot
import redis
import requests
from extension_support import (
    ENGLISH_UNITS,
    SERVICE_URL,
    SHARED_SECRET,
    TIMEOUT_SECONDS,
    api_as,
    extension_settings,
    publish_with_consultation,
    served_app,
    service,  # noqa: F401  (fixture)
)
from sqlalchemy import select

from deploy.local.wiki import MW_DIR
from services.feedback.models import AnchorMethod, Comment, CommentSource, TriageStatus
from services.web import create_app
from services.web.widget_signature import signed_headers

HARVEST_TASK = "convene.harvest.harvest_consultation"


@pytest.fixture
def wiki(wiki_factory):
    """The English test wiki with the extension, pointed at SERVICE_URL."""
    return wiki_factory(extra_settings=extension_settings())


@pytest.fixture
def broker(redis_server):
    """A Redis database of this test's own for the Celery messages the service sends."""
    url = redis_server.url.rsplit("/", 1)[0] + "/7"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url, client
    client.flushdb()
    client.close()


@pytest.fixture
def app(service, wiki_config, db, broker):
    """The service's app on the test database, with the wiki's secret, served by ``service``."""
    with served_app(
        service, wiki_config.replace(widget_shared_secret=SHARED_SECRET, redis_url=broker[0])
    ) as app:
        yield app


@pytest.fixture
def published(app, wiki_config, db, unique_title):
    """A published document with an open consultation; its title as the wiki writes it."""
    slug = "widget-" + unique_title.rsplit("/", 2)[-2][-40:].lower().replace("_", "-")
    return publish_with_consultation(
        wiki_config, db, unique_title.replace("_", " "), ENGLISH_UNITS, slug=slug
    )


def comment_call(published, unit: int = 1, text: str = "Which leaders, and who decides?"):
    return {
        "action": "convenecomment",
        "title": published["title"],
        "unit": published["keys"][unit],
        "text": text,
        "token": "csrf",
        "formatversion": 2,
    }


def status_call(published):
    return {"action": "convenestatus", "title": published["title"], "formatversion": 2}


def stored_comments(db) -> list[Comment]:
    with db.session() as s:
        rows = s.scalars(select(Comment).order_by(Comment.id)).all()
        for row in rows:
            row.anchors
        return rows


def test_a_comment_through_the_wiki_lands_in_the_store_anchored_to_its_unit(
    wiki, site, db, published
):
    page = next(iter(site.preloadpages([pywikibot.Page(site, published["title"])])))
    # Publishing marked the page: the extension knows its document from the page properties.
    assert page.properties().get("convene-document") == published["slug"]
    sent, status = api_as(wiki, "Alice", [comment_call(published), status_call(published)])
    assert sent["convenecomment"]["result"] == "success", sent
    assert sent["convenecomment"]["consultation"] == published["consultation"]

    [comment] = stored_comments(db)
    assert comment.source is CommentSource.WIDGET
    assert comment.author == "Alice"
    assert comment.item_id == sent["convenecomment"]["id"] and comment.item_id.startswith("w-")
    assert comment.text_plain == "Which leaders, and who decides?"
    assert comment.page_title == published["title"]
    assert comment.wiki_revid == page.latest_revision_id
    assert comment.consultation_id == published["consultation"]
    assert comment.language == "en"
    assert [(a.unit_key, a.method) for a in comment.anchors] == [
        (published["keys"][1], AnchorMethod.WIDGET)
    ]

    units = status["convenestatus"]["units"]
    assert status["convenestatus"]["total"] == 1 and status["convenestatus"]["open"] is True
    assert units == {published["keys"][1]: {"count": 1, "statuses": {"new": 1}}}


def test_status_follows_triage_and_names_nobody(wiki, db, published):
    api_as(
        wiki,
        "Alice",
        [
            comment_call(published, 2, "Listening first."),
            comment_call(published, 2, "And then acting."),
        ],
    )
    with db.session() as s:
        first = s.scalars(select(Comment).order_by(Comment.id)).first()
        first.status = TriageStatus.ACCEPTED
    response = requests.get(
        wiki.api_url, params={**status_call(published), "format": "json"}, timeout=10
    )
    data = response.json()["convenestatus"]
    assert data["units"] == {
        published["keys"][2]: {"count": 2, "statuses": {"accepted": 1, "new": 1}}
    }
    assert "Alice" not in response.text and "Listening" not in response.text


def test_an_anonymous_reader_cannot_comment(wiki, db, published):
    response = requests.post(
        wiki.api_url, data={**comment_call(published), "token": "+\\", "format": "json"}, timeout=10
    )
    assert response.json()["error"]["code"] == "notloggedin"
    assert stored_comments(db) == []


def test_hostile_and_oversized_comments_are_refused_with_a_reason(wiki, db, published):
    control, too_long, wrong_unit = api_as(
        wiki,
        "Alice",
        [
            comment_call(published, text="bell \x07 and escape \x1b[31m"),
            comment_call(published, text="x" * 5001),
            {**comment_call(published), "unit": "nosuchunit"},
        ],
    )
    assert control["error"]["code"] == "convene-control-characters"
    assert "U+0007" in control["error"]["info"]
    assert too_long["error"]["code"] == "maxchars"
    assert wrong_unit["error"]["code"] == "convene-unknown-unit"
    assert stored_comments(db) == []


def test_a_call_not_signed_with_the_shared_secret_is_refused(
    wiki, wiki_config, db, service, published
):
    body = json.dumps(
        {
            "document": published["slug"],
            "unit": published["keys"][1],
            "text": "Forged.",
            "user": "Mallory",
            "page": published["title"],
        }
    ).encode()
    path = "/api/v1/widget/comments"
    forged = requests.post(
        SERVICE_URL + path,
        data=body,
        timeout=10,
        headers={
            "Content-Type": "application/json",
            **signed_headers("not-the-secret", "POST", path, (), body),
        },
    )
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "bad_signature"

    # A service holding another secret refuses the wiki, and the reader is told to call an admin.
    other = create_app(config=wiki_config.replace(widget_shared_secret="another-secret"))
    service.app = other
    try:
        [answer] = api_as(wiki, "Alice", [comment_call(published)])
    finally:
        other.extensions["convene.db"].dispose()
    assert answer["error"]["code"] == "convene-bad-signature"
    assert "shared secrets of the wiki and the service differ" in answer["error"]["info"]
    assert stored_comments(db) == []


def test_the_service_down_or_slow_gives_a_clear_api_error(wiki, db, service, published):
    service.stop()
    try:
        down, status = api_as(wiki, "Alice", [comment_call(published), status_call(published)])
    finally:
        service.start()
    assert down["error"]["code"] == "convene-unavailable"
    assert "cannot be reached" in down["error"]["info"]
    assert "no connection could be made" in down["error"]["info"]
    assert status["error"]["code"] == "convene-unavailable"

    real = service.app

    def slow(environ, start_response):
        # Answers after the wiki gave up, and without the database: this request thread may
        # outlive the test.
        time.sleep(TIMEOUT_SECONDS + 1)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    service.app = slow
    try:
        started = time.monotonic()
        [answer] = api_as(wiki, "Alice", [comment_call(published)])
        waited = time.monotonic() - started
    finally:
        service.app = real
    assert answer["error"]["code"] == "convene-unavailable"
    assert f"no answer within {TIMEOUT_SECONDS}" in answer["error"]["info"]
    assert waited < TIMEOUT_SECONDS + 10


def _queued_harvests(client) -> list[list]:
    found = []
    for raw in client.lrange("celery", 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] == HARVEST_TASK:
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            found.append(args)
    return found


def run_jobs(wiki, job_type: str) -> str:
    """Run the wiki's queued jobs of one type, as a wiki's job runner does."""
    result = subprocess.run(
        ["php", str(MW_DIR / "maintenance" / "runJobs.php"), "--type", job_type, "--maxjobs", "20"],
        env={**os.environ, "MW_CONFIG_FILE": str(wiki.settings_file)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_saving_the_talk_page_queues_a_harvest_through_a_job(wiki, db, broker, published):
    _, client = broker
    assert _queued_harvests(client) == []
    wiki.edit_as(
        "Alice",
        [
            {
                "title": f"Talk:{published['title']}",
                "append": "== Purpose ==\nShould we say who leads? ~~~~",
                "summary": "question",
            }
        ],
    )
    # The save only queued a job; the wiki's job runner makes the call, off the save path.
    run_jobs(wiki, "conveneNotifyService")
    deadline = time.monotonic() + 10  # unless a web request's job run took it first
    while not _queued_harvests(client) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _queued_harvests(client) == [[published["consultation"]]]


def test_saving_an_unwatched_talk_page_queues_nothing(wiki, db, broker, published):
    _, client = broker
    wiki.edit_as(
        "Alice",
        [
            {
                "title": f"Talk:{published['title']} elsewhere",
                "append": "Unrelated. ~~~~",
                "summary": "x",
            }
        ],
    )
    output = run_jobs(wiki, "conveneNotifyService")
    assert "conveneNotifyService" not in output
    assert _queued_harvests(client) == []
