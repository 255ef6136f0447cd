"""The talk page parser on the hard cases: hand-written HTML in the wikis' own style."""

from __future__ import annotations

import time

import pytest
from talkparser_support import FIXTURES, LANGS, TalkHtml, make_locale, utc

from bots.talkparser import ItemType, parse_talk_page

T1, T2, T3, T4 = (
    utc(2025, 5, 3, 10, 4),
    utc(2025, 5, 3, 11, 30),
    utc(2025, 5, 4, 8, 0),
    utc(2025, 5, 5, 19, 59),
)


def dd(*inner: str) -> str:
    return "<dl><dd>" + "".join(inner) + "</dd></dl>"


def shape(result):
    return [(i.type.value, i.id, i.level, i.parent_id, i.author, i.timestamp) for i in result.items]


def test_a_thread_with_indented_replies(talk, en):
    html = talk.page(
        talk.heading("Length of the definition"),
        f"<p>I think it is <b>too long</b>. {talk.sig('Alice', T1)}\n</p>",
        dd(f"Not sure about that. {talk.sig('Bob', T2)}", dd(f"Why? {talk.sig('Alice', T3)}")),
        f"<ul><li>A list reply. {talk.sig('Carol', T4)}</li></ul>",
    )
    result = parse_talk_page(html, en, "Talk:Definition")
    heading, alice, bob, alice2, carol = result.items
    assert result.problems == []
    assert heading.id == "h-Length_of_the_definition-20250503100400"
    assert heading.name == "h-Alice-20250503100400"
    assert (heading.level, heading.heading_level, heading.text) == (
        0,
        2,
        "Length of the definition",
    )
    assert alice.id == "c-Alice-20250503100400-Length_of_the_definition"
    assert alice.name == "c-Alice-20250503100400"
    assert bob.id == "c-Bob-20250503113000-Alice-20250503100400"
    assert alice2.id == "c-Alice-20250504080000-Bob-20250503113000"
    assert carol.id == "c-Carol-20250505195900-Alice-20250503100400"
    assert [c.level for c in result.comments] == [1, 2, 3, 2]
    assert [c.parent_id for c in result.comments] == [heading.id, alice.id, bob.id, alice.id]
    assert {c.heading_id for c in result.comments} == {heading.id}
    assert {c.heading_text for c in result.comments} == {"Length of the definition"}
    # Signatures show New York time (EDT, UTC-4); timestamps are UTC.
    assert "06:04, 3 May 2025 (EDT)" in alice.html
    assert [c.timestamp for c in result.comments] == [T1, T2, T3, T4]
    assert alice.text == "I think it is too long."
    assert "<b>too long</b>" in alice.html and 'title="User:Alice"' in alice.html
    assert en.format_timestamp(T1) in alice.html
    assert bob.text == "Not sure about that." and alice2.text == "Why?"


def test_legacy_and_parsoid_renderings_of_a_real_page_give_the_same_items(locales):
    fr = locales["fr"]
    legacy = parse_talk_page(
        (FIXTURES / "talk-fr.legacy.html").read_text(), fr, "Discussion:Accueil"
    )
    parsoid = parse_talk_page(
        (FIXTURES / "talk-fr.parsoid.html").read_text(), fr, "Discussion:Accueil"
    )
    assert shape(legacy) == shape(parsoid)
    assert [(i.text, i.heading_text) for i in legacy.items] == [
        (i.text, i.heading_text) for i in parsoid.items
    ]
    assert [c.author for c in legacy.comments] == [
        "Alice",
        "Bob",
        "Alice",
        "Bob",
        "Bob",
        "Alice",
        "Alice",
    ]
    assert legacy.items[0].id == "h-Première_question-20261122002900"
    assert legacy.comments[-1].warnings == ("Comment skips indentation level",)


