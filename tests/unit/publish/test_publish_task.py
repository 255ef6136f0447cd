"""The Celery task calls the same function as the CLI, and waits for an unavailable wiki."""

import pytest

import bots.publish
from bots.publish import PageOutcome, PublishResult, WikiUnavailable
from bots.publish_plan import Action
from bots.publish_state import PageKind
from services.web import create_app
from services.worker.tasks.publish import RETRY_MAX_SECONDS, publish, retry_delay


class Calls(list):
    """Every publish_revision call the task makes; the first ``failures`` raise an outage."""

    failures = 0


@pytest.fixture
def calls(config, monkeypatch):
    create_app(config=config.replace(redis_url="redis://127.0.0.1:6999/5"))
    made = Calls()

    def fake(cfg, db, revision_id, **kwargs):
        made.append((cfg.wiki_api_url, revision_id, kwargs))
        if len(made) <= made.failures:
            raise WikiUnavailable("the wiki at X: it did not answer")
        page = PageOutcome("T", PageKind.SOURCE, "en", Action.UNCHANGED, "same", "http://w/T")
        return PublishResult("doc", revision_id, 3, "L", False, [page], {})

    monkeypatch.setattr(bots.publish, "publish_revision", fake)
    return made


def test_the_task_publishes_the_revision_it_is_given(config, calls):
    result = publish.apply(args=[42]).get()
    assert calls == [(config.wiki_api_url, 42, {})]
    assert result == {
        "document": "doc",
        "revision": 3,
        "counts": {"unchanged": 1},
        "source_url": "http://w/T",
        "changelog_url": "",
        "problems": [],
    }


def test_an_unavailable_wiki_is_retried_until_it_answers(calls):
    calls.failures = 2
    result = publish.apply(args=[7]).get()
    assert [c[1] for c in calls] == [7, 7, 7]
    assert result["counts"] == {"unchanged": 1}


def test_retries_wait_longer_each_time_up_to_an_hour():
    waits = [retry_delay(n) for n in range(8)]
    assert waits == sorted(waits) and waits[0] == 60 and waits[-1] == RETRY_MAX_SECONDS
