"""The per-consultation harvest lock on a real Redis: one holder, renewed, expiring."""

import threading
import time
from types import SimpleNamespace

import pytest
import redis
from click.testing import CliRunner

from services.worker.tasks.harvest import HarvestLocked, harvest_lock, lock_key


@pytest.fixture
def client(redis_server):
    c = redis.Redis.from_url(redis_server.url)
    c.flushdb()
    yield c
    c.close()


def test_only_one_harvest_holds_a_consultation(client):
    with harvest_lock(client, 1):
        with pytest.raises(HarvestLocked, match="#1 is already running"):
            with harvest_lock(client, 1):
                pass
        with harvest_lock(client, 2):  # another consultation is independent
            pass
    with harvest_lock(client, 1):  # released at the end
        assert client.exists(lock_key(1))
    assert not client.exists(lock_key(1))


def test_a_long_harvest_keeps_its_lock(client):
    held = threading.Event()
    done = threading.Event()

    def long_harvest():
        with harvest_lock(client, 5, timeout=1):
            held.set()
            done.wait(5)

    worker = threading.Thread(target=long_harvest)
    worker.start()
    held.wait(5)
    time.sleep(2.5)  # well past the timeout: renewed meanwhile
    with pytest.raises(HarvestLocked), harvest_lock(client, 5):
        pass
    done.set()
    worker.join()
    assert not client.exists(lock_key(5))


def test_a_crashed_harvest_frees_the_lock_after_its_timeout(client):
    client.lock(lock_key(9), timeout=1).acquire()  # a holder that never releases
    with pytest.raises(HarvestLocked), harvest_lock(client, 9):
        pass
    time.sleep(1.3)
    with harvest_lock(client, 9):
        pass


def test_the_cli_respects_the_lock(client, redis_server, config, db):
    from services.cli.consultations import harvest

    obj = SimpleNamespace(config=config.replace(redis_url=redis_server.url), db=db)
    with harvest_lock(client, 4):
        result = CliRunner().invoke(harvest, ["4"], obj=obj)
    assert result.exit_code == 1
    assert "#4 is already running" in result.output
