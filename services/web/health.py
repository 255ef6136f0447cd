"""``/health``: can Convene reach its database, Redis and the wiki? 200 if all three, else 503.

The wiki's part is the last answer the worker's ``check_wiki`` left in Redis: a request
never calls the wiki. When that answer is missing or old, the endpoint asks for a new check
and says honestly that it does not know ("unknown") or that what it knows is "stale".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from services.config import Config
from services.web import get_db
from services.worker.tasks import health as wiki_health

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    config: Config = current_app.config["CONVENE"]
    database = _check_database()
    client = _redis(config)
    redis_state = _check_redis(client)
    wiki = (
        _wiki_state(config, client)
        if redis_state["ok"]
        else {
            "ok": False,
            "state": "unknown",
            "error": "Redis is unreachable, where the worker leaves the wiki's status",
        }
    )
    ok = database["ok"] and redis_state["ok"] and wiki["ok"]
    body = {
        "status": "ok" if ok else "degraded",
        "database": database,
        "redis": redis_state,
        "wiki": wiki,
    }
    return jsonify(body), 200 if ok else 503


def _check_database() -> dict[str, Any]:
    try:
        with get_db().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure is the answer we report
        return {"ok": False, "error": str(exc)[:500]}
    return {"ok": True}


def _redis(config: Config):
    # One client (and its connection pool) per app, made on first use in this process.
    client = current_app.extensions.get("convene.redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(config.redis_url, socket_timeout=2, socket_connect_timeout=2)
        current_app.extensions["convene.redis"] = client
    return client


def _check_redis(client) -> dict[str, Any]:
    try:
        client.ping()
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:500]}
    return {"ok": True}


def _wiki_state(config: Config, client) -> dict[str, Any]:
    try:
        status = wiki_health.read_wiki_status(client)
    except Exception as exc:
        return {"ok": False, "state": "unknown", "error": str(exc)[:500]}
    if status is None:
        requested = _request_check(config, client)
        return {
            "ok": False,
            "state": "unknown",
            "check_requested": requested,
            "error": "no check of the wiki yet; one has been asked of the worker",
        }
    age = (datetime.now(UTC) - datetime.fromisoformat(status["checked_at"])).total_seconds()
    result = {**status, "age_seconds": round(age, 1)}
    if age > wiki_health.stale_after(config):
        result.update(ok=False, state="stale", check_requested=_request_check(config, client))
        return result
    result["state"] = "up" if status["ok"] else "down"
    return result


def _request_check(config: Config, client) -> bool:
    """Ask the worker for a check, at most once per check interval; True if asked now."""
    interval = max(1, int(config.wiki_check_interval_seconds))
    if not client.set(wiki_health.WIKI_CHECK_REQUESTED_KEY, "1", nx=True, ex=interval):
        return False
    try:
        current_app.extensions["celery"].send_task(wiki_health.CHECK_WIKI)
    except Exception:
        client.delete(wiki_health.WIKI_CHECK_REQUESTED_KEY)
        current_app.logger.exception("could not ask the worker for a wiki check")
        return False
    return True
