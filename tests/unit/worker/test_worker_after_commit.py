"""Tasks leave only when the transaction that created their work commits."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from services.worker.after_commit import TaskNotSent, enqueue_after_commit, pending_tasks


class FakeTask:
    """Stands in for a Celery task: records what would have gone to the broker."""

    def __init__(self, name: str, fail: bool = False):
        self.name, self.fail, self.sent = name, fail, []

    def apply_async(self, args=(), kwargs=None):
        if self.fail:
            raise ConnectionError("broker unreachable")
        self.sent.append((tuple(args), dict(kwargs or {})))


def test_sent_after_commit_not_before(db):
    task = FakeTask("harvest")
    with db.session() as session:
        session.execute(text("SELECT 1"))
        enqueue_after_commit(session, task, 7, force=True)
        assert task.sent == []
        assert pending_tasks(session) == [("harvest", (7,), {"force": True})]
    assert task.sent == [((7,), {"force": True})]


def test_rolled_back_transaction_sends_nothing(db):
    task = FakeTask("harvest")
    with pytest.raises(KeyError), db.session() as session:
        enqueue_after_commit(session, task, 1)
        raise KeyError("no such consultation")
    assert task.sent == []


def test_nothing_is_carried_over_to_the_next_transaction_after_a_rollback(db):
    task = FakeTask("harvest")
    session = db.sessions()
    with session.begin():
        enqueue_after_commit(session, task, 1)
        session.rollback()
    with session.begin():
        enqueue_after_commit(session, task, 2)
    session.close()
    assert task.sent == [((2,), {})]


def test_a_rolled_back_savepoint_drops_only_its_own_tasks(db):
    task = FakeTask("publish")
    with db.session() as session:
        enqueue_after_commit(session, task, "before")
        savepoint = session.begin_nested()
        enqueue_after_commit(session, task, "inside")
        savepoint.rollback()
        with session.begin_nested():
            enqueue_after_commit(session, task, "kept savepoint")
        enqueue_after_commit(session, task, "after")
    assert [args for args, _ in task.sent] == [("before",), ("kept savepoint",), ("after",)]


def test_each_commit_sends_its_own_tasks_once(db):
    task = FakeTask("harvest")
    with db.session() as session:
        enqueue_after_commit(session, task, 1)
    with db.session() as session:
        enqueue_after_commit(session, task, 2)
    assert [args for args, _ in task.sent] == [(1,), (2,)]


def test_without_a_transaction_the_caller_is_told(db):
    session = db.sessions()
    try:
        with pytest.raises(RuntimeError, match="no transaction in progress"):
            enqueue_after_commit(session, FakeTask("harvest"), 1)
    finally:
        session.close()


def test_a_task_that_cannot_be_sent_is_named_and_does_not_stop_the_others(db):
    broken, fine = FakeTask("harvest", fail=True), FakeTask("notify")
    with pytest.raises(TaskNotSent, match=r"harvest\(3,\): broker unreachable"):
        with db.session() as session:
            enqueue_after_commit(session, broken, 3)
            enqueue_after_commit(session, fine, 4)
    assert fine.sent == [((4,), {})]
