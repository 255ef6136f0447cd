"""Send a task only once the transaction that created its work has committed.

Sent earlier, a worker could look for rows that are not visible yet, or run for work that a
rollback then undid. ``enqueue_after_commit`` keeps the task with the session's transaction
(or savepoint) and sends it from the ``after_commit`` event; a rollback discards it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

_PENDING = "convene.pending_tasks"


class TaskNotSent(RuntimeError):
    """The transaction committed but a task could not be handed to the broker."""


@dataclass
class _Pending:
    task: Any
    args: tuple
    kwargs: dict
    transaction: SessionTransaction


def enqueue_after_commit(session: Session, task: Any, *args: Any, **kwargs: Any) -> None:
    """Send ``task(*args, **kwargs)`` when ``session``'s current transaction commits."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        raise RuntimeError(
            f"enqueue_after_commit({_name(task)}): the session has no transaction "
            f"in progress; use it inside `with db.session() as s:`"
        )
    session.info.setdefault(_PENDING, []).append(_Pending(task, args, kwargs, transaction))


def pending_tasks(session: Session) -> list[tuple[str, tuple, dict]]:
    """What this session will send at its next commit: ``(task name, args, kwargs)``."""
    return [(_name(p.task), p.args, p.kwargs) for p in session.info.get(_PENDING, [])]


@event.listens_for(Session, "after_soft_rollback")
def _discard_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    # Fires for savepoints too: only tasks enqueued inside the rolled-back part are dropped.
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [
            p for p in pending if not _within(p.transaction, previous_transaction)
        ]


@event.listens_for(Session, "after_commit")
def _send_committed(session: Session) -> None:
    # after_commit fires for the outermost transaction only: everything pending is durable now.
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    if any(_is_celery_task(p.task) for p in pending):
        from services.worker.app import get_celery

        get_celery()  # sends go through Convene's broker, never Celery's unconfigured default
    failed = []
    for item in pending:
        try:
            item.task.apply_async(args=item.args, kwargs=item.kwargs)
        except Exception as exc:  # the rest still deserve their chance
            log.exception("task %s%r not sent after commit", _name(item.task), item.args)
            failed.append(f"{_name(item.task)}{item.args!r}: {exc}")
    if failed:
        raise TaskNotSent("committed, but these tasks could not be sent: " + "; ".join(failed))


def _within(transaction: SessionTransaction, ancestor: SessionTransaction) -> bool:
    node: SessionTransaction | None = transaction
    while node is not None:
        if node is ancestor:
            return True
        node = node.parent
    return False


def _is_celery_task(task: Any) -> bool:
    from celery import Task
    from celery.local import Proxy

    return isinstance(task, (Task, Proxy))


def _name(task: Any) -> str:
    return getattr(task, "name", None) or repr(task)