@pytest.mark.parametrize("parsoid", [False, True])
@pytest.mark.parametrize("lang", LANGS)
def test_every_language_in_both_renderings(lang, parsoid):
    locale = make_locale(lang)
    talk = TalkHtml(locale, parsoid=parsoid)
    html = talk.page(
        talk.heading("Sujet"),
        f"<p>Premier. {talk.sig('Alice', T1)}</p>",
        dd(
            f"Deuxième. {talk.sig('Bob', utc(2025, 10, 26, 0, 30))}",
            dd(f"Troisième. {talk.sig('Alice', utc(2025, 10, 26, 1, 30))}"),
        ),
    )
    result = parse_talk_page(html, locale)
    assert result.problems == []
    assert [(c.author, c.timestamp, c.level, c.text) for c in result.comments] == [
        ("Alice", T1, 1, "Premier."),
        ("Bob", utc(2025, 10, 26, 0, 30), 2, "Deuxième."),
        ("Alice", utc(2025, 10, 26, 1, 30), 3, "Troisième."),
    ]
    assert result.comments[2].parent_id == result.comments[1].id


def test_unsigned_text_is_attached_to_the_next_signature_and_reported(talk, en):
    html = talk.page(
        talk.heading("Topic"),
        "<p>An unsigned opinion.\n</p>",
        dd(f"A signed reply. {talk.sig('Bob', T2)}"),
        "<p>Trailing words nobody signed.</p>",
    )
    result = parse_talk_page(html, en)
    (bob,) = result.comments
    assert bob.text == "An unsigned opinion.\nA signed reply."
    assert bob.level == 1  # like DiscussionTools: the lower of start and end
    assert "Comment starts and ends with different indentation" in bob.warnings
    assert any("Bob" in p and "An unsigned opinion." in p for p in result.problems)
    assert any("Trailing words nobody signed." in p for p in result.problems)


def test_signatures_in_quotes_are_quoted_not_signed(talk, en):
    html = talk.page(
        talk.heading("Topic"),
        f"<blockquote><p>Earlier: {talk.sig('Alice', T1)}</p></blockquote>",
        f"<p>As <q>{talk.sig('Carol', T3)}</q> said, yes. {talk.sig('Bob', T2)}</p>",
    )
    result = parse_talk_page(html, en)
    (bob,) = result.comments
    assert bob.author == "Bob" and bob.timestamp == T2
    assert "Earlier:" in bob.text and bob.signatures[0].author == "Bob"
    assert len(bob.signatures) == 1


def test_signature_like_text_in_code_and_pre_is_not_a_comment(talk, en):
    sig = talk.sig("Alice", T1)
    html = talk.page(
        talk.heading("Code"),
        f"<pre>{sig}</pre>",
        f"<p>Write <code>{sig}</code> to sign.</p>",
        '<div class="mw-highlight"><pre><span>~~~~</span></pre></div>',
    )
    result = parse_talk_page(html, en)
    assert result.comments == []
    assert any("Write" in p for p in result.problems)


def test_templates_tables_transclusions_and_archive_boxes(talk, en):
    html = talk.page(
        talk.heading("Archived"),
        '<div class="boilerplate archived" style="background:#eee">',
        f"<p>Old question. {talk.sig('Alice', T1)}</p>",
        dd(f"Old answer. {talk.sig('Bob', T2)}"),
        "</div>",
        talk.heading("Table"),
        f"<table><tr><td>Cell one {talk.sig('Carol', T3)}</td>"
        f"<td>Cell two {talk.sig('Dave', T4)}</td></tr></table>",
        talk.heading("Unsigned template"),
        f'<p>Forgot to sign. <small><span class="autosigned">— Preceding unsigned comment '
        f"added by {talk.sig('Erin', T4)}</span></small></p>",
        talk.heading("Transcluded"),
        '<div about="#mwt3" typeof="mw:Transclusion" data-mw=\'{"parts":[{"template":'
        '{"target":{"wt":"Talk:Other/Sub","href":"./Talk:Other/Sub"},"params":{},"i":0}}]}\'>',
        f"<p>From a subpage. {talk.sig('Fay', T1)}</p></div>",
        '<span about="#mwt4" typeof="mw:Transclusion"></span>',
        dd(f"Reply here. {talk.sig('Gus', T2)}"),
    )
    result = parse_talk_page(html, en)
    assert [(c.author, c.level, c.heading_text) for c in result.comments] == [
        ("Alice", 1, "Archived"),
        ("Bob", 2, "Archived"),
        ("Carol", 1, "Table"),
        ("Dave", 1, "Table"),
        ("Erin", 1, "Unsigned template"),
        ("Fay", 1, "Transcluded"),
        ("Gus", 2, "Transcluded"),
    ]
    assert result.comments[4].text == "Forgot to sign. — Preceding unsigned comment added by"
    assert result.comments[6].parent_id == result.comments[5].id
    assert result.problems == []


