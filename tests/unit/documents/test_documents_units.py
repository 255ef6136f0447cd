"""The restricted source syntax: what becomes a unit, and what is refused with file and line."""

import pytest

from services.documents.models import UnitKind
from services.documents.units import (
    SourceError,
    UnitDraft,
    content_hash,
    inline_tokens,
    parse_units,
    plain_text,
)

GOOD = """\
An opening paragraph
over two lines.

== Heading two ==
=== Heading ''three'' ===

* bullet with [[Target page|a link]]
** nested bullet
*# nested number
# number with [https://example.org/x?a=1 an external link]
#* bullet under a number

'''Bold''' and ''italic'' stay verbatim; so do & and "quotes".
"""


def test_good_source_becomes_units():
    units = parse_units(GOOD)
    assert [(u.kind, u.level, u.ordered) for u in units] == [
        (UnitKind.PARAGRAPH, 0, False),
        (UnitKind.HEADING, 2, False),
        (UnitKind.HEADING, 3, False),
        (UnitKind.LIST_ITEM, 1, False),
        (UnitKind.LIST_ITEM, 2, False),
        (UnitKind.LIST_ITEM, 2, True),
        (UnitKind.LIST_ITEM, 1, True),
        (UnitKind.LIST_ITEM, 2, False),
        (UnitKind.PARAGRAPH, 0, False),
    ]
    assert units[0].text == "An opening paragraph over two lines."
    assert units[2].text == "Heading ''three''"
    assert units[3].text == "bullet with [[Target page|a link]]"
    assert units[6].text == "number with [https://example.org/x?a=1 an external link]"
    assert units[8].text == "'''Bold''' and ''italic'' stay verbatim; so do & and \"quotes\"."


def test_text_is_nfc_normalized_and_stripped():
    [unit] = parse_units("Cafe\u0301   \n")
    assert unit.text == "Caf\u00e9"


def test_content_hash_ignores_keys_but_not_structure():
    a = [UnitDraft(UnitKind.PARAGRAPH, "x", key="u1")]
    b = [UnitDraft(UnitKind.PARAGRAPH, "x", key="u2")]
    c = [UnitDraft(UnitKind.LIST_ITEM, "x", 1)]
    assert content_hash(a) == content_hash(b) != content_hash(c)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("== Unclosed", 1, "unclosed heading"),
        ("ok\n\n=== Mismatch ==", 3, "opens with 3 '=' but closes with 2"),
        ("= Top =", 1, "level-1 headings"),
        ("======= Deep =======", 1, "deeper than 6"),
        ("==   ==", 1, "empty heading"),
        ("{| class=wikitable\n|}", 1, "tables are not allowed"),
        ("text\n|-\n", 2, "tables are not allowed"),
        ("Hello {{template}} world", 1, "template"),
        ("Hello }} world", 1, "template"),
        ("a\n<div>block</div>", 2, "HTML tags and comments are not allowed (found '<div>')"),
        ("a <!-- note --> b", 1, "HTML tags and comments"),
        ("a </span> b", 1, "HTML tags"),
        ("Signed ~~~~", 1, "signature"),
        ("__NOTOC__", 1, "magic words are not allowed (found '__NOTOC__')"),
        ("** orphan", 1, "bad list nesting"),
        ("* a\n*** too deep", 2, "bad list nesting"),
        ("* a\n#* wrong parent", 2, "bad list nesting: '#*' continues '*'"),
        ("* a\n\n** after a blank line", 3, "bad list nesting"),
        ("; term", 1, "indented and definition lines"),
        (": indented", 1, "indented and definition lines"),
        ("*: mixed", 1, "indented and definition lines"),
        (" preformatted", 1, "may not start with whitespace"),
        ("----", 1, "horizontal rules"),
        ("a [[Unclosed link", 1, "unclosed wikilink"),
        ("a [[Category:Hidden]]", 1, "malformed or unclosed wikilink"),
        ("a [[Page|]]", 1, "malformed or unclosed wikilink"),
        ("a [https://example.org unclosed", 1, "unclosed external link"),
        ("*   ", 1, "empty list item"),
        ("== Heading with {{x}} ==", 1, "template"),
    ],
)
def test_bad_source_names_file_line_and_problem(text, line, message):
    with pytest.raises(SourceError) as caught:
        parse_units(text, source="content/x.wiki", first_line=1)
    error = caught.value
    assert (error.source, error.line) == ("content/x.wiki", line)
    assert message in error.problem
    assert str(error).startswith(f"content/x.wiki:{line}: ")


def test_line_numbers_count_from_first_line():
    with pytest.raises(SourceError) as caught:
        parse_units("fine\n\n{{bad}}", source="f.wiki", first_line=10)
    assert caught.value.line == 12


def test_inline_tokens_and_plain_text():
    text = "See [[Page|the page]], [https://x.org site] and '''bold''' [[Other]]."
    kinds = [t.type for t in inline_tokens(text)]
    assert kinds == [
        "literal",
        "wikilink",
        "literal",
        "extlink",
        "literal",
        "quotes",
        "literal",
        "quotes",
        "literal",
        "wikilink",
        "literal",
    ]
    assert plain_text(text) == "See the page, site and bold Other."
    assert "".join(t.text for t in inline_tokens(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "[[Category:X]]",
        "[[File:A.png|thumb]]",
        "[[a~~~~]]",
        "[[x__NOTOC__]]",
        "[[a|]]",
        "[[ spaced]]",
    ],
)
def test_links_that_would_do_more_than_link_are_plain_text(text):
    assert all(t.type in {"literal", "quotes"} for t in inline_tokens(text))
