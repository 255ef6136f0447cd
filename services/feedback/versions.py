"""Data versions: a counter per consultation, bumped by every change to what its queue shows.

Cached queue results (``services.web.resultcache``) are keyed by these counters, so a
result computed before a change is never served after it. The bump is made by the flush
that writes the change, so it commits or rolls back with it, whoever the writer is:
triage, bulk actions, the harvest, the widget's intake, hiding. Statements that bypass the
ORM session (a Core insert on a bare connection, hand-written SQL) are not seen; whoever
writes that way calls ``bump`` in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import bindparam, event, inspect, or_, select, update
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import UpdateBase

from services.consultations.models import Consultation
from services.feedback.models import Anchor, Comment, Theme, comment_themes

_CONSULTATIONS = Consultation.__table__
_COMMENTS = Comment.__table__
# Tables whose rows the queue shows (or filters by); a Core write to one of them through a
# session cannot be traced to its consultations, so it bumps them all.
_SHOWN_TABLES = frozenset(
    t.name for t in (_COMMENTS, Anchor.__table__, Theme.__table__, comment_themes)
)

Versions = tuple[tuple[int, int], ...]
# What a flush may change of what a queue shows.
_SHOWN = (Comment, Anchor, Theme, Consultation)


_VERSIONS = (
    select(_CONSULTATIONS.c.id, _CONSULTATIONS.c.data_version)
    .where(_CONSULTATIONS.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_CONSULTATIONS.c.id)
)


def data_versions(session: Session, consultation_ids: Collection[int]) -> Versions:
    """((consultation id, data version), ...) for these consultations, by id."""
    if not consultation_ids:
        return ()
    return tuple(
        (row[0], row[1]) for row in session.execute(_VERSIONS, {"ids": sorted(consultation_ids)})
    )


def bump(
    session: Session,
    consultation_ids: Iterable[int] = (),
    comment_ids: Iterable[int] = (),
    everything: bool = False,
) -> None:
    """Advance the data version of these consultations (and of those of these comments)."""
    consultation_ids, comment_ids = sorted(set(consultation_ids)), sorted(set(comment_ids))
    c = _CONSULTATIONS.c
    if everything:
        where = []
    elif consultation_ids or comment_ids:
        where = [
            or_(
                c.id.in_(consultation_ids),
                c.id.in_(
                    select(_COMMENTS.c.consultation_id).where(_COMMENTS.c.id.in_(comment_ids))
                ),
            )
        ]
    else:
        return
    session.connection().execute(
        update(_CONSULTATIONS).where(*where).values(data_version=c.data_version + 1)
    )


def _values(obj, attribute: str) -> set:
    """The attribute's value now and any value it had before this flush."""
    history = inspect(obj).attrs[attribute].history
    return {v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None}


@event.listens_for(Session, "after_flush")
def _bump_for_flushed_changes(session: Session, _flush_context) -> None:
    """Bump the consultations whose queue this flush changed (new, edited or deleted rows)."""
    consultation_ids: set[int] = set()
    comment_ids: set[int] = set()
    # session.new, .dirty and .deleted build a fresh set on every access: read each once.
    added_or_removed = [*session.new, *session.deleted]
    edited = [obj for obj in session.dirty if isinstance(obj, _SHOWN) and session.is_modified(obj)]
    for obj in added_or_removed + edited:
        if isinstance(obj, Comment | Theme):
            # A comment's themes live in comment_themes; changing them marks the comment.
            consultation_ids |= _values(obj, "consultation_id")
        elif isinstance(obj, Anchor):
            comment_ids |= _values(obj, "comment_id")
    # A consultation renamed or moved to another revision (a new one has nothing cached).
    consultation_ids |= {obj.id for obj in edited if isinstance(obj, Consultation)}
    bump(session, consultation_ids, comment_ids)


@event.listens_for(Session, "do_orm_execute")
def _bump_for_bulk_statements(state: ORMExecuteState):
    """A Core insert, update or delete through a session on a shown table bumps every version."""
    statement = state.statement
    table = getattr(statement, "table", None) if isinstance(statement, UpdateBase) else None
    if getattr(table, "name", None) not in _SHOWN_TABLES:
        return None
    result = state.invoke_statement()
    bump(state.session, everything=True)
    return result