def test_tables_of_contents_references_and_html_comments(talk, en):
    html = talk.page(
        '<div id="toc" class="toc"><div class="toctitle"><h2 id="mw-toc-heading">Contents</h2>'
        '</div><ul><li><a href="#Topic">Topic</a></li></ul></div>',
        talk.heading("Topic"),
        f"<p>See the note.<sup><a href='#cite_note-1'>[1]</a></sup> <!-- hidden -->"
        f"{talk.sig('Alice', T1)}<!-- after --></p>",
        '<link rel="mw:PageProp/Category" href="./Category:Talk"/>',
        f'<ol class="references"><li id="cite_note-1">Source. {talk.sig("Bob", T2)}</li></ol>',
    )
    result = parse_talk_page(html, en)
    assert [i.text for i in result.headings] == ["Topic"]
    (alice,) = result.comments
    assert alice.text == "See the note.[1]" and "hidden" not in alice.html


def test_several_signatures_on_one_line_make_one_comment(talk, en):
    html = talk.page(
        talk.heading("Topic"),
        f"<p>First thought. {talk.sig('Alice', T1)} Addendum. {talk.sig('Alice', T2)}</p>",
        f"<p>Two paragraphs. {talk.sig('Bob', T3)}</p><p>Two comments. {talk.sig('Bob', T4)}</p>",
    )
    result = parse_talk_page(html, en)
    alice, bob1, bob2 = result.comments
    assert [(s.author, s.timestamp) for s in alice.signatures] == [("Alice", T1), ("Alice", T2)]
    assert alice.timestamp == T1 and alice.text == "First thought. Addendum."
    assert en.format_timestamp(T2) in alice.html
    assert (bob1.text, bob2.text) == ("Two paragraphs.", "Two comments.")


def test_custom_signatures(locales):
    fr = locales["fr"]
    talk = TalkHtml(fr)
    html = talk.page(
        talk.heading("Signatures"),
        f"<p>Styled. {talk.user_link('Alice', '<span style=color:red>Alice la Grande</span>')}"
        f" <sup>{talk.talk_link('Alice', '💬')}</sup> {talk.stamp(T1)}</p>",
        f"<p>Talk page only. {talk.talk_link('Bob', 'écrivez-moi')} {talk.stamp(T2)}</p>",
        f"<p>Contributions alias. {talk.contributions_link('Carol', 'Contribs')} "
        f"{talk.stamp(T3)}</p>",
        f"<p>Gender alias. {talk.link('Utilisatrice:Dana', 'Dana')} {talk.stamp(T4)}</p>",
        f"<p>Lower case, underscores. {talk.link('Utilisateur:big_bird', 'bb')} "
        f"{talk.stamp(T1)}</p>",
        f"<p>I agree with {talk.user_link('Bob')}. {talk.sig('Erin', T2)}</p>",
        f'<p>Self link. <a class="mw-selflink selflink">Fay</a> {talk.stamp(T3)}</p>',
    )
    result = parse_talk_page(html, fr, "Discussion utilisateur:Fay")
    assert [c.author for c in result.comments] == [
        "Alice",
        "Bob",
        "Carol",
        "Dana",
        "Big bird",
        "Erin",
        "Fay",
    ]
    assert result.comments[0].text == "Styled."
    assert result.comments[4].id.startswith("c-Big_bird-")
    assert result.comments[5].text == "I agree with Bob."
    assert result.problems == []


