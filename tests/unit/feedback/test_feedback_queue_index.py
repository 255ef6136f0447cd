"""The in-memory queue index gives the pages, cursors and counts SQL gives, for every sort
and every filter it answers; its cache serves only indexes as new as the reader's version,
and SQL answers while one is made."""

from __future__ import annotations

import itertools
from datetime import datetime

import dashboard_factory as factory
import pytest
from queue_support import expected_order, queue  # noqa: F401  (a fixture)

from services.consultations.models import Consultation
from services.feedback import queries, queueindex
from services.feedback.models import TriageStatus
from services.feedback.queries import QueueFilter, Sort
from services.feedback.versions import data_versions

KEY = b"k" * 32


def _indexes(db, consultation_ids) -> list[queueindex.QueueIndex]:
    with db.session() as s:
        versions = dict(data_versions(s, consultation_ids))
        return [queueindex.QueueIndex(s, cid, versions[cid]) for cid in consultation_ids]


def _pages(db, read) -> list[queries.PageKeys]:
    """Every page, following the cursors, as ``read(session, cursor)`` gives them."""
    pages, cursor = [], None
    with db.session() as s:
        while True:
            page = read(s, cursor)
            pages.append(page)
            assert len(pages) < 100
            if page.next_cursor is None:
                return pages
            cursor = page.next_cursor


def _filters(queue) -> list[dict]:
    first, second = queue["consultations"][:2]
    return [
        {},
        {"consultation_ids": (first,)},
        {"statuses": (TriageStatus.NEW,)},
        {"consultation_ids": (first, second), "languages": ("fr",)},
        {"statuses": (TriageStatus.ACCEPTED, TriageStatus.DECLINED), "languages": ("en", "de")},
        {"unit_keys": (queue["units"][0],)},
        {"unit_keys": (queue["units"][1], queue["units"][3]), "statuses": (TriageStatus.NEW,)},
        {"theme_ids": (queue["themes"][first],)},
        {
            "consultation_ids": (second,),
            "theme_ids": tuple(queue["themes"].values()),
            "unit_keys": (queue["units"][2],),
        },
        {"q": "comment"},
        {"q": "COMMENT 1", "statuses": (TriageStatus.NEW,)},  # folded; both terms
        {"q": '"comment 1"', "consultation_ids": (second,)},  # a phrase
        {"q": "no such words"},
        {"q": "education", "languages": ("en",)},  # accents folded away
        {"languages": ("ja",)},  # no comment in it
        {"unit_keys": ("no-such-unit",)},
    ]


@pytest.mark.parametrize("sort", list(Sort))
@pytest.mark.parametrize("limit", [1, 4, 200])
def test_pages_and_cursors_are_those_of_sql(db, queue, sort, limit):
    visible = set(queue["consultations"])
    for filters in _filters(queue):
        flt = QueueFilter(sort=sort, **filters)
        indexes = _indexes(db, sorted(queries.allowed_ids(flt, visible)))
        by_index = _pages(
            db,
            lambda s, cursor, flt=flt, indexes=indexes: queueindex.page_keys(
                s, indexes, flt, limit=limit, cursor=cursor, cursor_key=KEY
            ),
        )
        by_sql = _pages(
            db,
            lambda s, cursor, flt=flt: queries.page_keys(
                s, flt, visible, limit=limit, cursor=cursor, cursor_key=KEY
            ),
        )
        assert by_index == by_sql, filters
        seen = [i for page in by_index for i in page.ids]
        assert seen == expected_order(db, flt, visible), filters
        # What is counted is what is paged through, capped as SQL caps it.
        assert queueindex.count_matching(indexes, flt) == (len(seen), False)
        assert queueindex.count_matching(indexes, flt, cap=2) == (min(2, len(seen)), len(seen) > 2)


