"""A real Celery worker on the real Redis: the wiki check end to end, tasks sent only after
commit, and a task whose worker is killed mid-run delivered again."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest
import redis

from deploy.local import processes
from deploy.local.wiki import BOT_NAME
from services.web import create_app
from services.worker.after_commit import enqueue_after_commit
from services.worker.tasks.health import CHECK_WIKI, WIKI_STATUS_KEY, status_ttl

HERE = Path(__file__).parent
REPO = HERE.parents[1]
# Short, so a task lost with its worker comes back within seconds.
VISIBILITY_TIMEOUT = 3


@pytest.fixture(scope="module")
def worker_config(tmp_path_factory, wiki, redis_server):
    from services.config import load_config

    state = tmp_path_factory.mktemp("worker-state")
    config = load_config(
        env={},
        instance_file=Path("/nonexistent"),
        state_dir=state,
        database_url=f"sqlite:///{state / 'convene.sqlite3'}",
        redis_url=f"redis://127.0.0.1:{redis_server.port}/3",
        wiki_api_url=wiki.api_url,
        wiki_family=wiki.family,
        wiki_username=BOT_NAME,
        visibility_timeout=VISIBILITY_TIMEOUT,
        secret_key="test-secret",
    )
    wiki.write_pywikibot_dir(state / "pywikibot")
    return config


@pytest.fixture(scope="module")
def celery(worker_config):
    """This process's Celery app for the worker's configuration (what the web app sends with)."""
    return create_app(config=worker_config).extensions["celery"]


@pytest.fixture(scope="module")
def broker(worker_config):
    client = redis.Redis.from_url(worker_config.redis_url)
    client.flushdb()
    yield client
    client.close()


class Worker:
    """A Celery worker process for the worker tests, in its own process group."""

    def __init__(self, config, celery, name: str):
        self.config, self.celery, self.name = config, celery, name
        state = Path(config.state_dir)
        self.pidfile = state / f"{name}.pid"
        self.logfile = state / f"{name}.log"

    @property
    def node(self) -> str:
        return f"{self.name}@convene-test"

    def start(self) -> Worker:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("CONVENE_") and k != "PYWIKIBOT_NO_USER_CONFIG"
        }
        for name in (
            "state_dir",
            "database_url",
            "redis_url",
            "wiki_api_url",
            "wiki_family",
            "wiki_username",
            "visibility_timeout",
            "secret_key",
        ):
            env[f"CONVENE_{name.upper()}"] = str(getattr(self.config, name))
        env["PYWIKIBOT_DIR"] = str(Path(self.config.state_dir) / "pywikibot")
        env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(REPO)])
        processes.start(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "services.worker.app:celery_app",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--hostname",
                self.node,
                "--without-gossip",
                "--without-mingle",
                "--include",
                "worker_probe",
            ],
            pidfile=self.pidfile,
            logfile=self.logfile,
            env=env,
            cwd=REPO,
        )
        processes.wait_until(
            self.answers,
            timeout=60,
            what=f"worker {self.name}",
            alive=lambda: processes.is_running(self.pidfile),
            log=self.logfile,
        )
        return self

    def answers(self) -> bool:
        replies = self.celery.control.ping(destination=[self.node], timeout=0.5)
        return any(self.node in r for r in replies)

    @property
    def pid(self) -> int:
        return processes.read_pid(self.pidfile)

    def stop(self) -> None:
        processes.stop(self.pidfile, 20, leader_first=True)


@pytest.fixture
def worker(worker_config, celery, broker):
    celery.set_default()  # other modules' apps may have become the default since
    started = Worker(worker_config, celery, "w1").start()
    yield started
    started.stop()


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def test_check_wiki_end_to_end(worker, celery, broker, worker_config):
    broker.delete(WIKI_STATUS_KEY)
    result = celery.send_task(CHECK_WIKI).get(timeout=60)
    assert result["ok"] is True and result["error"] is None
    assert result["generator"].startswith("MediaWiki 1.39")
    stored = json.loads(broker.get(WIKI_STATUS_KEY))
    assert stored == result
    # Kept for a while, not forever: a dead worker's last word must not stand as the truth.
    assert 0 < broker.ttl(WIKI_STATUS_KEY) <= status_ttl(worker_config)


def test_task_sent_in_rolled_back_transaction_is_never_sent(worker, db, broker):
    import worker_probe

    with pytest.raises(RuntimeError, match="undo"), db.session() as session:
        enqueue_after_commit(session, worker_probe.record, "probe:rolled-back")
        raise RuntimeError("undo")
    with db.session() as session:
        enqueue_after_commit(session, worker_probe.record, "probe:committed")
        # Nothing leaves before the commit.
        assert broker.llen("celery") == 0
    # The worker runs tasks in order, one at a time: once the committed task has run,
    # the rolled-back one would have run too, had it been sent.
    wait_for(lambda: broker.get("probe:committed"), 30, "the committed task")
    assert broker.get("probe:rolled-back") is None
    assert broker.llen("celery") == 0


def test_task_of_a_worker_killed_mid_task_runs_again_on_a_new_worker(
    worker, celery, broker, worker_config
):
    key = "probe:killed-worker"
    result = celery.send_task("convene.test.hold", args=[key])
    first = int(wait_for(lambda: broker.lindex(key, 0), 30, "the first run"))
    os.killpg(worker.pid, signal.SIGKILL)  # the whole worker, as a power cut would
    wait_for(lambda: not processes.is_running(worker.pidfile), 10, "the worker's death")
    assert broker.llen(key) == 1

    # Acknowledged late, so Redis still holds the task; after the visibility timeout a new
    # worker takes it.
    second_worker = Worker(worker_config, celery, "w2").start()
    try:
        second = int(
            wait_for(lambda: broker.lindex(key, 1), VISIBILITY_TIMEOUT + 30, "the second delivery")
        )
        assert second != first
        broker.set(f"{key}:release", 1)
        assert result.get(timeout=30) == second
    finally:
        second_worker.stop()


def test_task_whose_pool_process_dies_is_handed_back(worker, celery, broker):
    key = "probe:lost-child"
    result = celery.send_task("convene.test.hold", args=[key])
    child = int(wait_for(lambda: broker.lindex(key, 0), 30, "the first run"))
    assert child != worker.pid  # it runs in a pool process, not in the worker itself
    os.kill(child, signal.SIGKILL)
    # reject_on_worker_lost: the worker hands the task back and runs it again at once.
    again = int(wait_for(lambda: broker.lindex(key, 1), 30, "the second run"))
    assert again != child
    broker.set(f"{key}:release", 1)
    assert result.get(timeout=30) == again
    assert broker.llen(key) == 2


def test_check_wiki_records_a_wiki_that_does_not_answer(worker_config, broker):
    from deploy.local.processes import free_port
    from services.worker.tasks.health import check_wiki

    port = free_port()
    dead = worker_config.replace(
        wiki_api_url=f"http://127.0.0.1:{port}/api.php", wiki_family=f"dead{port}"
    )
    create_app(config=dead)  # check_wiki runs in this app's context, eagerly, right here
    started = time.monotonic()
    status = check_wiki.apply().get()
    assert time.monotonic() - started < 20  # down is reported promptly, not after long retries
    assert status["ok"] is False and status["generator"] is None
    assert status["error"]
    assert json.loads(broker.get(WIKI_STATUS_KEY)) == status
