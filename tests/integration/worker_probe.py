"""Tasks for the worker tests only: they leave a trace in Redis, and one waits to be killed.

Loaded by the test worker with ``--include worker_probe`` (this folder on PYTHONPATH).
"""

import os
import time

from celery import shared_task


def _redis():
    import redis

    from services.worker.app import task_config

    return redis.Redis.from_url(task_config().redis_url)


@shared_task(name="convene.test.record")
def record(key: str) -> int:
    """Count this run under ``key``."""
    return _redis().incr(key)


@shared_task(name="convene.test.hold")
def hold(key: str) -> int:
    """Note this run's pid under ``key``, then wait until ``key:release`` exists."""
    client = _redis()
    client.rpush(key, os.getpid())
    deadline = time.monotonic() + 120
    while not client.exists(f"{key}:release"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{key}:release never came")
        time.sleep(0.05)
    return os.getpid()