def test_links_that_are_no_signature(talk, en):
    html = talk.page(
        talk.heading("Topic"),
        f"<p>Draft at {talk.link('User:Alice/Sandbox', 'sandbox')} {talk.stamp(T1)}</p>",
        f'<p>Elsewhere <a href="https://other.example/wiki/User:Bob">Bob</a> {talk.stamp(T2)}</p>',
        f"<p>{talk.stamp(T3)}</p>",
    )
    result = parse_talk_page(html, en)
    assert result.comments == []
    assert sum("no link to a user" in p for p in result.problems) == 3


def test_a_signature_far_from_its_timestamp_is_not_one(talk, en):
    # DiscussionTools looks back at most 100 characters of text before the timestamp.
    near = talk.page(f"<p>{talk.user_link('Alice')} <i>{'word ' * 15}</i> {talk.stamp(T1)}</p>")
    far = talk.page(f"<p>{talk.user_link('Alice')} <i>{'word ' * 30}</i> {talk.stamp(T1)}</p>")
    assert [c.author for c in parse_talk_page(near, en).comments] == ["Alice"]
    assert parse_talk_page(far, en).comments == []


def test_broken_html_still_gives_the_comments(talk, en):
    html = (
        '<div class="mw-parser-output"><h2><span class="mw-headline" id="Broken">Broken'
        f"</h2><p>Unclosed <b>bold {talk.sig('Alice', T1)}</p></div></div>"
        f"<dd>Stray item {talk.sig('Bob', T2)}<p>Unclosed paragraph {talk.sig('Carol', T3)}"
        "</span></i>"
    )
    result = parse_talk_page(html, en)
    assert [c.author for c in result.comments] == ["Alice", "Bob", "Carol"]
    assert result.items[0].text == "Broken"


def test_a_timestamp_in_an_unknown_format_is_reported(talk, en):
    html = talk.page(
        talk.heading("Topic"),
        f"<p>ISO style. {talk.user_link('Bob')} ({talk.talk_link('Bob')}) 2025-05-03T10:04Z</p>",
        f"<p>Impossible date. {talk.user_link('Carol')} 10:00, 31 February 2025 (EST)</p>",
        f"<p>Fine. {talk.sig('Alice', T1)}</p>",
    )
    result = parse_talk_page(html, en)
    (alice,) = result.comments
    assert "ISO style." in alice.text  # attached where DiscussionTools would
    unknown = [p for p in result.problems if "format this wiki does not write" in p]
    assert len(unknown) == 2 and "Bob" in unknown[0] and "Carol" in unknown[1]


def test_deeply_nested_replies(talk, en):
    depth = 300
    html = ""
    for n in reversed(range(depth)):
        when = utc(2025, 5, 3, 10, n % 60)
        html = dd(f"Level {n + 2}. {talk.sig('Alice' if n % 2 else 'Bob', when)}", html)
    html = talk.page(talk.heading("Deep"), f"<p>Top. {talk.sig('Carol', T1)}</p>", html)
    result = parse_talk_page(html, en)
    assert [c.level for c in result.comments] == list(range(1, depth + 2))
    for parent, child in zip(result.comments, result.comments[1:]):
        assert child.parent_id == parent.id
    assert len({c.id for c in result.comments}) == depth + 1


