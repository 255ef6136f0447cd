"""The triage queue of one consultation held in memory as bitmaps, for the common filters.

A queue page filtered by consultation, status, language, unit or theme is, in SQL, a walk
of an index that stops at the page's end; which walk is cheap depends on how the filters
combine (see ``queries.Link``), and a count reads every match. The working group's filters
combine freely, so most queries are new to a cache, and each costs a few milliseconds.

Here a consultation's live comments (those not hidden on the wiki) are put in queue order
once per data version (``services.feedback.versions``): a comment's position in that order
is its bit, and each filter value (a status, a language, a unit's anchors, a theme's
links) is a set of positions, a Python int used as a bitmap. A filter is then the AND of
the ORs of its values; a page is the first set bits after the cursor's position; a count
is the number of set bits. That costs tens of microseconds whatever the filter, as search
engines answer facets with bitmaps. A search term's bitmap is found by a scan of the
comments' folded texts the first time it is asked for, then kept with the index.

An index is made off the request path (``IndexCache``): until the one for the version a
request has seen is ready, SQL answers, so a write never makes the next page wait. Queries
the index does not answer (authors, assignee, dates, hidden comments) stay
with SQL (``answers``). Pages and cursors are exactly those of ``queries.page_keys``; the
tests compare both with an oracle.
"""

from __future__ import annotations

import gc
import heapq
import logging
import os
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from itertools import islice
from operator import itemgetter

from sqlalchemy import String, bindparam, select, type_coerce
from sqlalchemy.orm import Session

from services.feedback import queries
from services.feedback.models import Anchor, Comment, Theme, comment_themes
from services.feedback.queries import CursorError, PageKeys, QueueFilter, Sort
from services.feedback.searchtext import query_terms
from services.feedback.versions import data_versions

log = logging.getLogger(__name__)

_C = Comment.__table__.c
_LIVE = _C.hidden_reason.is_(None)
# Sort values and statuses are kept as the database returns them (on SQLite, text that
# sorts as SQLite sorts it), converted only where a cursor is read or written: converting
# every one costs more than the rest of the index.
_RAW = String()
# In queue order, sorted by the database (in C, and as it compares): dated comments newest
# first, then undated ones; the order by last change newest first.
_POSTED_ROWS = (
    select(
        _C.id,
        type_coerce(_C.posted_at, _RAW),
        type_coerce(_C.status, _RAW),
        _C.language,
        _C.search_text,
    )
    .where(_C.consultation_id == bindparam("consultation_id"), _LIVE)
    .order_by(_C.posted_at.is_(None), _C.posted_at.desc(), _C.id.desc())
)
_UPDATED_ROWS = (
    select(_C.id, type_coerce(_C.updated_at, _RAW))
    .where(_C.consultation_id == bindparam("consultation_id"), _LIVE)
    .order_by(_C.updated_at.desc(), _C.id.desc())
)
_A = Anchor.__table__.c
_UNIT_LINKS = select(_A.comment_id, _A.unit_key).where(
    _A.comment_id.in_(
        select(_C.id).where(_C.consultation_id == bindparam("consultation_id"), _LIVE)
    )
)
_THEME_LINKS = (
    select(comment_themes.c.comment_id, comment_themes.c.theme_id)
    .join_from(comment_themes, Theme.__table__)
    .where(Theme.__table__.c.consultation_id == bindparam("consultation_id"))
)


def answers(flt: QueueFilter) -> bool:
    """Whether the index answers this filter (else SQL does)."""
    return not (
        flt.authors
        or flt.assignee is not None
        or flt.posted_from
        or flt.posted_to
        or flt.include_hidden
    )


