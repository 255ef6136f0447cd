"""Rendered pages on a real MediaWiki: saved unchanged, every unit anchored, hostile text
shown as text, and the page parsed back to the same units."""

import unicodedata
from datetime import datetime
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
import pywikibot
from pywikibot.data import api

from services.documents import render
from services.documents.lineage import match_units
from services.documents.models import RevisionStatus, UnitKind
from services.documents.units import UnitDraft, plain_text, text_hash

P, H, L = UnitKind.PARAGRAPH, UnitKind.HEADING, UnitKind.LIST_ITEM

UNITS = [
    (H, "Templates {{Template|x}} and {{{p}}} and {{#if:1|yes}}", 2, False),
    (P, "A table |} {| class=wikitable || cell", 0, False),
    (P, 'Closers </div></span></translate> and <div style="position:fixed">', 0, False),
    (L, "<nowiki>x</nowiki> <pre>y</pre> and a <script>alert('x')</script>", 1, False),
    (L, "Signed ~~~~ and ~~~ and ~~~~~", 2, True),
    (H, "Magic __NOTOC__ __NOEDITSECTION__ and == a stray heading ==", 3, False),
    (P, "Entities &amp; &lt;b&gt; &#123; &nbsp; & &unknown;", 0, False),
    (P, "[[Category:Hidden]] [[File:X.png|thumb]] [[a|]] -{zh-hans:a}- ''''four''''", 0, False),
    (
        P,
        "Links stay links: [[Main Page|the main page]] and [https://example.org/a_b a site], "
        "'''bold''' and ''italic''.",
        0,
        False,
    ),
    (L, "Ünïcödé 中文 日本語 한국어 🚀 " + unicodedata.normalize("NFC", "e\u0301"), 1, True),
    (P, "مرحبا: القيادة هي القدرة على التوجيه ''مائل''", 0, False),
    (P, "שלום עולם — מנהיגות קולקטיבית", 0, False),
    (
        P,
        "Line one\nline two\tand a tab; a free link http://free.example/a_b?x=1~2 ISBN "
        "978-3-16-148410-0",
        0,
        False,
    ),
]


class Anchors(HTMLParser):
    """The text inside each element carrying data-convene-unit, by key."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: dict[str, dict] = {}
        self.stack: list[str | None] = []
        self.script_tags = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.script_tags += 1
        key = attrs.get("data-convene-unit")
        if key:
            self.found[key] = {"id": attrs.get("id"), "text": ""}
        if tag not in {"br", "img", "hr", "meta", "link", "input", "wbr"}:
            self.stack.append(key)

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for key in self.stack:
            if key:
                self.found[key]["text"] += data


def revision_of(rows, language="en"):
    drafts = [UnitDraft(kind, text, level, ordered) for kind, text, level, ordered in rows]
    units = [
        SimpleNamespace(
            key=k,
            kind=d.kind,
            level=d.level,
            ordered=d.ordered,
            text=d.text,
            text_hash=text_hash(d.text),
        )
        for k, d in zip(match_units([], drafts), drafts)
    ]
    document = SimpleNamespace(
        slug="wiki-test",
        title="Wiki test",
        wiki_title="Wiki test",
        language=language,
        attribution="Tests",
    )
    return SimpleNamespace(
        document=document,
        number=1,
        label="Test {{label}}",
        units=units,
        created_at=datetime(2024, 1, 1),
        published_at=None,
        summary="",
        status=RevisionStatus.DRAFT,
    )


def parse(site, title):
    request = api.Request(
        site=site,
        parameters={
            "action": "parse",
            "page": title,
            "prop": "text|templates|categories|properties",
        },
    )
    return request.submit()["parse"]


@pytest.mark.parametrize("translate", [False, True])
def test_rendered_page_survives_the_wiki(site, unique_title, translate):
    revision = revision_of(UNITS)
    wikitext = render.render_document(
        revision, translate=translate, consultation=render.ConsultationLink("Talk:" + unique_title)
    )
    page = pywikibot.Page(site, unique_title)
    page.text = wikitext
    page.save(summary="Convene render test")

    stored = pywikibot.Page(site, unique_title).get(force=True)
    assert stored == wikitext.rstrip("\n")  # no pre-save transform touched it (no ~~~~ etc.)
    parsed_back = render.parse_rendered(stored)
    assert [(d.key, d.kind, d.level, d.ordered, d.text) for d in parsed_back] == [
        (u.key, u.kind, u.level, u.ordered, u.text) for u in revision.units
    ]

    result = parse(site, unique_title)
    assert result["templates"] == [] and result["categories"] == []
    assert "notoc" not in {p["name"] for p in result.get("properties", [])}
    anchors = Anchors()
    anchors.feed(result["text"]["*"])
    assert anchors.script_tags == 0
    assert set(anchors.found) == {u.key for u in revision.units}
    for unit in revision.units:
        seen = anchors.found[unit.key]
        assert seen["id"] == f"convene-{unit.key}"
        if not translate:  # the local wiki has no Translate: its tags would show as text
            assert seen["text"] == plain_text(unit.text), unit.text


def test_language_page_marks_fallbacks_and_direction(site, unique_title):
    revision = revision_of([(H, "Leadership", 2, False), (P, "Shared vision.", 0, False)])
    heading, paragraph = revision.units
    translations = {heading.key: SimpleNamespace(text="القيادة", source_hash=heading.text_hash)}
    title = f"{unique_title}/ar"
    page = pywikibot.Page(site, title)
    page.text = render.render_language_page(revision, "ar", translations)
    page.save(summary="Convene language page test")
    html = parse(site, title)["text"]["*"]
    assert '<div class="convene-page" lang="ar" dir="rtl">' in html
    assert (
        f'<span class="convene-unit convene-fallback convene-missing" '
        f'id="convene-{paragraph.key}" data-convene-unit="{paragraph.key}" '
        f'data-convene-state="missing" lang="en" dir="ltr">Shared vision.</span>'
    ) in html
    anchors = Anchors()
    anchors.feed(html)
    assert anchors.found[heading.key]["text"] == "القيادة"
