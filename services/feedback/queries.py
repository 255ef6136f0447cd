"""The triage queue: filtering, search, sorting and keyset pagination over comments.

Pagination is keyset only: a page ends with a cursor naming the last row's sort key and
id, signed so a client cannot forge one; the next page starts strictly after it. There
is no OFFSET, so page 1,000 costs what page 1 costs.

Callers pass the set of consultation ids the user may see; nothing outside it is ever
returned, whatever the filter says.

The web app answers the common filters from memory (``services.feedback.queueindex``), with
the same pages and cursors; this SQL answers the rest (search, authors, dates, hidden
comments) and everything while an index is being made.
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
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Integer, bindparam, false, func, literal, select, tuple_, union_all
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlalchemy.sql.selectable import CompoundSelect

from services.feedback.models import (
    Anchor,
    AuditEntry,
    Comment,
    Theme,
    TriageStatus,
    comment_themes,
)
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
    NEWEST = "newest"  # posted_at, newest first; undated comments last
    OLDEST = "oldest"  # posted_at, oldest first; undated comments last
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
        posted_from=posted_from,
        posted_to=posted_to,
        q=q.strip(),
        include_hidden=hidden == "1",
        sort=sort,
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
    payload = json.dumps(
        [sort.value, value.isoformat() if value else None, row_id], separators=(",", ":")
    ).encode()
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


@dataclass(slots=True)
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
        return cls(
            id=c.id,
            consultation_id=c.consultation_id,
            page_title=c.page_title,
            item_id=c.item_id,
            parent_item_id=c.parent_item_id,
            heading=c.heading,
            author=c.author,
            posted_at=c.posted_at,
            level=c.level,
            language=c.language,
            excerpt=(c.text_plain or "")[:EXCERPT],
            status=c.status,
            assignee=c.assignee,
            hidden_reason=c.hidden_reason,
            updated_at=c.updated_at,
            wiki_revid=c.wiki_revid,
            themes=sorted(t.name for t in c.themes),
            units=sorted(a.unit_key for a in c.anchors),
        )


# The queue reads table columns (Core), not ORM attributes: a page is read-only, and
# skipping the ORM's entity machinery is most of what a hot read costs in Python.
_C = Comment.__table__.c
_THEME = Theme.__table__.c
_ANCHOR = Anchor.__table__.c
_LINK = comment_themes.c

_ITEM_COLUMNS = (
    _C.id,
    _C.consultation_id,
    _C.page_title,
    _C.item_id,
    _C.parent_item_id,
    _C.heading,
    _C.author,
    _C.posted_at,
    _C.level,
    _C.language,
    func.substr(_C.text_plain, 1, EXCERPT).label("excerpt"),
    _C.status,
    _C.assignee,
    _C.hidden_reason,
    _C.updated_at,
    _C.wiki_revid,
)


def _labels_of(comment_ids) -> CompoundSelect:
    """The themes (kind 0) and anchored units (kind 1) of the comments ``comment_ids``
    names (a list parameter or a subquery), in one read, in the order they are shown."""
    return union_all(
        select(_LINK.comment_id, literal(0).label("kind"), _THEME.name.label("label"))
        .join_from(comment_themes, Theme.__table__)
        .where(_LINK.comment_id.in_(comment_ids)),
        select(_ANCHOR.comment_id, literal(1), _ANCHOR.unit_key).where(
            _ANCHOR.comment_id.in_(comment_ids)
        ),
    ).order_by("kind", "label")


# A page's comments; a consultation's live comments (the queue index holds them all).
_LABELS = _labels_of(bindparam("ids", expanding=True))
_LIVE_IN_CONSULTATION = (
    _C.consultation_id == bindparam("consultation_id"),
    _C.hidden_reason.is_(None),
)
_LIVE_ITEMS = select(*_ITEM_COLUMNS).where(*_LIVE_IN_CONSULTATION)
_LIVE_LABELS = _labels_of(select(_C.id).where(*_LIVE_IN_CONSULTATION))


def _add_labels(items: dict[int, QueueItem], labels) -> None:
    for comment_id, kind, label in labels:
        item = items.get(comment_id)
        if item is not None:
            (item.units if kind else item.themes).append(label)


def _items(session: Session, rows) -> list[QueueItem]:
    """QueueItems from column rows, with their themes and anchored units."""
    items = [QueueItem(*row) for row in rows]
    if items:
        by_id = {item.id: item for item in items}
        _add_labels(by_id, session.execute(_LABELS, {"ids": list(by_id)}))
    return items


def live_items(session: Session, consultation_id: int) -> dict[int, QueueItem]:
    """Every live comment of the consultation as the queue shows it, by id: two reads,
    however many comments (the in-memory queue index holds them)."""
    params = {"consultation_id": consultation_id}
    items = {row[0]: QueueItem(*row) for row in session.execute(_LIVE_ITEMS, params)}
    _add_labels(items, session.execute(_LIVE_LABELS, params))
    return items


@dataclass
class Page:
    items: list[QueueItem]
    limit: int
    next_cursor: str | None = None
    extra: dict = field(default_factory=dict)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def allowed_ids(flt: QueueFilter, visible_ids: Collection[int]) -> frozenset[int]:
    """The consultations a filtered queue reads: those chosen, among those the user may see."""
    allowed = frozenset(visible_ids)
    return allowed & frozenset(flt.consultation_ids) if flt.consultation_ids else allowed


class Link(enum.Enum):
    """How a filter on anchored units or themes (a link table) is read.

    DRIVE: the planner may start from the linked comments (``id IN (links)``), look each up
    and sort them: cheap while they are few. PROBE: the queue index is walked in order and
    each entry probed against the links (``+id IN (links)``; the unary plus keeps SQLite
    from driving by it): a page of a dense link is found after a short walk, where
    driving would look up and sort every linked comment (thousands, for a popular unit).
    """

    DRIVE = "drive"
    PROBE = "probe"


# Above this many links a filter is probed (SQLite): a page then ends after a short walk.
# Below it, looking every linked comment up costs less than the walk a sparse link needs.
PROBE_ABOVE = 1000


class _Shape(NamedTuple):
    """Which conditions a filter has. Queries of one shape differ only in their parameters,
    so each shape's statement is built once (building one costs more than running it)."""

    statuses: bool
    languages: bool
    authors: bool
    assignee: str | None  # None, "unassigned" or "named"
    posted_from: bool
    posted_to: bool
    units: Link | None
    themes: Link | None
    terms: int
    include_hidden: bool