@contextmanager
def _collector_paused():
    """Python's cycle collector paused while an index is made: its tens of thousands of
    new tuples would set off collections that walk the process's whole heap (the result
    cache included), costing more than the index; they hold no cycles to collect."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _bitmaps_of_codes(codes: bytes, values: list) -> dict[object, int]:
    """{value: bitmap} from one byte per position, the index of its value in ``values``."""
    bitmaps = {}
    for code, value in enumerate(values):
        table = bytes(49 if i == code else 48 for i in range(256))  # "1" where it is the value
        # Position p is bit p: the last digit of the binary number read.
        bitmaps[value] = int(codes.translate(table)[::-1], 2)
    return bitmaps


# Bytes 0 and 1 as the digits of a binary number; how many search terms an order keeps.
_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_TERMS_KEPT = 128


class _Order:
    """The consultation's live comments in one order: ids by position, each one's sort
    value, and a bitmap over these positions for every filter value."""

    def __init__(self, rows: list, dated: int, links: dict[str, list]):
        """``rows`` are (id, sort value, status as stored, language, search text) in order;
        ``links`` the (comment id, unit key) and (comment id, theme id) pairs, by kind
        ("unit", "theme")."""
        n = len(rows)
        self.ids = [row[0] for row in rows]
        self.values = [row[1] for row in rows]
        self.texts = [row[4] or "" for row in rows]
        self._terms: dict[str, tuple[bytes, int]] = {}
        # Another order of the same comments finds a term's matches here, rearranged (in C),
        # rather than by a scan of its own (``same_comments_as``).
        self._source: tuple[_Order, Callable] | None = None
        self.dated = dated  # positions [0, dated) have a value; the rest are undated
        self.everything = (1 << n) - 1
        self.bitmaps: dict[tuple[str, object], int] = {}
        # A status's or a language's bitmap is made in C: the position's value as a byte,
        # translated to the digits of a binary number. (A consultation has a few statuses and
        # languages; more than 256 languages would be read as a link is.)
        for kind, column in (("status", 2), ("language", 3)):
            values = list(dict.fromkeys(row[column] for row in rows))
            if len(values) <= 256:
                index = {value: code for code, value in enumerate(values)}
                codes = bytes([index[row[column]] for row in rows])
                self.bitmaps.update(
                    ((kind, value), bits)
                    for value, bits in _bitmaps_of_codes(codes, values).items()
                )
            else:
                links = {**links, kind: [(row[0], row[column]) for row in rows]}
        position = {comment_id: p for p, comment_id in enumerate(self.ids)}
        digits: dict[tuple[str, object], bytearray] = {}
        for kind, pairs in links.items():
            for comment_id, value in pairs:
                p = position.get(comment_id)
                if p is not None:
                    text = digits.get((kind, value))
                    if text is None:
                        text = digits[kind, value] = bytearray(b"0") * n
                    text[p] = 49
        self.bitmaps.update((key, int(text[::-1], 2)) for key, text in digits.items())

    def __len__(self) -> int:
        return len(self.ids)

    def term(self, term: str) -> int:
        """The positions of the comments whose search text holds ``term`` (folded), as
        SQL's ``LIKE '%term%'`` finds them. Found by a scan of every text the first time a
        term is asked for (milliseconds), then kept: the working group searches for the same
        few words again and again."""
        return self._term(term)[1]

    def _term(self, term: str) -> tuple[bytes, int]:
        """Whether each position's text holds the term (a byte, 0 or 1), and as a bitmap."""
        kept = self._terms.get(term)
        if kept is None:
            if len(self._terms) >= _TERMS_KEPT:
                self._terms.clear()
            if self._source is not None:
                source, rearrange = self._source
                found = bytes(rearrange(source._term(term)[0]))
            else:
                found = bytes([term in text for text in self.texts])
            kept = self._terms[term] = (found, int(found.translate(_DIGITS)[::-1] or b"0", 2))
        return kept

    def same_comments_as(self, source: _Order) -> None:
        """Find search terms through ``source``, an order of the same comments."""
        position = {comment_id: p for p, comment_id in enumerate(source.ids)}
        at = [position[comment_id] for comment_id in self.ids]
        if len(at) > 1:  # itemgetter of one index gives an item, not a tuple
            self._source = (source, itemgetter(*at))

    def matching(self, flt: QueueFilter) -> int:
        """The positions of the comments that match the filter."""
        bitmap = self.everything
        for term in query_terms(flt.q):
            bitmap &= self.term(term)
        statuses = [status.value for status in flt.statuses]  # as the database stores them
        for kind, values in (
            ("status", statuses),
            ("language", flt.languages),
            ("unit", flt.unit_keys),
            ("theme", flt.theme_ids),
        ):
            if values:
                any_of = 0
                for value in values:
                    any_of |= self.bitmaps.get((kind, value), 0)
                bitmap &= any_of
        return bitmap

    @staticmethod
    def first(lo: int, hi: int, before: Callable[[int], bool]) -> int:
        """The first position in [lo, hi) where ``before`` turns false (it must turn once)."""
        return lo + bisect_left(range(lo, hi), True, key=lambda p: not before(p))


