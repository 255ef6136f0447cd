"""The triage queue: filtering, search, sorting and keyset pagination over comments.

Pagination is keyset only: a page ends with a cursor naming the last row's sort key and
id, signed so a client cannot forge one; the next page starts strictly after it. There
is no OFFSET, so page 1,000 costs what page 1 costs.

Callers pass the set of consultation ids the user may see; nothing outside it is ever
returned, whatever the filter says.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from services.feedback.models import (Anchor, AuditEntry, Comment, Theme, TriageStatus,
                                      comment_themes)
from services.feedback.searchtext import MAX_QUERY_LENGTH, MAX_TERMS, query_terms

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Beyond this many values in one filter the request is refused rather than run.
MAX_FILTER_VALUES = 50
MAX_VALUE_LENGTH = 255
COUNT_CAP = 1_000
THREAD_LIMIT = 500


class FilterError(ValueError):
    """A filter value that cannot be used; names the parameter."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


class CursorError(FilterError):
    """A cursor that was not made by this server for this sort order."""

    def __init__(self, message: str):
        super().__init__("cursor", message)


class Sort(enum.Enum):
    NEWEST = "newest"    # posted_at, newest first; undated comments last
    OLDEST = "oldest"    # posted_at, oldest first; undated comments last
    UPDATED = "updated"  # most recently triaged or edited first


@dataclass(frozen=True)
class QueueFilter:
    consultation_ids: tuple[int, ...] = ()
    unit_keys: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    statuses: tuple[TriageStatus, ...] = ()
    theme_ids: tuple[int, ...] = ()
    authors: tuple[str, ...] = ()
    assignee: str | None = None  # "" means unassigned
    posted_from: date | None = None
    posted_to: date | None = None
    q: str = ""
    include_hidden: bool = False
    sort: Sort = Sort.NEWEST

    def as_params(self) -> dict[str, list[str]]:
        """The filter as query parameters (the inverse of ``parse_filter``)."""
        params: dict[str, list[str]] = {
            "consultation": [str(v) for v in self.consultation_ids],
            "unit": list(self.unit_keys),
            "language": list(self.languages),
            "status": [s.value for s in self.statuses],
            "theme": [str(v) for v in self.theme_ids],
            "author": list(self.authors),
            "assignee": [] if self.assignee is None else [self.assignee or "-"],
            "from": [self.posted_from.isoformat()] if self.posted_from else [],
            "to": [self.posted_to.isoformat()] if self.posted_to else [],
            "q": [self.q] if self.q else [],
            "hidden": ["1"] if self.include_hidden else [],
            "sort": [] if self.sort is Sort.NEWEST else [self.sort.value],
        }
        return {k: v for k, v in params.items() if v}


def _values(params: Mapping[str, Sequence[str]], name: str) -> list[str]:
    raw = params.get(name) or []
    if isinstance(raw, str):
        raw = [raw]
    values = []
    for item in raw:
        # "a,b" and repeated parameters both give several values.
        values.extend(v.strip() for v in str(item).split(",") if v.strip())
    if len(values) > MAX_FILTER_VALUES:
        raise FilterError(name, f"at most {MAX_FILTER_VALUES} values, got {len(values)}")
    for value in values:
        if len(value) > MAX_VALUE_LENGTH:
            raise FilterError(name, f"a value is longer than {MAX_VALUE_LENGTH} characters")
    return values


def _ints(params, name) -> tuple[int, ...]:
    out = []
    for value in _values(params, name):
        if not value.isdigit() or len(value) > 12:
            raise FilterError(name, f"{value[:40]!r} is not a positive integer id")
        out.append(int(value))
    return tuple(dict.fromkeys(out))


def _one(params, name) -> str | None:
    values = _values(params, name)
    if len(values) > 1:
        raise FilterError(name, "give one value only")
    return values[0] if values else None


