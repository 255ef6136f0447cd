"""DiscussionTools' thread items become the same ThreadItems our own parser gives.

The sample answer is written by hand in the shape ApiDiscussionToolsPageInfo documents for
``prop=threaditemshtml`` (a tree of items; headings with headingLevel/name/othercontent,
comments with author and an ISO timestamp); the local wiki has no DiscussionTools.
"""

from __future__ import annotations

import pytest
from talkparser_support import TalkHtml, utc

from bots.talkparser import parse_talk_page
from bots.talkparser.discussiontools import DiscussionToolsError, items_from_api

T1, T2, T3, T4 = (
    utc(2025, 5, 3, 10, 4),
    utc(2025, 5, 3, 11, 30),
    utc(2025, 5, 4, 8, 0),
    utc(2025, 5, 5, 19, 59),
)


def comment(author, when, level, ident, html, replies=()):
    return {
        "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "author": author,
        "type": "comment",
        "level": level,
        "id": ident,
        "replies": list(replies),
        "html": html,
    }


def heading(ident, name, level, html, replies=(), **extra):
    return {
        "headingLevel": level,
        "name": name,
        "type": "heading",
        "level": 0,
        "id": ident,
        "replies": list(replies),
        "html": html,
        **extra,
    }


@pytest.fixture
def answer(en):
    parsoid = TalkHtml(en, parsoid=True)
    return {
        "discussiontoolspageinfo": {
            "threaditemshtml": [
                heading(
                    "h--20250503100400",
                    "h-Alice-20250503100400",
                    None,
                    "",
                    [
                        comment(
                            "Alice",
                            T1,
                            1,
                            "c-Alice-20250503100400",
                            f"Intro. {parsoid.sig('Alice', T1)}",
                        )
                    ],
                ),
                heading(
                    "h-Topic-20250503113000",
                    "h-Bob-20250503113000",
                    2,
                    "Topic",
                    [
                        comment(
                            "Bob",
                            T2,
                            1,
                            "c-Bob-20250503113000-Topic",
                            f"Opening <b>point</b>. {parsoid.sig('Bob', T2)}",
                            [
                                comment(
                                    "Alice",
                                    T3,
                                    2,
                                    "c-Alice-20250504080000-Bob-20250503113000",
                                    f"Reply. {parsoid.sig('Alice', T3)}",
                                    [
                                        comment(
                                            "Carol",
                                            T4,
                                            3,
                                            "c-Carol-20250505195900-Alice-20250504080000",
                                            f"Nested. {parsoid.sig('Carol', T4)}",
                                        )
                                    ],
                                )
                            ],
                        )
                    ],
                ),
                heading("h-Quiet", "h-", 2, "Quiet", othercontent="<p>Just a note.</p>"),
            ]
        }
    }


@pytest.fixture
def same_page(talk):
    return talk.page(
        f"<p>Intro. {talk.sig('Alice', T1)}</p>",
        talk.heading("Topic"),
        f"<p>Opening <b>point</b>. {talk.sig('Bob', T2)}</p>",
        f"<dl><dd>Reply. {talk.sig('Alice', T3)}<dl><dd>Nested. {talk.sig('Carol', T4)}"
        "</dd></dl></dd></dl>",
        talk.heading("Quiet"),
        "<p>Just a note.</p>",
    )


def fields(item):
    return (
        item.type,
        item.id,
        item.name,
        item.level,
        item.parent_id,
        item.heading_id,
        item.author,
        item.timestamp,
        item.text,
        item.heading_text,
        item.heading_level,
        item.signatures,
    )


def test_the_api_answer_gives_what_our_parser_gives_for_the_same_page(en, answer, same_page):
    from_api = items_from_api(answer, en)
    ours = parse_talk_page(same_page, en)
    assert [fields(i) for i in from_api.items] == [fields(i) for i in ours.items]
    assert [c.text for c in from_api.comments] == ["Intro.", "Opening point.", "Reply.", "Nested."]
    assert any("Just a note." in p for p in from_api.problems)
    assert any("Just a note." in p for p in ours.problems)


def test_the_tree_is_flattened_in_document_order_with_parents(en, answer):
    items = items_from_api(answer, en).items
    assert [i.id for i in items] == [
        "h--20250503100400",
        "c-Alice-20250503100400",
        "h-Topic-20250503113000",
        "c-Bob-20250503113000-Topic",
        "c-Alice-20250504080000-Bob-20250503113000",
        "c-Carol-20250505195900-Alice-20250504080000",
        "h-Quiet",
    ]
    by_id = {i.id: i for i in items}
    carol = by_id["c-Carol-20250505195900-Alice-20250504080000"]
    assert carol.parent_id == "c-Alice-20250504080000-Bob-20250503113000"
    assert carol.heading_id == "h-Topic-20250503113000" and carol.heading_text == "Topic"
    assert carol.timestamp == T4 and carol.name == "c-Carol-20250505195900"
    assert "<b>point</b>" in by_id["c-Bob-20250503113000-Topic"].html


def test_without_the_locale_the_text_keeps_the_signature(answer):
    items = items_from_api(answer).comments
    assert items[0].text.startswith("Intro. Alice (talk)")


def test_an_empty_placeholder_is_dropped(en):
    answer = {"threaditemshtml": [heading("h-", "h-", None, "", othercontent="<p>Header</p>")]}
    result = items_from_api(answer, en)
    assert result.items == []
    assert result.problems and "Header" in result.problems[0]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"discussiontoolspageinfo": {"transcludedfrom": {}}}, "threaditemshtml"),
        ({"threaditemshtml": [heading("h-X", "h-", 2, "X", ["c-Bob-1"])]}, "ids, not items"),
        ({"threaditemshtml": [{"type": "section", "id": "x"}]}, "type and id"),
        (
            {"threaditemshtml": [comment("Bob", T1, 1, "c-Bob", "x") | {"timestamp": "yesterday"}]},
            "c-Bob",
        ),
    ],
)
def test_answers_that_are_not_thread_items_are_refused(answer, message):
    with pytest.raises(DiscussionToolsError, match=message):
        items_from_api(answer)