def _ranges(
    order: _Order, sort: Sort, after: tuple[object, int] | None
) -> list[tuple[int, int, bool]]:
    """The position ranges a page is read from, in turn: (start, end, descending).

    Positions follow NEWEST (and UPDATED) order: dated comments by (value, id) descending,
    then undated ones by id descending. OLDEST reads both blocks backwards."""
    n, dated, ids, values = len(order), order.dated, order.ids, order.values
    if sort is Sort.OLDEST:
        if after is None:
            return [(0, dated, True), (dated, n, True)]
        value, after_id = after
        if value is None:  # among the undated: ids above the cursor's
            return [(dated, order.first(dated, n, lambda p: ids[p] > after_id), True)]
        end = order.first(0, dated, lambda p: (values[p], ids[p]) > (value, after_id))
        return [(0, end, True), (dated, n, True)]
    if after is None:
        return [(0, n, False)]
    value, after_id = after
    if value is None:
        if sort is Sort.UPDATED:
            raise CursorError("cursor has no time for sort 'updated'")
        return [(order.first(dated, n, lambda p: ids[p] >= after_id), n, False)]
    return [(order.first(0, dated, lambda p: (values[p], ids[p]) >= (value, after_id)), n, False)]


# Bits are read a window at a time: a page is usually found in the first one, and turning
# a window into text costs far less than turning a whole consultation's bitmap into text.
_WINDOW = 2048


def _positions(bitmap: int, ranges: list[tuple[int, int, bool]], wanted: int) -> list[int]:
    """Up to ``wanted`` set positions of ``bitmap``, range by range, each in its direction."""
    found: list[int] = []
    if not bitmap:
        return found
    for start, end, descending in ranges:
        end = min(end, bitmap.bit_length())
        while len(found) < wanted and start < end:
            low = max(start, end - _WINDOW) if descending else start
            high = end if descending else min(end, start + _WINDOW)
            window = (bitmap >> low) & ((1 << (high - low)) - 1)
            if window:
                bits = bin(window)[:1:-1]  # position low + i is bits[i]
                if descending:
                    at = len(bits)
                    while len(found) < wanted and (at := bits.rfind("1", 0, at)) >= 0:
                        found.append(low + at)
                else:
                    at = -1
                    while len(found) < wanted and (at := bits.find("1", at + 1)) >= 0:
                        found.append(low + at)
            if descending:
                end = low
            else:
                start = high
    return found