# How many links a unit or theme filter has, counted up to the first past PROBE_ABOVE.
_UNIT_LINKS = select(func.count()).select_from(
    select(literal(1))
    .where(_ANCHOR.unit_key.in_(bindparam("values", expanding=True)))
    .limit(bindparam("cap", type_=Integer))
    .subquery()
)
_THEME_LINKS = select(func.count()).select_from(
    select(literal(1))
    .where(_LINK.theme_id.in_(bindparam("values", expanding=True)))
    .limit(bindparam("cap", type_=Integer))
    .subquery()
)


def _link_mode(session: Session | None, statement, values) -> Link | None:
    """How a link filter with these values is read: see ``Link``. Only where ``session``
    is given (a page, on SQLite: PostgreSQL's planner weighs the LIMIT itself)."""
    if not values:
        return None
    if session is None:
        return Link.DRIVE
    bind = session.get_bind() if isinstance(session, Session) else session
    if bind.dialect.name != "sqlite":
        return Link.DRIVE
    links = session.scalar(statement, {"values": list(values), "cap": PROBE_ABOVE + 1})
    return Link.PROBE if links > PROBE_ABOVE else Link.DRIVE


def _walks_short(flt: QueueFilter) -> bool:
    """Whether a probed link filter's walk can end soon: the walk is over a queue index that
    applies every other condition (chosen consultations, status, language, time order), so
    each entry walked fails only the link. Otherwise the other conditions thin the matches
    out too, and driving by the links costs less."""
    return (
        bool(flt.consultation_ids)
        and flt.sort is not Sort.UPDATED
        and not flt.q
        and not flt.authors
        and flt.assignee is None
        and not flt.posted_from
        and not flt.posted_to
        and not (flt.unit_keys and flt.theme_ids)
    )


