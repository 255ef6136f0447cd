"""The queue: filters, search, keyset pagination and cursors, on the real test database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import dashboard_factory as factory
import pytest

from services.feedback import queries
from services.feedback.models import Comment, HiddenReason, TriageStatus
from services.feedback.queries import CursorError, FilterError, QueueFilter, Sort

KEY = b"k" * 32


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"status": ["nope"]}, "status"),
        ({"consultation": ["1; DROP TABLE comments"]}, "consultation"),
        ({"consultation": ["-3"]}, "consultation"),
        ({"theme": ["x"]}, "theme"),
        ({"from": ["2024-13-01"]}, "from"),
        ({"from": ["2024-03-02"], "to": ["2024-03-01"]}, "from"),
        ({"q": ["x" * 201]}, "q"),
        ({"q": [" ".join(f"t{i}" for i in range(11))]}, "q"),
        ({"q": ["a", "b"]}, "q"),
        ({"language": [",".join(f"l{i}" for i in range(51))]}, "language"),
        ({"author": ["a" * 256]}, "author"),
        ({"sort": ["random"]}, "sort"),
        ({"hidden": ["yes"]}, "hidden"),
        ({"assignee": ["a", "b"]}, "assignee"),
    ],
)
def test_parse_filter_refuses(params, parameter):
    with pytest.raises(FilterError) as info:
        queries.parse_filter(params)
    assert info.value.parameter == parameter


def test_parse_filter_reads_everything_and_round_trips():
    params = {
        "consultation": ["2,3"],
        "unit": ["u1"],
        "language": ["ar", "fr"],
        "status": ["new", "in_review"],
        "theme": ["7"],
        "author": ["Alice"],
        "assignee": ["-"],
        "from": ["2024-03-01"],
        "to": ["2024-03-31"],
        "q": ['"shared goal"'],
        "hidden": ["1"],
        "sort": ["oldest"],
    }
    flt = queries.parse_filter(params)
    assert flt.consultation_ids == (2, 3)
    assert flt.statuses == (TriageStatus.NEW, TriageStatus.IN_REVIEW)
    assert flt.assignee == "" and flt.include_hidden and flt.sort is Sort.OLDEST
    assert flt.posted_to == date(2024, 3, 31)
    assert queries.parse_filter(flt.as_params()) == flt


@pytest.mark.parametrize(
    "raw, size",
    [(None, 50), ("", 50), ("10", 10), ("1000000000", 200), ("0", 1), ("-5", 1), (7, 7)],
)
def test_page_size_is_clamped(raw, size):
    assert queries.clamp_page_size(raw) == size


@pytest.mark.parametrize("raw", ["ten", "1e9", "5.5", "9" * 30])
def test_page_size_must_be_an_integer(raw):
    with pytest.raises(FilterError):
        queries.clamp_page_size(raw)


def test_cursor_round_trip_and_tampering():
    when = datetime(2024, 3, 1, 12, 30)
    token = queries.encode_cursor(KEY, Sort.NEWEST, when, 42)
    assert queries.decode_cursor(KEY, token, Sort.NEWEST) == (when, 42)
    body, sig = token.split(".")
    forged_body = queries.encode_cursor(b"other key", Sort.NEWEST, when, 41).split(".")[0]
    for bad in [
        forged_body + "." + sig,
        body + "." + sig[:-2] + "AA",
        body,
        "x" * 300,
        queries.encode_cursor(b"other key", Sort.NEWEST, when, 42),
        "",
        ".",
        "a.b.c",
    ]:
        with pytest.raises(CursorError):
            queries.decode_cursor(KEY, bad, Sort.NEWEST)
    with pytest.raises(CursorError, match="sort"):
        queries.decode_cursor(KEY, token, Sort.OLDEST)
    negative = queries.encode_cursor(KEY, Sort.NEWEST, when, -1)
    with pytest.raises(CursorError, match="non-negative"):
        queries.decode_cursor(KEY, negative, Sort.NEWEST)


def _walk(s, flt, visible, limit):
    seen, cursor = [], None
    while True:
        page = queries.queue_page(s, flt, visible, limit=limit, cursor=cursor, cursor_key=KEY)
        seen.extend(page.items)
        if not page.next_cursor:
            return seen
        assert len(page.items) == limit
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", list(Sort))
def test_keyset_pages_cover_everything_once_in_order(db, sort):
    with db.session() as s:
        _, rev, _ = factory.document(s)
        c = factory.consultation(s, rev)
        base = datetime(2024, 3, 1)
        # Ties on the timestamp and undated comments are the hard cases for keyset paging.
        for i in range(23):
            posted = None if i % 7 == 0 else base + timedelta(hours=i // 3)
            factory.comment(s, c, f"comment {i}", posted_at=posted)
    with db.session() as s:
        rows = _walk(s, QueueFilter(sort=sort), {c.id}, limit=4)
        ids = [r.id for r in rows]
        assert len(ids) == len(set(ids)) == 23
        if sort is Sort.UPDATED:
            keys = [(r.updated_at, r.id) for r in rows]
            assert keys == sorted(keys, reverse=True)
        else:
            dated = [r for r in rows if r.posted_at is not None]
            undated = [r for r in rows if r.posted_at is None]
            assert rows[-len(undated) :] == undated  # undated last, either way
            keys = [(r.posted_at, r.id) for r in dated]
            assert keys == sorted(keys, reverse=sort is Sort.NEWEST)


def test_filters_and_search(db):
    sc = factory.scene(db)
    with db.session() as s:
        visible = {sc["c1"], sc["c2"]}

        def ids(**kw):
            page = queries.queue_page(s, QueueFilter(**kw), visible, limit=200, cursor_key=KEY)
            return {item.id for item in page.items}

        assert ids(languages=("ar",)) == {sc["arabic"]}
        assert ids(statuses=(TriageStatus.IN_REVIEW,)) == {sc["french"]}
        assert ids(unit_keys=(sc["units"][1],)) == {sc["first"], sc["reply"]}
        assert ids(authors=("Bob",)) == {sc["reply"]}
        assert ids(consultation_ids=(sc["c2"],)) == {sc["other"]}
        assert ids(q="MENTORING") == {sc["first"], sc["reply"]}
        assert ids(q="definition trop") == {sc["french"]}  # accents folded: définition
        assert ids(q='"trop longue"') == {sc["french"]}
        assert ids(q="القيادة") == {sc["arabic"]}
        assert ids(q="élodie") == {sc["french"]}  # author is searchable
        assert ids(q="100%") == set()  # LIKE wildcards are literal
        assert ids(q="_") == set()
        assert ids(assignee="") == ids()  # nobody assigned yet
        assert ids(posted_from=date(2030, 1, 1)) == set()
        theme_ids = tuple(t.id for t in queries.themes_of(s, {sc["c1"]}))
        assert ids(theme_ids=theme_ids) == {sc["first"]}


def test_visibility_is_enforced_whatever_the_filter(db):
    sc = factory.scene(db)
    with db.session() as s:
        only_c2 = {sc["c2"]}
        page = queries.queue_page(
            s, QueueFilter(consultation_ids=(sc["c1"],)), only_c2, cursor_key=KEY
        )
        assert page.items == []
        page = queries.queue_page(s, QueueFilter(), set(), cursor_key=KEY)
        assert page.items == []
        assert queries.get_comment(s, sc["first"], only_c2) is None
        assert queries.get_comment(s, sc["other"], only_c2).id == sc["other"]


def test_hidden_comments_are_left_out_and_never_found_by_search(db):
    sc = factory.scene(db)
    with db.session() as s:
        hidden = s.get(Comment, sc["french"])
        hidden.hidden_reason = HiddenReason.TEXT_HIDDEN
    with db.session() as s:
        visible = {sc["c1"]}
        assert sc["french"] not in {
            c.id for c in queries.queue_page(s, QueueFilter(), visible, cursor_key=KEY).items
        }
        with_hidden = QueueFilter(include_hidden=True)
        assert sc["french"] in {
            c.id for c in queries.queue_page(s, with_hidden, visible, cursor_key=KEY).items
        }
        searching = QueueFilter(include_hidden=True, q="longue")
        assert queries.queue_page(s, searching, visible, cursor_key=KEY).items == []


def test_count_is_capped(db):
    sc = factory.scene(db)
    with db.session() as s:
        assert queries.count_matching(s, QueueFilter(), {sc["c1"], sc["c2"]}) == (6, False)
        assert queries.count_matching(s, QueueFilter(), {sc["c1"], sc["c2"]}, cap=3) == (3, True)


def test_thread_order_puts_replies_under_parents(db):
    with db.session() as s:
        _, rev, _ = factory.document(s)
        c = factory.consultation(s, rev)
        base = datetime(2024, 3, 1)
        a = factory.comment(s, c, "a", posted_at=base)
        b = factory.comment(s, c, "b", posted_at=base + timedelta(hours=1))
        a1 = factory.comment(s, c, "a1", posted_at=base + timedelta(hours=2), parent=a)
        a1x = factory.comment(s, c, "a1x", posted_at=base + timedelta(hours=3), parent=a1)
        other_section = factory.comment(s, c, "elsewhere", heading="Other")
        order = [x.excerpt for x in queries.thread_of(s, a1)]
        assert order == ["a", "a1", "a1x", "b"]
        assert other_section.text_plain not in order and b.id and a1x.id


def test_search_follows_edits_and_purges_made_through_the_orm(db):
    with db.session() as s:
        _, rev, _ = factory.document(s)
        c = factory.consultation(s, rev)
        comment = factory.comment(s, c, "Original wording about budgets", author="Alice")
    with db.session() as s:
        s.get(Comment, comment.id).text_plain = "Edited wording about mentoring"
    with db.session() as s:
        found = lambda q: [
            i.id
            for i in queries.queue_page(
                s, QueueFilter(q=q, include_hidden=True), {c.id}, cursor_key=KEY
            ).items
        ]
        assert found("mentoring") == [comment.id] and found("budgets") == []
        purged = s.get(Comment, comment.id)
        purged.text_plain, purged.author = None, None
        purged.hidden_reason = HiddenReason.SUPPRESSED
    with db.session() as s:
        assert s.get(Comment, comment.id).search_text == "feedback"  # only the heading
        assert (
            queries.queue_page(
                s, QueueFilter(q="alice", include_hidden=True), {c.id}, cursor_key=KEY
            ).items
            == []
        )