class QueueIndex:
    """One consultation's live comments at one data version, in bitmaps; see the module.
    Made whole, then only read, so threads share it without locks."""

    def __init__(self, session: Session, consultation_id: int, version: int | None):
        self.consultation_id, self.version = consultation_id, version
        self.built = time.monotonic()  # the cache's clock, where a cache makes it
        cid = {"consultation_id": consultation_id}
        with _collector_paused():
            rows = session.execute(_POSTED_ROWS, cid).all()
            links = {
                "unit": session.execute(_UNIT_LINKS, cid).all(),
                "theme": session.execute(_THEME_LINKS, cid).all(),
            }
            dated = sum(1 for row in rows if row[1] is not None)
            self.posted = _Order(rows, dated, links)
            by_id = {row[0]: row for row in rows}
            by_update = [
                (comment_id, updated, *by_id[comment_id][2:])
                for comment_id, updated in session.execute(_UPDATED_ROWS, cid).all()
                if comment_id in by_id
            ]
            self.updated = _Order(by_update, len(by_update), links)
            self.updated.same_comments_as(self.posted)
            self.items = queries.live_items(session, consultation_id)

    def page(
        self, flt: QueueFilter, after: tuple[object, int] | None, wanted: int
    ) -> list[tuple[int, object]]:
        """Up to ``wanted`` (comment id, sort value) after the cursor's (value, id), in order."""
        order = self.updated if flt.sort is Sort.UPDATED else self.posted
        positions = _positions(order.matching(flt), _ranges(order, flt.sort, after), wanted)
        return [(order.ids[p], order.values[p]) for p in positions]

    def count(self, flt: QueueFilter) -> int:
        return self.posted.matching(flt).bit_count()


def _merge_key(sort: Sort) -> tuple[Callable, bool]:
    """How pages of several consultations interleave: a key, and whether it descends."""
    if sort is Sort.OLDEST:  # dated ascending, then undated by id ascending
        return (lambda row: (row[1][1] is None, row[1][1], row[1][0])), False
    if sort is Sort.NEWEST:  # dated descending, then undated by id descending
        return (lambda row: (-(row[1][1] is None), row[1][1], row[1][0])), True
    return (lambda row: (row[1][1], row[1][0])), True


@lru_cache(maxsize=8)
def _converters(dialect) -> tuple[Callable, Callable]:
    """Sort values from a cursor (datetime) to the index (as the database returns them),
    and back, for this dialect."""
    column_type = _C.posted_at.type.dialect_impl(dialect)
    return (
        column_type.bind_processor(dialect) or (lambda v: v),
        column_type.result_processor(dialect, None) or (lambda v: v),
    )


def page_keys(
    session: Session,
    indexes: Collection[QueueIndex],
    flt: QueueFilter,
    *,
    limit: int,
    cursor: str | None,
    cursor_key: bytes,
) -> PageKeys:
    """One page of the filtered queue over these consultations' indexes: the same page, and
    the same cursor, as ``queries.page_keys`` gives. ``session`` only tells the dialect."""
    limit = queries.clamp_page_size(limit)
    to_index, from_index = _converters(session.get_bind().dialect)
    after = None
    if cursor:
        value, after_id = queries.decode_cursor(cursor_key, cursor, flt.sort)
        after = (None if value is None else to_index(value), after_id)
    key, descending = _merge_key(flt.sort)
    pages = [
        [(index.consultation_id, row) for row in index.page(flt, after, limit + 1)]
        for index in indexes
    ]
    rows = list(islice(heapq.merge(*pages, key=key, reverse=descending), limit + 1))
    next_cursor = None
    if len(rows) > limit:
        _, (last_id, last_value) = rows[limit - 1]
        value = None if last_value is None else from_index(last_value)
        next_cursor = queries.encode_cursor(cursor_key, flt.sort, value, last_id)
    return PageKeys(
        tuple((row[0], consultation_id) for consultation_id, row in rows[:limit]),
        limit,
        next_cursor,
    )


def count_matching(
    indexes: Collection[QueueIndex], flt: QueueFilter, cap: int = queries.COUNT_CAP
) -> tuple[int, bool]:
    """How many comments match, as ``queries.count_matching`` tells it (capped)."""
    n = sum(index.count(flt) for index in indexes)
    return min(n, cap), n > cap