def test_a_cursor_from_sql_reads_on_in_the_index_and_back(db, queue):
    flt = QueueFilter(sort=Sort.OLDEST, languages=("en",))
    visible = set(queue["consultations"])
    indexes = _indexes(db, sorted(visible))
    with db.session() as s:
        cursor, pages = None, []
        for read in itertools.islice(itertools.cycle(["sql", "index"]), 6):
            if read == "sql":
                page = queries.page_keys(s, flt, visible, limit=3, cursor=cursor, cursor_key=KEY)
            else:
                page = queueindex.page_keys(s, indexes, flt, limit=3, cursor=cursor, cursor_key=KEY)
            pages.extend(page.ids)
            cursor = page.next_cursor
    assert pages == expected_order(db, flt, visible)[:18]


def test_an_updated_cursor_without_a_time_is_refused(db, queue):
    indexes = _indexes(db, queue["consultations"])
    undated = queries.encode_cursor(KEY, Sort.UPDATED, None, 5)
    with db.session() as s, pytest.raises(queries.CursorError, match="no time"):
        queueindex.page_keys(
            s, indexes, QueueFilter(sort=Sort.UPDATED), limit=3, cursor=undated, cursor_key=KEY
        )
    with db.session() as s, pytest.raises(queries.CursorError, match="signature"):
        queueindex.page_keys(
            s, indexes, QueueFilter(), limit=3, cursor=undated[:-2] + "xx", cursor_key=KEY
        )


def test_the_index_holds_each_live_comment_as_sql_reads_it(db, queue):
    indexes = _indexes(db, queue["consultations"])
    with db.session() as s:
        everything = queries.page_keys(
            s, QueueFilter(include_hidden=True), queue["consultations"], limit=200
        )
        assert everything.next_cursor is None
        from_sql = queries.items_by_id(s, [i for i, _ in everything.rows])
    held = {i: item for index in indexes for i, item in index.items.items()}
    live = {i: item for i, item in from_sql.items() if item.hidden_reason is None}
    assert len(live) < len(from_sql)  # hidden comments are not held: SQL reads them
    assert held == live
    assert any(item.themes for item in held.values()) and any(
        len(item.units) > 1 for item in held.values()
    )


@pytest.mark.parametrize(
    "filters, answered",
    [
        ({"statuses": (TriageStatus.NEW,), "unit_keys": ("u",), "theme_ids": (1,)}, True),
        ({"q": "mentor"}, True),
        ({"authors": ("Alice",)}, False),
        ({"assignee": ""}, False),
        ({"posted_from": datetime(2024, 1, 1).date()}, False),
        ({"include_hidden": True}, False),
    ],
)
def test_what_the_index_answers(filters, answered):
    assert queueindex.answers(QueueFilter(**filters)) is answered


def _sessions(db, calls: list | None = None):
    def sessions():
        if calls is not None:
            calls.append(1)
        return db.session()

    return sessions


def test_the_cache_serves_only_indexes_as_new_as_the_reader(db, queue):
    cid = queue["consultations"][0]
    cache = queueindex.IndexCache(_sessions(db), ttl=60, background=False)
    with db.session() as s:
        version = dict(data_versions(s, [cid]))[cid]
    index = cache.get(cid, version)
    assert index is not None and index.version == version and cache.builds == 1
    assert cache.get(cid, version) is index and cache.get(cid, version - 1) is index
    with db.session() as s:
        consultation = s.get(Consultation, cid)
        added = factory.comment(s, consultation, "a late comment", posted_at=datetime(2030, 1, 1))
    with db.session() as s:
        newer = dict(data_versions(s, [cid]))[cid]
    assert newer > version
    fresh = cache.get(cid, newer)
    assert fresh is not index and cache.builds == 2
    with db.session() as s:
        first = queueindex.page_keys(
            s, [fresh], QueueFilter(), limit=1, cursor=None, cursor_key=KEY
        )
    assert first.ids == [added.id]