def _shape(flt: QueueFilter, session: Session | None = None) -> tuple[_Shape, dict]:
    """The filter's shape and the parameters its statement takes (not the consultations).
    With a session (a page's read), a unit or theme filter is read the way its size suits
    (``Link``)."""
    if session is not None and not _walks_short(flt):
        session = None
    terms = query_terms(flt.q)
    params: dict = {}
    if flt.statuses:
        params["statuses"] = list(flt.statuses)
    if flt.languages:
        params["languages"] = list(flt.languages)
    if flt.authors:
        params["authors"] = list(flt.authors)
    if flt.assignee:
        params["assignee"] = flt.assignee
    if flt.posted_from:
        params["posted_from"] = datetime.combine(flt.posted_from, datetime.min.time())
    if flt.posted_to:
        params["posted_to"] = datetime.combine(
            flt.posted_to + timedelta(days=1), datetime.min.time()
        )
    if flt.unit_keys:
        params["units"] = list(flt.unit_keys)
    if flt.theme_ids:
        params["themes"] = list(flt.theme_ids)
    for n, term in enumerate(terms):
        params[f"term{n}"] = f"%{_escape_like(term)}%"
    assignee = None if flt.assignee is None else ("unassigned" if flt.assignee == "" else "named")
    return _Shape(
        bool(flt.statuses),
        bool(flt.languages),
        bool(flt.authors),
        assignee,
        bool(flt.posted_from),
        bool(flt.posted_to),
        _link_mode(session, _UNIT_LINKS, flt.unit_keys),
        _link_mode(session, _THEME_LINKS, flt.theme_ids),
        len(terms),
        flt.include_hidden,
    ), params


def _linked(link: Link) -> ColumnElement:
    """The comment id as a link filter compares it: itself, or (PROBE) an expression equal
    to it, which no index serves, so the planner walks the queue index instead."""
    if link is Link.PROBE:
        return UnaryExpression(_C.id, operator=operators.custom_op("+"), type_=_C.id.type)
    return _C.id


def _conditions(shape: _Shape) -> list[ColumnElement]:
    """The conditions of a shape other than the consultation, with its parameters unbound."""

    def many(name: str):
        return bindparam(name, expanding=True)

    conds: list[ColumnElement] = []
    if not shape.include_hidden:
        # Spelled exactly as the partial queue indexes' predicate, so both databases use them.
        conds.append(_C.hidden_reason.is_(None))
    if shape.statuses:
        conds.append(_C.status.in_(many("statuses")))
    if shape.languages:
        conds.append(_C.language.in_(many("languages")))
    if shape.authors:
        conds.append(_C.author.in_(many("authors")))
    if shape.assignee == "unassigned":
        conds.append(_C.assignee.is_(None) | (_C.assignee == ""))
    elif shape.assignee == "named":
        conds.append(_C.assignee == bindparam("assignee"))
    if shape.posted_from:
        conds.append(_C.posted_at >= bindparam("posted_from"))
    if shape.posted_to:
        conds.append(_C.posted_at < bindparam("posted_to"))
    # IN (subquery) rather than EXISTS: the list is read once, and either drives the query
    # or is probed while an index is walked (``Link``); a correlated EXISTS would probe the
    # link table once per comment walked.
    if shape.units:
        conds.append(
            _linked(shape.units).in_(
                select(_ANCHOR.comment_id).where(_ANCHOR.unit_key.in_(many("units")))
            )
        )
    if shape.themes:
        conds.append(
            _linked(shape.themes).in_(
                select(_LINK.comment_id).where(_LINK.theme_id.in_(many("themes")))
            )
        )
    if shape.terms and shape.include_hidden:
        # Text of hidden comments is never searchable, even if a purge has not reached it.
        conds.append(_C.hidden_reason.is_(None))
    for n in range(shape.terms):
        conds.append(_C.search_text.like(bindparam(f"term{n}"), escape="\\"))
    return conds


def filter_conditions(flt: QueueFilter, visible_ids: Collection[int]) -> list[ColumnElement]:
    """WHERE conditions for a filter, always limited to the consultations the user may see."""
    allowed = allowed_ids(flt, visible_ids)
    if not allowed:
        return [false()]
    shape, params = _shape(flt)
    return [
        _C.consultation_id.in_(sorted(allowed)),
        *(cond.params(params) for cond in _conditions(shape)),
    ]


Order = tuple[tuple[str, bool], ...]  # (column name, descending) in turn