class IndexCache:
    """Each consultation's newest index in this process, made in the background.

    ``get`` gives an index only if it holds at least the data version asked for and is
    younger than ``ttl`` seconds (a write that bypassed the ORM did not move a version);
    otherwise it asks for a new one and gives None, and SQL answers meanwhile. Indexes are
    made one at a time, each in its own session of ``sessions`` (a context manager
    factory, as ``Database.session``), on a thread of their own, or in the caller's
    thread where ``background`` is false. At most ``max_consultations`` are kept, the
    least recently used let go first.

    While the working group triages, every change moves a version. In the background, a
    consultation's index is therefore made again only after ``rest`` times as long as it
    last took to make has passed: making indexes takes at most a fraction 1 / (1 + rest)
    of a process's time, however fast the changes come, and SQL answers in between."""

    def __init__(
        self,
        sessions: Callable,
        ttl: float,
        *,
        background: bool = True,
        rest: float = 4.0,
        max_consultations: int = 32,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.sessions, self.ttl, self.background, self.rest = sessions, ttl, background, rest
        self.max_consultations, self._clock = max_consultations, clock
        self._indexes: dict[int, QueueIndex] = {}
        self._pending: dict[int, Future] = {}
        self._not_before: dict[int, float] = {}  # when each may be made again
        self._lock = threading.Lock()
        self._builder: ThreadPoolExecutor | None = None
        self._pid = os.getpid()
        self.builds = 0

    def get(self, consultation_id: int, version: int | None) -> QueueIndex | None:
        with self._lock:
            if self._pid != os.getpid():
                # Forked from a process that made the builder (a preloading server): the
                # builder's thread, and what it was making, stayed behind.
                self._pid, self._builder = os.getpid(), None
                self._pending.clear()
            index = self._indexes.get(consultation_id)
            if index is not None and self._current(index, version):
                self._indexes[consultation_id] = self._indexes.pop(consultation_id)
                return index
            if (
                self.background
                and consultation_id not in self._pending
                and self._clock() >= self._not_before.get(consultation_id, 0.0)
            ):
                if self._builder is None:
                    self._builder = ThreadPoolExecutor(1, thread_name_prefix="queue-index")
                self._pending[consultation_id] = self._builder.submit(self._build, consultation_id)
        if self.background:
            return None
        index = self._build(consultation_id)
        return index if index is not None and self._current(index, version) else None

    def prime(self, consultation_ids: Collection[int]) -> int:
        """Make the indexes of these consultations now, in the caller's thread (a server
        warming up before it takes requests); how many were made."""
        return sum(
            self._build(cid) is not None for cid in list(consultation_ids)[: self.max_consultations]
        )

    def wait(self) -> None:
        """Until the indexes asked for so far are made (for tests and benchmarks)."""
        while True:
            with self._lock:
                pending = list(self._pending.values())
            if not pending:
                return
            for future in pending:
                future.result()

    def _current(self, index: QueueIndex, version: int | None) -> bool:
        return (
            version is not None
            and index.version is not None
            and index.version >= version
            and index.built + self.ttl >= self._clock()
        )

    def _build(self, consultation_id: int) -> QueueIndex | None:
        """A new index of the consultation, kept unless a newer one was made meanwhile; None
        (and SQL answers) if it cannot be made."""
        started = self._clock()
        try:
            with self.sessions() as session:
                # The version is read first, so the index holds at least what it counts.
                version = dict(data_versions(session, [consultation_id])).get(consultation_id)
                index: QueueIndex | None = QueueIndex(session, consultation_id, version)
            index.built = self._clock()
        except Exception:  # whatever it is, the queue is still read with SQL
            log.exception("the queue index of consultation %s could not be made", consultation_id)
            index = None
        with self._lock:
            self._pending.pop(consultation_id, None)
            done = self._clock()
            self._not_before[consultation_id] = done + self.rest * (done - started)
            if index is None:
                return None
            self.builds += 1
            held = self._indexes.pop(consultation_id, None)
            if held is not None and (held.version or 0) > (index.version or 0):
                index = held
            self._indexes[consultation_id] = index  # most recently used last
            while len(self._indexes) > self.max_consultations:
                self._indexes.pop(next(iter(self._indexes)))
        return index
