"""Periodic harvest of open consultations, one consultation at a time.

``harvest_open_consultations`` (beat, every ``config.harvest_interval_seconds``) sends one
``harvest_consultation(id)`` per open consultation. That task holds a Redis lock per
consultation while it runs (``harvest_exclusively``, also used by ``convene harvest``), so
two harvests of one consultation never overlap; a wiki that errors or is slow makes the task
retry with exponential backoff. Both are idempotent: a harvest that finds nothing new
changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import shared_task

from services.config import Config

HARVEST = "convene.harvest.harvest_consultation"
HARVEST_OPEN = "convene.harvest.harvest_open_consultations"
# A lock outlives a crashed harvest by at most this long; a running one renews it.
LOCK_SECONDS = 300
RETRY_BACKOFF = 30  # seconds before the first retry, doubled each time
RETRY_BACKOFF_MAX = 1800
MAX_RETRIES = 6


class HarvestLocked(RuntimeError):
    """Another harvest of this consultation holds the lock."""


def schedule(config: Config) -> dict[str, dict]:
    return {
        "harvest-open-consultations": {
            "task": HARVEST_OPEN,
            "schedule": float(config.harvest_interval_seconds),
        }
    }


def lock_key(consultation_id: int) -> str:
    return f"convene:harvest:lock:{consultation_id}"


def redis_client(config: Config):
    import redis

    return redis.Redis.from_url(config.redis_url, socket_timeout=10, socket_connect_timeout=5)


@contextmanager
def harvest_lock(client, consultation_id: int, timeout: int = LOCK_SECONDS) -> Iterator[None]:
    """Hold the consultation's harvest lock, renewed while held; HarvestLocked if taken."""
    from redis.exceptions import LockError

    # thread_local=False: the renewing thread must see the token the harvest's thread took.
    lock = client.lock(
        lock_key(consultation_id), timeout=timeout, blocking=False, thread_local=False
    )
    if not lock.acquire(blocking=False):
        raise HarvestLocked(
            f"a harvest of consultation #{consultation_id} is already running "
            f"(Redis key {lock_key(consultation_id)})"
        )
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(timeout / 3):
            try:
                lock.reacquire()
            except LockError:
                return

    renewer = threading.Thread(target=renew, name=f"harvest-lock-{consultation_id}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()
        try:
            lock.release()
        except LockError:  # expired meanwhile: nothing of ours left to release
            pass


def harvest_exclusively(config: Config, db, consultation_id: int, *, client=None, reader=None):
    """``bots.harvest.run_harvest`` under the consultation's lock."""
    from bots.harvest import run_harvest

    own = client is None
    client = client or redis_client(config)
    try:
        with harvest_lock(client, consultation_id):
            return run_harvest(config, db, consultation_id, reader=reader)
    finally:
        if own:
            client.close()


def _retryable() -> tuple[type[BaseException], ...]:
    from bots.harvest import HarvestError

    return (HarvestError,)


@shared_task(bind=True, name=HARVEST, max_retries=MAX_RETRIES)
def harvest_consultation(self, consultation_id: int) -> dict[str, Any]:
    """Harvest one consultation; skipped if another harvest of it is running."""
    from bots.environment import prepare_pywikibot
    from services.web import get_db
    from services.worker.app import task_config

    prepare_pywikibot()
    from bots.harvest import HarvestRefused

    try:
        report = harvest_exclusively(task_config(), get_db(), consultation_id)
    except HarvestLocked as exc:
        return {"consultation": consultation_id, "skipped": str(exc)}
    except HarvestRefused as exc:
        return {"consultation": consultation_id, "refused": str(exc)}
    except _retryable() as exc:
        raise self.retry(exc=exc, countdown=backoff(self.request.retries))
    return report.as_dict()


def backoff(retries: int) -> int:
    """Seconds before retry number ``retries + 1``: 30, 60, 120 ... at most 30 minutes."""
    return min(RETRY_BACKOFF_MAX, RETRY_BACKOFF * 2**retries)


@shared_task(name=HARVEST_OPEN)
def harvest_open_consultations() -> list[int]:
    """Send a harvest for every open consultation; returns their ids."""
    from bots.harvest import open_consultation_ids
    from services.web import get_db

    ids = open_consultation_ids(get_db())
    for consultation_id in ids:
        harvest_consultation.delay(consultation_id)
    return ids