def _date(params, name) -> date | None:
    value = _one(params, name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FilterError(name, f"{value[:40]!r} is not a date (YYYY-MM-DD)") from None


def parse_filter(params: Mapping[str, Sequence[str]]) -> QueueFilter:
    """A QueueFilter from query parameters (each a list of strings); refuses bad values."""
    statuses = []
    for value in _values(params, "status"):
        try:
            statuses.append(TriageStatus(value))
        except ValueError:
            known = ", ".join(s.value for s in TriageStatus)
            raise FilterError("status", f"{value[:40]!r} is not one of {known}") from None
    raw_q = params.get("q") or []
    raw_q = [raw_q] if isinstance(raw_q, str) else list(raw_q)
    if len(raw_q) > 1:
        raise FilterError("q", "give one search only")
    q = str(raw_q[0]) if raw_q else ""
    if len(q) > MAX_QUERY_LENGTH:
        raise FilterError("q", f"the search is longer than {MAX_QUERY_LENGTH} characters")
    if len(query_terms(q)) > MAX_TERMS:
        raise FilterError("q", f"the search has more than {MAX_TERMS} terms")
    sort_value = _one(params, "sort") or Sort.NEWEST.value
    try:
        sort = Sort(sort_value)
    except ValueError:
        known = ", ".join(s.value for s in Sort)
        raise FilterError("sort", f"{sort_value[:40]!r} is not one of {known}") from None
    posted_from, posted_to = _date(params, "from"), _date(params, "to")
    if posted_from and posted_to and posted_from > posted_to:
        raise FilterError("from", "the start date is after the end date")
    assignee = _one(params, "assignee")
    hidden = _one(params, "hidden")
    if hidden not in (None, "0", "1"):
        raise FilterError("hidden", "use 1 to include comments hidden on the wiki, or 0")
    return QueueFilter(
        consultation_ids=_ints(params, "consultation"),
        unit_keys=tuple(dict.fromkeys(_values(params, "unit"))),
        languages=tuple(dict.fromkeys(_values(params, "language"))),
        statuses=tuple(dict.fromkeys(statuses)),
        theme_ids=_ints(params, "theme"),
        authors=tuple(dict.fromkeys(_values(params, "author"))),
        assignee=None if assignee is None else ("" if assignee == "-" else assignee),
        posted_from=posted_from, posted_to=posted_to,
        q=q.strip(), include_hidden=hidden == "1", sort=sort,
    )


def clamp_page_size(raw: str | int | None) -> int:
    """The page size to use: the default when absent, else between 1 and MAX_PAGE_SIZE."""
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    text = str(raw).strip()
    if not text.lstrip("-").isdigit() or len(text) > 20:
        raise FilterError("limit", f"{text[:40]!r} is not an integer")
    return max(1, min(int(text), MAX_PAGE_SIZE))


# Cursors ---------------------------------------------------------------------------------

def _sign(key: bytes, payload: bytes) -> str:
    digest = hmac.new(key, b"convene-cursor\0" + payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def encode_cursor(key: bytes, sort: Sort, value: datetime | None, row_id: int) -> str:
    payload = json.dumps([sort.value, value.isoformat() if value else None, row_id],
                         separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(key, payload)}"


def decode_cursor(key: bytes, token: str, sort: Sort) -> tuple[datetime | None, int]:
    """The (sort value, id) a cursor points after; CursorError if forged or malformed."""
    if not isinstance(token, str) or len(token) > 200 or token.count(".") != 1:
        raise CursorError("malformed cursor")
    body, signature = token.split(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError):
        raise CursorError("malformed cursor") from None
    if not hmac.compare_digest(signature, _sign(key, payload)):
        raise CursorError("cursor signature does not match: it was altered or made elsewhere")
    try:
        sort_value, raw_value, row_id = json.loads(payload)
        value = datetime.fromisoformat(raw_value) if raw_value is not None else None
    except (ValueError, TypeError):
        raise CursorError("malformed cursor") from None
    if sort_value != sort.value:
        raise CursorError(f"cursor was made for sort {sort_value!r}, not {sort.value!r}")
    if not isinstance(row_id, int) or row_id < 0:
        raise CursorError("cursor id must be a non-negative integer")
    return value, row_id


# The queue -------------------------------------------------------------------------------

EXCERPT = 300


@dataclass
class QueueItem:
    """One row of the queue: what a list shows, without the full text, note or response."""

    id: int
    consultation_id: int
    page_title: str
    item_id: str
    parent_item_id: str | None
    heading: str
    author: str | None
    posted_at: datetime | None
    level: int
    language: str
    excerpt: str | None
    status: TriageStatus
    assignee: str | None
    hidden_reason: object
    updated_at: datetime
    wiki_revid: int | None
    themes: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)

    @classmethod
    def from_comment(cls, c: Comment) -> QueueItem:
        return cls(id=c.id, consultation_id=c.consultation_id, page_title=c.page_title,
                   item_id=c.item_id, parent_item_id=c.parent_item_id, heading=c.heading,
                   author=c.author, posted_at=c.posted_at, level=c.level, language=c.language,
                   excerpt=(c.text_plain or "")[:EXCERPT], status=c.status, assignee=c.assignee,
                   hidden_reason=c.hidden_reason, updated_at=c.updated_at,
                   wiki_revid=c.wiki_revid, themes=sorted(t.name for t in c.themes),
                   units=sorted(a.unit_key for a in c.anchors))


_ITEM_COLUMNS = (Comment.id, Comment.consultation_id, Comment.page_title, Comment.item_id,
                 Comment.parent_item_id, Comment.heading, Comment.author, Comment.posted_at,
                 Comment.level, Comment.language,
                 func.substr(Comment.text_plain, 1, EXCERPT).label("excerpt"), Comment.status,
                 Comment.assignee, Comment.hidden_reason, Comment.updated_at, Comment.wiki_revid)


def _items(session: Session, rows) -> list[QueueItem]:
    """QueueItems from column rows, with their themes and anchored units in two queries."""
    items = [QueueItem(*row) for row in rows]
    if not items:
        return items
    by_id = {item.id: item for item in items}
    for comment_id, name in session.execute(
            select(comment_themes.c.comment_id, Theme.name)
            .join(Theme, Theme.id == comment_themes.c.theme_id)
            .where(comment_themes.c.comment_id.in_(list(by_id))).order_by(Theme.name)):
        by_id[comment_id].themes.append(name)
    for comment_id, key in session.execute(
            select(Anchor.comment_id, Anchor.unit_key)
            .where(Anchor.comment_id.in_(list(by_id))).order_by(Anchor.unit_key)):
        by_id[comment_id].units.append(key)
    return items


@dataclass
class Page:
    items: list[QueueItem]
    limit: int
    next_cursor: str | None = None
    extra: dict = field(default_factory=dict)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_conditions(flt: QueueFilter, visible_ids: Collection[int]) -> list[ColumnElement]:
    """WHERE conditions for a filter, always limited to the consultations the user may see."""
    allowed = set(visible_ids)
    if flt.consultation_ids:
        allowed &= set(flt.consultation_ids)
    if not allowed:
        return [false()]
    conds: list[ColumnElement] = [Comment.consultation_id.in_(sorted(allowed))]
    if not flt.include_hidden:
        conds.append(Comment.hidden_reason.is_(None))
    if flt.statuses:
        conds.append(Comment.status.in_(flt.statuses))
    if flt.languages:
        conds.append(Comment.language.in_(flt.languages))
    if flt.authors:
        conds.append(Comment.author.in_(flt.authors))
    if flt.assignee is not None:
        conds.append(Comment.assignee.is_(None) | (Comment.assignee == "")
                     if flt.assignee == "" else Comment.assignee == flt.assignee)
    if flt.posted_from:
        conds.append(Comment.posted_at >= datetime.combine(flt.posted_from, datetime.min.time()))
    if flt.posted_to:
        end = datetime.combine(flt.posted_to + timedelta(days=1), datetime.min.time())
        conds.append(Comment.posted_at < end)
    # IN (subquery) rather than EXISTS: the planner can start from the few anchored comments.
    if flt.unit_keys:
        conds.append(Comment.id.in_(select(Anchor.comment_id)
                                    .where(Anchor.unit_key.in_(flt.unit_keys))))
    if flt.theme_ids:
        conds.append(Comment.id.in_(select(comment_themes.c.comment_id)
                                    .where(comment_themes.c.theme_id.in_(flt.theme_ids))))
    terms = query_terms(flt.q)
    if terms:
        # Text of hidden comments is never searchable, even if a purge has not reached it.
        conds.append(Comment.hidden_reason.is_(None))
        for term in terms:
            conds.append(Comment.search_text.like(f"%{_escape_like(term)}%", escape="\\"))
    return conds


def _order_and_after(sort: Sort, after: tuple[datetime | None, int] | None):
    if sort is Sort.UPDATED:
        order = [Comment.updated_at.desc(), Comment.id.desc()]
        if after is None:
            return order, None
        value, row_id = after
        if value is None:
            raise CursorError("cursor has no time for sort 'updated'")
        return order, or_(Comment.updated_at < value,
                          and_(Comment.updated_at == value, Comment.id < row_id))
    newest = sort is Sort.NEWEST
    column = Comment.posted_at
    order = [(column.desc() if newest else column.asc()).nulls_last(),
             Comment.id.desc() if newest else Comment.id.asc()]
    if after is None:
        return order, None
    value, row_id = after
    id_after = Comment.id < row_id if newest else Comment.id > row_id
    if value is None:  # already among the undated comments, which come last
        return order, and_(column.is_(None), id_after)
    beyond = column < value if newest else column > value
    return order, or_(beyond, and_(column == value, id_after), column.is_(None))


def _sort_value(sort: Sort, comment: QueueItem) -> datetime | None:
    return comment.updated_at if sort is Sort.UPDATED else comment.posted_at


def queue_page(session: Session, flt: QueueFilter, visible_ids: Collection[int], *,
               limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None,
               cursor_key: bytes = b"") -> Page:
    """One page of the filtered queue, with the cursor of the next page if there is one."""
    limit = clamp_page_size(limit)
    after = decode_cursor(cursor_key, cursor, flt.sort) if cursor else None
    order, after_cond = _order_and_after(flt.sort, after)
    conds = filter_conditions(flt, visible_ids)
    if after_cond is not None:
        conds.append(after_cond)
    # Plain columns rather than ORM objects: a page is read-only, and this is the hot path.
    rows = session.execute(select(*_ITEM_COLUMNS).where(*conds).order_by(*order)
                           .limit(limit + 1)).all()
    page = Page(items=_items(session, rows[:limit]), limit=limit)
    if len(rows) > limit:
        last = page.items[-1]
        page.next_cursor = encode_cursor(cursor_key, flt.sort, _sort_value(flt.sort, last), last.id)
    return page


def count_matching(session: Session, flt: QueueFilter, visible_ids: Collection[int],
                   cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many comments match, counting at most ``cap``: (count, whether it hit the cap)."""
    inner = select(Comment.id).where(*filter_conditions(flt, visible_ids)).limit(cap + 1).subquery()
    n = session.scalar(select(func.count()).select_from(inner)) or 0
    return min(n, cap), n > cap


# One comment -----------------------------------------------------------------------------

def get_comment(session: Session, comment_id: int, visible_ids: Collection[int]) -> Comment | None:
    """A comment the user may see, with its anchors, themes and earlier versions loaded."""
    comment = session.scalar(
        select(Comment).where(Comment.id == comment_id)
        .options(selectinload(Comment.anchors), selectinload(Comment.themes),
                 selectinload(Comment.versions)))
    if comment is None or comment.consultation_id not in set(visible_ids):
        return None
    return comment


def thread_of(session: Session, comment: Comment) -> list[QueueItem]:
    """The comments of the same section of the same page, in thread order (replies under parents)."""
    siblings = _items(session, session.execute(
        select(*_ITEM_COLUMNS).where(Comment.consultation_id == comment.consultation_id,
                                     Comment.page_title == comment.page_title,
                                     Comment.heading == comment.heading)
        .order_by(Comment.posted_at.asc().nulls_last(), Comment.id.asc()).limit(THREAD_LIMIT)).all())
    by_parent: dict[str | None, list[QueueItem]] = {}
    known = {c.item_id for c in siblings}
    for item in siblings:
        parent = item.parent_item_id if item.parent_item_id in known else None
        by_parent.setdefault(parent, []).append(item)
    ordered: list[QueueItem] = []
    stack = list(reversed(by_parent.get(None, [])))
    while stack:
        item = stack.pop()
        ordered.append(item)
        stack.extend(reversed(by_parent.get(item.item_id, [])))
    return ordered


def audit_of(session: Session, comment_id: int) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.comment_id == comment_id)
                                .order_by(AuditEntry.id.desc())))


def themes_of(session: Session, consultation_ids: Collection[int]) -> list[Theme]:
    if not consultation_ids:
        return []
    return list(session.scalars(select(Theme).where(Theme.consultation_id.in_(sorted(consultation_ids)))
                                .order_by(Theme.name)))


def languages_of(session: Session, consultation_ids: Collection[int]) -> list[str]:
    if not consultation_ids:
        return []
    return list(session.scalars(
        select(Comment.language).where(Comment.consultation_id.in_(sorted(consultation_ids)))
        .group_by(Comment.language).order_by(Comment.language)))
