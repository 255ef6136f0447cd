"""Per-unit and per-consultation counts of feedback: the numbers behind the heat view and charts.

Comments hidden on the wiki are not counted. The query functions return plain data; the
shaping functions below them are pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.feedback.models import Anchor, Comment, TriageStatus

# Beyond this many days a daily series has too many bars to read; it becomes weekly.
DAILY_LIMIT = 92


def _live(consultation_id: int):
    return (Comment.consultation_id == consultation_id, Comment.hidden_reason.is_(None))


def unit_status_counts(session: Session, consultation_id: int) -> dict[str, dict[str, int]]:
    """For each unit key: how many comments speak of it, by triage status value."""
    rows = session.execute(
        select(Anchor.unit_key, Comment.status, func.count(func.distinct(Comment.id)))
        .join(Comment, Comment.id == Anchor.comment_id)
        .where(*_live(consultation_id))
        .group_by(Anchor.unit_key, Comment.status)
    )
    out: dict[str, dict[str, int]] = {}
    for key, status, n in rows:
        out.setdefault(key, {})[status.value] = n
    return out


def by_status(session: Session, consultation_id: int) -> list[tuple[str, int]]:
    """(status value, count) for every status, in the order of TriageStatus."""
    counts = dict(
        session.execute(
            select(Comment.status, func.count())
            .where(*_live(consultation_id))
            .group_by(Comment.status)
        ).all()
    )
    return [(s.value, counts.get(s, 0)) for s in TriageStatus]


def by_language(session: Session, consultation_id: int) -> list[tuple[str, int]]:
    """(language code, count), most comments first."""
    rows = session.execute(
        select(Comment.language, func.count())
        .where(*_live(consultation_id))
        .group_by(Comment.language)
    ).all()
    return sorted(((lang, n) for lang, n in rows), key=lambda r: (-r[1], r[0]))


def _as_date(value) -> date | None:
    # SQLite's date() gives text, PostgreSQL's a date.
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def over_time(session: Session, consultation_id: int) -> list[tuple[date, int]]:
    """(day or week start, count) from the first to the last dated comment, gaps filled."""
    day = func.date(Comment.posted_at)
    rows = session.execute(
        select(day, func.count())
        .where(*_live(consultation_id), Comment.posted_at.is_not(None))
        .group_by(day)
    ).all()
    return fill_series({when: n for d, n in rows if (when := _as_date(d)) is not None})


def fill_series(per_day: Mapping[date, int]) -> list[tuple[date, int]]:
    """Daily counts with missing days as zero; weekly (Monday starts) over long spans."""
    if not per_day:
        return []
    first, last = min(per_day), max(per_day)
    weekly = (last - first).days >= DAILY_LIMIT
    if weekly:
        first = first - timedelta(days=first.weekday())
    step = timedelta(days=7 if weekly else 1)
    buckets: dict[date, int] = {}
    cursor = first
    while cursor <= last:
        buckets[cursor] = 0
        cursor += step
    for day, n in per_day.items():
        start = day - timedelta(days=day.weekday()) if weekly else day
        buckets[start] += n
    return sorted(buckets.items())


@dataclass(frozen=True)
class UnitHeat:
    """One unit of the document view: its comment count, heat level and status mix."""

    key: str
    total: int
    level: int  # 0 (none) .. HEAT_LEVELS
    mix: list[tuple[str, int]]  # (status value, count), statuses with comments only


HEAT_LEVELS = 5


def heat_level(count: int, max_count: int, levels: int = HEAT_LEVELS) -> int:
    """0 for no comments, else 1..levels in proportion to the busiest unit."""
    if count <= 0 or max_count <= 0:
        return 0
    return max(1, min(levels, -(-count * levels // max_count)))


def unit_heat(unit_keys: Iterable[str], counts: Mapping[str, Mapping[str, int]]) -> list[UnitHeat]:
    """The heat view rows for units in document order, from ``unit_status_counts``."""
    keys = list(unit_keys)
    totals = {k: sum(counts.get(k, {}).values()) for k in keys}
    busiest = max(totals.values(), default=0)
    return [
        UnitHeat(
            key=k,
            total=totals[k],
            level=heat_level(totals[k], busiest),
            mix=[
                (s.value, counts[k][s.value])
                for s in TriageStatus
                if counts.get(k, {}).get(s.value)
            ],
        )
        for k in keys
    ]