def test_indexes_age_and_the_least_recently_used_is_let_go(db, queue):
    now = [0.0]
    cache = queueindex.IndexCache(
        _sessions(db), ttl=10, background=False, max_consultations=2, clock=lambda: now[0]
    )
    with db.session() as s:
        versions = dict(data_versions(s, queue["consultations"]))
    first, second, third = queue["consultations"]
    index = cache.get(first, versions[first])
    now[0] = 11.0
    assert cache.get(first, versions[first]) is not index and cache.builds == 2
    cache.get(second, versions[second])
    cache.get(first, versions[first])  # used last: kept
    cache.get(third, versions[third])
    assert set(cache._indexes) == {first, third}


def test_sql_answers_while_an_index_is_made_in_the_background(db, queue):
    cid = queue["consultations"][0]
    calls: list = []
    cache = queueindex.IndexCache(_sessions(db, calls), ttl=60)
    with db.session() as s:
        version = dict(data_versions(s, [cid]))[cid]
    assert cache.get(cid, version) is None
    assert cache.get(cid, version) is None or len(calls) == 1  # asked for once
    cache.wait()
    assert len(calls) == 1 and cache.get(cid, version).version == version


def test_an_index_that_cannot_be_made_leaves_sql_to_answer(db, queue, caplog):
    def broken():
        raise RuntimeError("the database went away")

    cache = queueindex.IndexCache(broken, ttl=60, background=False)
    assert cache.get(queue["consultations"][0], 1) is None
    assert "could not be made" in caplog.text


def test_more_languages_than_a_byte_counts_still_get_their_bitmaps():
    rows = [
        (n, f"2024-01-{n % 28 + 1:02d}", TriageStatus.NEW.value, f"l{n}", f"text {n}")
        for n in range(300)
    ]
    order = queueindex._Order(rows, len(rows), {"unit": [(5, "u"), (299, "u"), (1000, "u")]})
    assert order.matching(QueueFilter(languages=("l7", "l299"))) == (1 << 7) | (1 << 299)
    assert order.matching(QueueFilter(unit_keys=("u",), statuses=(TriageStatus.NEW,))) == (
        1 << 5
    ) | (1 << 299)
    assert order.matching(QueueFilter(languages=("none",))) == 0
    assert order.matching(QueueFilter(q="text 29", languages=("l29", "l290", "l7"))) == (
        1 << 29
    ) | (1 << 290)


@pytest.mark.parametrize("density", [0.0005, 0.01, 0.5])
def test_positions_are_read_window_by_window_in_either_direction(density):
    import random

    rng = random.Random(density)
    n = 9000
    bitmap = sum(1 << p for p in range(n) if rng.random() < density)
    for _ in range(40):
        cut = sorted(rng.sample(range(n + 1), 3))
        ranges = [(cut[0], cut[1], rng.random() < 0.5), (cut[1], cut[2] + 50, rng.random() < 0.5)]
        wanted = rng.choice([1, 51, 10_000])
        naive = []
        for start, end, descending in ranges:
            span = range(end - 1, start - 1, -1) if descending else range(start, end)
            naive.extend(p for p in span if bitmap >> p & 1)
        assert queueindex._positions(bitmap, ranges, wanted) == naive[:wanted]


def test_while_changes_keep_coming_indexes_are_made_again_only_after_a_rest(db, queue):
    cid = queue["consultations"][0]
    now = [100.0]

    def sessions():
        now[0] += 1.0  # each index takes a second to make
        return db.session()

    cache = queueindex.IndexCache(sessions, ttl=600, rest=4, clock=lambda: now[0])
    with db.session() as s:
        version = dict(data_versions(s, [cid]))[cid]
    assert cache.get(cid, version) is None
    cache.wait()
    assert cache.get(cid, version) is not None and cache.builds == 1
    # A change: SQL answers, and the index waits four times its making (until 105).
    assert cache.get(cid, version + 1) is None
    cache.wait()
    assert cache.builds == 1 and now[0] == 101.0
    now[0] = 105.0
    assert cache.get(cid, version + 1) is None
    cache.wait()
    assert cache.builds == 2