class _Segment(NamedTuple):
    """One index range a page is read from, in one direction, from its start or a cursor."""

    kind: str  # "updated", "dated" or "undated"
    descending: bool
    after: bool  # starts after a cursor's (value, id)


def _segments(sort: Sort, after: tuple[datetime | None, int] | None) -> list[_Segment]:
    """The page's query in index order: the segments it is read from, in turn.

    NEWEST and OLDEST put undated comments last. Rather than ``NULLS LAST`` (which SQLite
    and PostgreSQL indexes serve differently) that is two segments, each a plain range of
    an index: the dated comments by (posted_at, id), then the undated ones by id.
    """
    if sort is Sort.UPDATED:
        if after is not None and after[0] is None:
            raise CursorError("cursor has no time for sort 'updated'")
        return [_Segment("updated", True, after is not None)]
    newest = sort is Sort.NEWEST
    if after is not None and after[0] is None:  # already among the undated comments
        return [_Segment("undated", newest, True)]
    return [_Segment("dated", newest, after is not None), _Segment("undated", newest, False)]


def _segment_terms(segment: _Segment) -> tuple[list[ColumnElement], Order]:
    """A segment's conditions (after the cursor's :after_value and :after_id) and order."""
    down = segment.descending

    def beyond(left, right):
        return left < right if down else left > right

    after_id = bindparam("after_id", type_=_C.id.type)
    if segment.kind == "undated":
        conds = [_C.posted_at.is_(None)] + ([beyond(_C.id, after_id)] if segment.after else [])
        return conds, (("id", down),)
    column = _C.updated_at if segment.kind == "updated" else _C.posted_at
    conds = [] if segment.kind == "updated" else [_C.posted_at.is_not(None)]
    if segment.after:
        # One row-value comparison, which an index range serves.
        conds.append(
            beyond(
                tuple_(column, _C.id), tuple_(bindparam("after_value", type_=column.type), after_id)
            )
        )
    return conds, ((column.name, down), ("id", down))


def _order_by(columns, order: Order) -> list:
    return [
        columns[name].desc() if descending else columns[name].asc() for name, descending in order
    ]


@lru_cache(maxsize=1024)
def _keys_statement(shape: _Shape, segment: _Segment):
    conds, order = _segment_terms(segment)
    sort_column = _C.updated_at if segment.kind == "updated" else _C.posted_at
    return (
        select(_C.id, _C.consultation_id, sort_column)
        .where(
            _C.consultation_id.in_(bindparam("consultations", expanding=True)),
            *_conditions(shape),
            *conds,
        )
        .order_by(*_order_by(_C, order))
        .limit(bindparam("limit", type_=Integer))
    )


@lru_cache(maxsize=256)
def _count_statement(shape: _Shape):
    matching = (
        select(_C.id)
        .where(
            _C.consultation_id.in_(bindparam("consultations", expanding=True)), *_conditions(shape)
        )
        .limit(bindparam("cap", type_=Integer))
        .subquery()
    )
    return select(func.count()).select_from(matching)


@dataclass(frozen=True)
class PageKeys:
    """Which comments a page of the queue shows, in order, and where the next page starts."""

    rows: tuple[tuple[int, int], ...]  # (comment id, consultation id)
    limit: int
    next_cursor: str | None = None

    @property
    def ids(self) -> list[int]:
        return [comment_id for comment_id, _ in self.rows]


def page_keys(
    session: Session,
    flt: QueueFilter,
    visible_ids: Collection[int],
    *,
    limit: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
    cursor_key: bytes = b"",
) -> PageKeys:
    """Which comments one page of the filtered queue shows, and the next page's cursor.

    Only ids and the sort key are read, so the common filters are answered from a queue
    index alone, without reading a comment row.
    """
    limit = clamp_page_size(limit)
    after = decode_cursor(cursor_key, cursor, flt.sort) if cursor else None
    allowed = allowed_ids(flt, visible_ids)
    rows: list = []
    if allowed:
        shape, params = _shape(flt, session)
        params["consultations"] = sorted(allowed)
        if after is not None:
            params["after_value"], params["after_id"] = after
        for segment in _segments(flt.sort, after):
            wanted = limit + 1 - len(rows)
            if wanted <= 0:
                break
            rows.extend(
                session.execute(_keys_statement(shape, segment), {**params, "limit": wanted}).all()
            )
    next_cursor = None
    if len(rows) > limit:
        last_id, _, last_value = rows[limit - 1]
        next_cursor = encode_cursor(cursor_key, flt.sort, last_value, last_id)
    return PageKeys(tuple((row[0], row[1]) for row in rows[:limit]), limit, next_cursor)


