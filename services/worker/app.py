"""The Celery app, bound to the Flask app (the pallets ``examples/celery`` pattern).

Run the worker with ``celery -A services.worker.app:celery_app worker`` and beat with
``celery -A services.worker.app:celery_app beat``; ``celery_app`` is built on first use from
``load_config()``, so importing this module has no side effects.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from celery import Celery, Task

from services.config import Config, load_config

if TYPE_CHECKING:
    from flask import Flask

# Each module's tasks are registered with the worker; its ``schedule(config)``, if any,
# adds beat entries. Append yours.
TASK_MODULES = [
    "services.worker.tasks.health",
    "services.worker.tasks.publish",
    "services.worker.tasks.harvest",
]

# Marks an app built here, so a process never sends through Celery's unconfigured default.
_MARK = "convene_app"


def celery_settings(config: Config) -> dict[str, Any]:
    """Celery's settings for ``config``: chosen so that no accepted task is lost."""
    # Redis re-delivers an unacknowledged task after the visibility timeout. Celery's docs
    # ask for the same value in all three places; only kombu's transport reads it today.
    visibility = int(config.visibility_timeout)
    transport = {
        "visibility_timeout": visibility,
        # Sweep for abandoned tasks often enough that a short timeout means a short wait
        # (kombu's default sweep is every 100 s).
        "unacked_restore_interval": min(60, max(1, visibility // 10)),
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 5,
    }
    return {
        "broker_url": config.redis_url,
        "result_backend": config.redis_url,
        "broker_transport_options": transport,
        "result_backend_transport_options": {"visibility_timeout": visibility},
        "visibility_timeout": visibility,
        "broker_connection_retry_on_startup": True,
        # A task is acknowledged when it has run, and handed back if its process dies:
        # every task must therefore be safe to run twice.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # Stop a task whose message Redis will hand out again anyway (connection lost).
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        # Long tasks (harvest, publish): a worker holds no task it is not running.
        "worker_prefetch_multiplier": 1,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "result_expires": 24 * 3600,
        "enable_utc": True,
        "timezone": "UTC",
        "beat_schedule": beat_schedule(config),
        _MARK: True,
    }


def beat_schedule(config: Config) -> dict[str, dict]:
    """Every periodic task, gathered from the ``schedule(config)`` of each task module."""
    entries: dict[str, dict] = {}
    for name in TASK_MODULES:
        module = importlib.import_module(name)
        schedule = getattr(module, "schedule", None)
        if schedule is None:
            continue
        for key, entry in schedule(config).items():
            if key in entries:
                raise ValueError(
                    f"beat entry {key!r} of {name} is already defined by another task module"
                )
            entries[key] = entry
    return entries


def init_celery(flask_app: Flask) -> Celery:
    """A Celery app whose tasks run inside ``flask_app``'s application context."""

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with flask_app.app_context():
                return self.run(*args, **kwargs)

    config: Config = flask_app.config["CONVENE"]
    app = Celery("convene", task_cls=FlaskTask, include=list(TASK_MODULES))
    app.conf.update(celery_settings(config))
    app.convene_config = config
    app.set_default()
    flask_app.extensions["celery"] = app
    return app


def make_celery(config: Config | None = None) -> Celery:
    """The worker's Celery app: a Flask app for ``config`` and the Celery app bound to it."""
    from services.web import create_app

    return create_app(config=config or load_config()).extensions["celery"]


def get_celery() -> Celery:
    """This process's Convene Celery app (the current one, or ``celery_app``)."""
    from celery import current_app

    app = current_app._get_current_object()
    if app.conf.get(_MARK):
        return app
    return __getattr__("celery_app")


def task_config() -> Config:
    """Inside a task: the configuration of the app it runs in."""
    from flask import current_app

    return current_app.config["CONVENE"]


_lazy: dict[str, Celery] = {}


def __getattr__(name: str) -> Any:
    # ``celery_app`` is built on first access: importing this module reads no configuration.
    if name == "celery_app":
        if "celery_app" not in _lazy:
            _lazy["celery_app"] = make_celery()
        app = _lazy["celery_app"]
        app.set_default()
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