def test_a_page_of_thousands_of_comments_is_quick(talk, en):
    parts = []
    for thread in range(60):
        parts.append(talk.heading(f"Thread {thread}"))
        for n in range(50):
            when = utc(2025, 1 + thread % 12, 1 + n % 28, n % 24, thread % 60)
            line = f"Comment {thread}.{n} with some words. {talk.sig(f'User {n % 7}', when)}"
            parts.append(f"<p>{line}</p>" if n % 5 == 0 else dd(line))
    html = talk.page(*parts)
    started = time.perf_counter()
    result = parse_talk_page(html, en)
    elapsed = time.perf_counter() - started
    assert len(result.comments) == 3000
    assert len(result.by_id()) == len(result.items)
    assert elapsed < 3.0, f"3,000 comments took {elapsed:.2f} s"


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "not html at all",
        "<html></html>",
        "\x00\x01",
        "<div class='mw-parser-output'></div>",
    ],
)
def test_empty_or_meaningless_input_gives_no_items(en, html):
    result = parse_talk_page(html, en)
    assert result.items == []


def test_comments_before_the_first_heading_get_a_placeholder_heading(talk, en):
    html = talk.page(
        f"<p>Intro comment. {talk.sig('Alice', T1)}</p>",
        talk.heading("Later"),
        f"<p>Later comment. {talk.sig('Bob', T2)}</p>",
    )
    placeholder, alice, later, bob = parse_talk_page(html, en).items
    assert (placeholder.type, placeholder.id, placeholder.heading_level) == (
        ItemType.HEADING,
        "h--20250503100400",
        None,
    )
    assert alice.id == "c-Alice-20250503100400" and alice.parent_id == placeholder.id
    assert alice.heading_id == placeholder.id and alice.heading_text == ""
    assert later.parent_id is None and bob.parent_id == later.id


def test_subsections_and_empty_sections(talk, en):
    html = talk.page(
        talk.heading("Main"),
        talk.heading("Sub", level=3),
        f"<p>In the subsection. {talk.sig('Alice', T2)}</p>",
        talk.heading("Sub", level=3, anchor="Sub_2"),
        f"<p>Older one. {talk.sig('Bob', T1)}</p>",
        talk.heading("Empty"),
    )
    main, sub, alice, sub2, bob, empty = parse_talk_page(html, en).items
    assert main.id == "h-Main-20250503100400"  # the oldest comment of all its subsections
    assert main.name == "h-Bob-20250503100400"
    assert sub.id == "h-Sub-Main-20250503113000" and sub.parent_id == main.id
    assert sub2.id == "h-Sub_2-Main-20250503100400"
    assert alice.id == "c-Alice-20250503113000-Sub" and alice.heading_id == sub.id
    assert (empty.id, empty.name, empty.parent_id) == ("h-Empty", "h-", None)


def test_the_same_author_twice_in_a_minute_gets_numbered_ids(talk, en):
    html = talk.page(
        talk.heading("Topic"),
        f"<p>One. {talk.sig('Alice', T1)}</p>",
        f"<p>Two. {talk.sig('Alice', T1)}</p>",
    )
    one, two = parse_talk_page(html, en).comments
    assert two.id == one.id + "-1"
    assert "Duplicate comment ID" in two.warnings and one.name == two.name


def test_comments_older_than_the_switch_keep_iso_timestamps_in_ids(talk, en):
    old = utc(2019, 5, 3, 10, 4)
    html = talk.page(talk.heading("Old"), f"<p>Old. {talk.sig('Alice', old)}</p>")
    heading, alice = parse_talk_page(html, en).items
    assert alice.id == "c-Alice-2019-05-03T10:04:00.000Z-Old"
    assert heading.id == "h-Old-2019-05-03T10:04:00.000Z"


def test_long_names_are_cut_to_eighty_bytes_in_ids(talk, en):
    name = "Ä" * 50  # 100 bytes of UTF-8
    html = talk.page(talk.heading("Topic"), f"<p>Hi. {talk.sig(name, T1)}</p>")
    (comment,) = parse_talk_page(html, en).comments
    assert comment.author == name
    assert comment.id == f"c-{'Ä' * 40}-20250503100400-Topic"