_ITEMS_BY_ID = select(*_ITEM_COLUMNS).where(_C.id.in_(bindparam("ids", expanding=True)))


def items_by_id(session: Session, ids: Collection[int]) -> dict[int, QueueItem]:
    """The queue rows of these comments, by id (a comment deleted meanwhile is left out)."""
    if not ids:
        return {}
    rows = session.execute(_ITEMS_BY_ID, {"ids": list(ids)}).all()
    return {item.id: item for item in _items(session, rows)}


def queue_page(
    session: Session,
    flt: QueueFilter,
    visible_ids: Collection[int],
    *,
    limit: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
    cursor_key: bytes = b"",
) -> Page:
    """One page of the filtered queue, with the cursor of the next page if there is one."""
    keys = page_keys(session, flt, visible_ids, limit=limit, cursor=cursor, cursor_key=cursor_key)
    found = items_by_id(session, keys.ids)
    return Page(
        items=[found[i] for i in keys.ids if i in found],
        limit=keys.limit,
        next_cursor=keys.next_cursor,
    )


def count_matching(
    session: Session, flt: QueueFilter, visible_ids: Collection[int], cap: int = COUNT_CAP
) -> tuple[int, bool]:
    """How many comments match, counting at most ``cap``: (count, whether it hit the cap)."""
    allowed = allowed_ids(flt, visible_ids)
    if not allowed:
        return 0, False
    # Counting reads every match (up to the cap): driven by the links, never a walk.
    shape, params = _shape(flt)
    n = (
        session.scalar(
            _count_statement(shape), {**params, "consultations": sorted(allowed), "cap": cap + 1}
        )
        or 0
    )
    return min(n, cap), n > cap


# One comment -----------------------------------------------------------------------------


def get_comment(session: Session, comment_id: int, visible_ids: Collection[int]) -> Comment | None:
    """A comment the user may see, with its anchors, themes and earlier versions loaded."""
    comment = session.scalar(
        select(Comment)
        .where(Comment.id == comment_id)
        .options(
            selectinload(Comment.anchors),
            selectinload(Comment.themes),
            selectinload(Comment.versions),
        )
    )
    if comment is None or comment.consultation_id not in set(visible_ids):
        return None
    return comment


def thread_of(session: Session, comment: Comment) -> list[QueueItem]:
    """The comments of the same section of the same page, in thread order (replies under parents)."""
    siblings = _items(
        session,
        session.execute(
            select(*_ITEM_COLUMNS)
            .where(
                _C.consultation_id == comment.consultation_id,
                _C.page_title == comment.page_title,
                _C.heading == comment.heading,
            )
            .order_by(_C.posted_at.asc().nulls_last(), _C.id.asc())
            .limit(THREAD_LIMIT)
        ).all(),
    )
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
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.comment_id == comment_id)
            .order_by(AuditEntry.id.desc())
        )
    )


def themes_of(session: Session, consultation_ids: Collection[int]) -> list[Theme]:
    if not consultation_ids:
        return []
    return list(
        session.scalars(
            select(Theme)
            .where(Theme.consultation_id.in_(sorted(consultation_ids)))
            .order_by(Theme.name)
        )
    )


# The next language after :after among one consultation's live comments: one seek in the
# (consultation, language) queue index, where GROUP BY would read every entry.
_NEXT_LANGUAGE = select(func.min(_C.language)).where(
    _C.consultation_id == bindparam("consultation_id"),
    _C.hidden_reason.is_(None),
    _C.language > bindparam("after"),
)


def languages_of(session: Session, consultation_ids: Collection[int]) -> list[str]:
    """The languages of the comments the queue shows (not hidden) in these consultations."""
    found: set[str] = set()
    for consultation_id in sorted(consultation_ids):
        after = ""
        while (
            after := session.scalar(
                _NEXT_LANGUAGE, {"consultation_id": consultation_id, "after": after}
            )
        ) is not None:
            found.add(after)
    return sorted(found)
