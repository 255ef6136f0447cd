"""``/health`` against a real Redis: the wiki's state is whatever the worker last stored —
up, down, stale or unknown — and a missing or stale answer asks the worker for a new one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import redis

from services.web import create_app
from services.worker.tasks.health import (
    WIKI_CHECK_REQUESTED_KEY,
    WIKI_STATUS_KEY,
    stale_after,
    store_wiki_status,
)


@pytest.fixture
def health_config(config, redis_server):
    return config.replace(
        redis_url=f"redis://127.0.0.1:{redis_server.port}/5", wiki_check_interval_seconds=30
    )


@pytest.fixture
def client(health_config):
    return create_app(config=health_config).test_client()


@pytest.fixture
def store(health_config):
    server = redis.Redis.from_url(health_config.redis_url)
    server.flushdb()
    yield server
    server.flushdb()
    server.close()


def stored(store, *, ok=True, age=0.0, error=None):
    checked = datetime.now(UTC) - timedelta(seconds=age)
    store_wiki_status(
        store,
        {
            "ok": ok,
            "generator": "MediaWiki 1.39.17" if ok else None,
            "error": error,
            "checked_at": checked.isoformat(),
        },
        ttl=300,
    )


def test_all_up_is_200(client, store):
    stored(store, age=2)
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"]["ok"] and body["redis"]["ok"]
    assert body["wiki"]["state"] == "up" and body["wiki"]["generator"] == "MediaWiki 1.39.17"
    assert 1 <= body["wiki"]["age_seconds"] < 30
    assert store.llen("celery") == 0  # a fresh answer needs no new check


def test_wiki_reported_down_is_503_with_the_error(client, store):
    stored(store, ok=False, error="ConnectionError: refused")
    response = client.get("/health")
    assert response.status_code == 503
    wiki = response.get_json()["wiki"]
    assert wiki["state"] == "down" and wiki["ok"] is False
    assert wiki["error"] == "ConnectionError: refused"


def test_no_answer_yet_is_unknown_and_asks_the_worker_once(client, store):
    first = client.get("/health")
    assert first.status_code == 503
    wiki = first.get_json()["wiki"]
    assert wiki["state"] == "unknown" and wiki["check_requested"] is True
    assert store.llen("celery") == 1
    message = json.loads(store.lindex("celery", 0))
    assert message["headers"]["task"] == "convene.health.check_wiki"
    # Further requests while that check is on its way ask for nothing more.
    second = client.get("/health")
    assert second.get_json()["wiki"]["check_requested"] is False
    assert store.llen("celery") == 1


def test_an_old_answer_is_stale_not_up(client, store, health_config):
    stored(store, age=stale_after(health_config) + 1)
    response = client.get("/health")
    assert response.status_code == 503
    wiki = response.get_json()["wiki"]
    assert wiki["state"] == "stale" and wiki["ok"] is False and wiki["check_requested"] is True
    assert wiki["generator"] == "MediaWiki 1.39.17"  # what was last known is still shown
    assert store.exists(WIKI_CHECK_REQUESTED_KEY)


def test_a_stored_answer_clears_the_pending_request(store):
    store.set(WIKI_CHECK_REQUESTED_KEY, "1")
    stored(store)
    assert not store.exists(WIKI_CHECK_REQUESTED_KEY)
    assert 0 < store.ttl(WIKI_STATUS_KEY) <= 300
