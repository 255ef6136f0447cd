"""The harvest tasks: beat entry, fan-out to open consultations, retries with backoff."""

import pytest

from bots.harvest import HarvestError, HarvestReport
from services.consultations import service
from services.worker.tasks import harvest as tasks


@pytest.fixture
def app(config):
    from services.web import create_app

    flask_app = create_app(config=config.replace(harvest_interval_seconds=120))
    celery = flask_app.extensions["celery"]
    celery.conf.task_always_eager = True
    with flask_app.app_context():
        yield flask_app


def test_beat_runs_the_harvest_at_the_configured_interval(config):
    from services.worker.app import beat_schedule

    entry = beat_schedule(config.replace(harvest_interval_seconds=45))["harvest-open-consultations"]
    assert entry == {"task": tasks.HARVEST_OPEN, "schedule": 45.0}


@pytest.mark.parametrize("retries, seconds", [(0, 30), (1, 60), (3, 240), (6, 1800), (20, 1800)])
def test_backoff_doubles_up_to_half_an_hour(retries, seconds):
    assert tasks.backoff(retries) == seconds


def test_open_consultations_each_get_a_harvest(app, db, document, monkeypatch):
    with db.session() as s:
        opened = service.open_consultation(s, "definition", languages=[]).id
        service.open_consultation(s, "definition", languages=[], draft=True)
    sent = []
    monkeypatch.setattr(tasks.harvest_consultation, "delay", lambda cid: sent.append(cid))
    assert tasks.harvest_open_consultations.apply().get() == [opened]
    assert sent == [opened]


def test_a_wiki_error_is_retried_until_it_works(app, monkeypatch):
    calls = []

    def flaky(config, db, consultation_id, **kwargs):
        calls.append(consultation_id)
        if len(calls) < 3:
            raise HarvestError("wiki timed out")
        return HarvestReport(consultation_id)

    monkeypatch.setattr(tasks, "harvest_exclusively", flaky)
    result = tasks.harvest_consultation.apply(args=[7])
    assert result.successful() and result.get()["consultation"] == 7
    assert calls == [7, 7, 7]


def test_a_running_harvest_is_not_doubled(app, monkeypatch):
    def locked(config, db, consultation_id, **kwargs):
        raise tasks.HarvestLocked(f"a harvest of consultation #{consultation_id} is running")

    monkeypatch.setattr(tasks, "harvest_exclusively", locked)
    result = tasks.harvest_consultation.apply(args=[3]).get()
    assert "is running" in result["skipped"]
