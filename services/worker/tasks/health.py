"""``check_wiki``: the worker asks the wiki for its siteinfo and leaves the answer in Redis.

The web app's ``/health`` reads that answer; it never calls the wiki inside a request.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from celery import shared_task

from services.config import Config

CHECK_WIKI = "convene.health.check_wiki"
WIKI_STATUS_KEY = "convene:health:wiki"
# Set while a check asked for by /health is on its way, so requests do not pile up checks.
WIKI_CHECK_REQUESTED_KEY = "convene:health:wiki:requested"


def schedule(config: Config) -> dict[str, dict]:
    return {
        "check-wiki": {"task": CHECK_WIKI, "schedule": float(config.wiki_check_interval_seconds)}
    }


def status_ttl(config: Config) -> int:
    """Seconds a stored answer is kept: long enough to show it stale before it vanishes."""
    return max(60, int(10 * config.wiki_check_interval_seconds))


def stale_after(config: Config) -> float:
    """Seconds after which a stored answer no longer says how the wiki is now."""
    return 3 * config.wiki_check_interval_seconds + 5


@shared_task(name=CHECK_WIKI)
def check_wiki() -> dict[str, Any]:
    """Ask the wiki for its siteinfo; store ``{ok, generator, checked_at, error}`` in Redis."""
    from bots.environment import prepare_pywikibot
    from services.worker.app import task_config

    config = task_config()
    prepare_pywikibot()  # before pywikibot's first import in this process
    try:
        from bots.siteinfo import wiki_generator

        status = {"ok": True, "generator": wiki_generator(config), "error": None}
    except Exception as exc:  # whatever went wrong is the answer
        status = {"ok": False, "generator": None, "error": f"{type(exc).__name__}: {exc}"[:500]}
    status["checked_at"] = datetime.now(UTC).isoformat()
    status["wiki_api_url"] = config.wiki_api_url
    client = redis_client(config)
    try:
        store_wiki_status(client, status, ttl=status_ttl(config))
    finally:
        client.close()
    return status


def store_wiki_status(client, status: dict[str, Any], *, ttl: int) -> None:
    client.set(WIKI_STATUS_KEY, json.dumps(status), ex=ttl)
    client.delete(WIKI_CHECK_REQUESTED_KEY)


def read_wiki_status(client) -> dict[str, Any] | None:
    raw = client.get(WIKI_STATUS_KEY)
    return json.loads(raw) if raw else None


def redis_client(config: Config):
    import redis

    return redis.Redis.from_url(config.redis_url, socket_timeout=5, socket_connect_timeout=5)
