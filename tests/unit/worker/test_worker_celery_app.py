"""The Celery app's settings: no accepted task lost, one visibility timeout, JSON only,
tasks in the Flask app's context, and one beat schedule gathered from the task modules."""

from __future__ import annotations

import sys
import types

import pytest
from celery import shared_task
from flask import current_app

from services.web import create_app
from services.worker import app as worker_app
from services.worker.app import beat_schedule, celery_settings, get_celery
from services.worker.tasks.health import CHECK_WIKI


@pytest.fixture
def celery(config):
    return create_app(config=config.replace(redis_url="redis://127.0.0.1:6999/4")).extensions[
        "celery"
    ]


def test_broker_and_results_go_to_the_configured_redis(celery):
    assert celery.conf.broker_url == "redis://127.0.0.1:6999/4"
    assert celery.conf.result_backend == "redis://127.0.0.1:6999/4"
    assert celery.conf.broker_connection_retry_on_startup is True


def test_tasks_are_acknowledged_late_and_handed_back_when_their_process_dies(celery):
    assert celery.conf.task_acks_late is True
    assert celery.conf.task_reject_on_worker_lost is True
    assert celery.conf.worker_prefetch_multiplier == 1


def test_json_is_the_only_serializer(celery):
    assert celery.conf.task_serializer == celery.conf.result_serializer == "json"
    assert celery.conf.accept_content == ["json"]
    assert celery.conf.result_accept_content == ["json"]


@pytest.mark.parametrize("timeout, sweep", [(3, 1), (120, 12), (3600, 60), (86400, 60)])
def test_one_visibility_timeout_everywhere(config, timeout, sweep):
    settings = celery_settings(config.replace(visibility_timeout=timeout))
    assert settings["broker_transport_options"]["visibility_timeout"] == timeout
    assert settings["result_backend_transport_options"]["visibility_timeout"] == timeout
    assert settings["visibility_timeout"] == timeout
    # Abandoned tasks are looked for often enough for the timeout to mean what it says.
    assert settings["broker_transport_options"]["unacked_restore_interval"] == sweep
    assert settings["broker_transport_options"]["unacked_restore_throttle"] == 1


def test_the_transport_really_uses_that_visibility_timeout(config):
    celery = create_app(
        config=config.replace(visibility_timeout=77, redis_url="redis://127.0.0.1:6999/0")
    ).extensions["celery"]
    from kombu.transport.redis import Channel

    with celery.connection_for_write() as conn:
        assert conn.transport_options["visibility_timeout"] == 77
        # The option names we set are the ones this kombu's Redis channel reads.
        for name in ("visibility_timeout", "unacked_restore_interval", "unacked_restore_throttle"):
            assert name in Channel.from_transport_options


def test_beat_checks_the_wiki_at_the_configured_interval(config):
    schedule = beat_schedule(config.replace(wiki_check_interval_seconds=12.5))
    assert schedule["check-wiki"] == {"task": CHECK_WIKI, "schedule": 12.5}


def test_a_beat_entry_defined_twice_is_refused_naming_the_module(config, monkeypatch):
    twin = types.ModuleType("convene_test_twin_tasks")
    twin.schedule = lambda cfg: {"check-wiki": {"task": "x", "schedule": 1.0}}
    monkeypatch.setitem(sys.modules, twin.__name__, twin)
    monkeypatch.setattr(worker_app, "TASK_MODULES", [*worker_app.TASK_MODULES, twin.__name__])
    with pytest.raises(ValueError, match="check-wiki.*convene_test_twin_tasks"):
        beat_schedule(config)


def test_the_worker_imports_every_task_module(celery):
    assert set(worker_app.TASK_MODULES) <= set(celery.conf.include)


@shared_task(name="convene.test.which_app")
def which_app() -> str:
    return current_app.config["CONVENE"].redis_url


def test_tasks_run_inside_the_flask_app_context(celery):
    assert which_app.apply().get() == "redis://127.0.0.1:6999/4"


def test_get_celery_returns_the_app_bound_to_the_latest_flask_app(celery):
    assert get_celery() is celery
