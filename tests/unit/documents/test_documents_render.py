"""Rendering revisions to wikitext, safely, and parsing rendered pages back exactly."""

import re
from datetime import date, datetime
from types import SimpleNamespace

import pytest

from services.documents import render, store
from services.documents.lineage import match_units
from services.documents.models import RevisionStatus, UnitKind
from services.documents.source import bundled_sources, read_source
from services.documents.units import UnitDraft, text_hash

P, H, L = UnitKind.PARAGRAPH, UnitKind.HEADING, UnitKind.LIST_ITEM

HOSTILE = [
    "{{Template|x}} and {{{param}}} and {{#if:1|yes}}",
    "|} {| class=wikitable\n|-\n| cell",
    '</div></span></translate><div style="position:fixed">',
    "<nowiki>x</nowiki> <nowiki/> <pre>y</pre>",
    "Signed ~~~~ and ~~~ and ~~~~~",
    "__NOTOC__ __NOEDITSECTION__ __DISAMBIG__",
    "== not a heading == and = one =",
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "&amp; &lt;b&gt; &#123; &#x7B; &nbsp; & &unknown; &",
    "[[Category:Hidden]] [[File:X.png|thumb]] [[a|]] [[:fr:Page]] [http://x.org?a=1&b=2 x]",
    "* not a list\n# nor this\n: nor this\n; nor this",
    "Line one\nLine two\r\nLine three\tand a tab",
    "<!--T:999--> <languages/> <translate>",
    "-{zh-hans:a; zh-hant:b}- RFC 1234 ISBN 978-3-16-148410-0 http://free.link/a_b",
    "'''bold''' ''italic'' '''''both''''' don't ''''four'''' l'''",
    "\x00\x01\x7f controls \u200e\u200f\u202e bidi",
    "Ünïcödé 中文 日本語 한국어 🚀 e\u0301",
    "مرحبا: القيادة هي القدرة على التوجيه [[صفحة|رابط]] ''مائل''",
    "שלום עולם — מנהיגות קולקטיבית",
    "  leading and trailing spaces  ",
    "</span> inside",
    "[[Link with ''quotes''|label with {{braces}} and ~~~~]]",
    "Ends with an apostrophe'",
]


def fake_revision(texts_and_kinds, *, language="en", number=3, label="Spring 2024"):
    drafts = [
        UnitDraft(kind, text, level, ordered) for kind, text, level, ordered in texts_and_kinds
    ]
    keys = match_units([], drafts)
    units = [
        SimpleNamespace(
            key=k,
            kind=d.kind,
            level=d.level,
            ordered=d.ordered,
            text=d.text,
            text_hash=text_hash(d.text),
        )
        for k, d in zip(keys, drafts)
    ]
    document = SimpleNamespace(
        slug="demo",
        title="Demo document",
        wiki_title="Demo/Page",
        language=language,
        attribution="The authors; CC BY-SA 4.0",
    )
    return SimpleNamespace(
        document=document,
        number=number,
        label=label,
        units=units,
        created_at=datetime(2024, 3, 1, 12),
        published_at=None,
        summary="",
        status=RevisionStatus.DRAFT,
    )


def hostile_revision():
    rows = [(H, "Heading: " + HOSTILE[0], 2, False)]
    for i, text in enumerate(HOSTILE):
        kind = (P, L, H)[i % 3]
        rows.append((kind, text, {P: 0, L: 1, H: 3}[kind], kind is L and i % 2 == 0))
    return fake_revision(rows)


def as_tuples(units):
    return [(u.key, u.kind, u.level, bool(u.ordered), u.text) for u in units]


@pytest.mark.parametrize("text", HOSTILE)
def test_inline_round_trip_is_exact(text):
    rendered = render.render_inline(text)
    assert "\n" not in rendered and "\r" not in rendered
    assert render.decode_inline(rendered) == text


@pytest.mark.parametrize("translate", [False, True])
def test_document_round_trip_keeps_texts_keys_and_structure(translate):
    revision = hostile_revision()
    wikitext = render.render_document(revision, translate=translate)
    assert as_tuples(render.parse_rendered(wikitext)) == as_tuples(revision.units)


@pytest.mark.parametrize("path", bundled_sources(), ids=lambda p: p.name)
def test_bundled_documents_round_trip(path):
    source = read_source(path)
    revision = fake_revision([(u.kind, u.text, u.level, u.ordered) for u in source.units])
    wikitext = render.render_document(revision)
    assert as_tuples(render.parse_rendered(wikitext)) == as_tuples(revision.units)


def _unit_bodies(wikitext):
    """The wikitext between each unit's anchor tags."""
    return re.findall(r'data-convene-unit="[^"]+"[^>]*>(.*?)</span>(?: =+)?$', wikitext, re.M)


def test_hostile_text_is_never_left_for_the_parser():
    wikitext = render.render_document(hostile_revision())
    bodies = _unit_bodies(wikitext)
    assert len(bodies) == len(HOSTILE) + 1
    for body in bodies:
        for dangerous in ("{{", "}}", "{|", "|}", "<", ">", "~~~", "__", "==", "\n", "-{"):
            assert dangerous not in body, (dangerous, body)
    # Only the renderer's own structure is markup: one wrapper div, closed once.
    assert wikitext.count("</div>") == 3  # header, document wrapper, attribution


def test_allowed_inline_markup_stays_markup():
    text = "See [[Target page|the target]], [https://example.org/a_b?x=1 a site], '''bold'''."
    revision = fake_revision([(P, text, 0, False)])
    wikitext = render.render_document(revision)
    assert "[[Target page|the target]]" in wikitext
    assert "[https://example.org/a_b?x=1 a site]" in wikitext
    assert "'''bold'''" in wikitext


def test_every_unit_carries_one_anchor_with_its_key():
    revision = fake_revision(
        [(H, "Title", 2, False), (P, "Para", 0, False), (L, "Item", 1, False), (L, "Sub", 2, True)]
    )
    wikitext = render.render_document(revision)
    for unit in revision.units:
        anchor = (
            f'<span class="convene-unit" id="convene-{unit.key}" data-convene-unit="{unit.key}">'
        )
        assert wikitext.count(anchor) == 1
    k = [u.key for u in revision.units]
    assert (
        f'== <span class="convene-unit" id="convene-{k[0]}" data-convene-unit="{k[0]}">'
        "Title</span> =="
    ) in wikitext
    assert re.search(
        rf"^\* <span [^>]*{k[2]}[^>]*>Item</span>\n\*# <span [^>]*{k[3]}", wikitext, re.M
    )


def test_nested_lists_render_as_in_the_source():
    source = read_source(next(p for p in bundled_sources() if "definition" in p.name))
    revision = fake_revision([(u.kind, u.text, u.level, u.ordered) for u in source.units])
    lines = render.render_document(revision).splitlines()
    prefixes = [line.split(" ", 1)[0] for line in lines if line[:1] in "*#"]
    assert prefixes.count("**") == 6 and prefixes.count("*") == 7 + 8 + 4 + 6
    plan = read_source(next(p for p in bundled_sources() if "plan" in p.name))
    revision = fake_revision([(u.kind, u.text, u.level, u.ordered) for u in plan.units])
    assert render.render_document(revision).count("\n# <span") == 4


def test_header_names_revision_and_links_changelog_and_consultation():
    revision = fake_revision([(P, "x", 0, False)], label="Label with {{x}} and ''q''")
    wikitext = render.render_document(
        revision, consultation=render.ConsultationLink("Talk:Demo/Page", "Comment {{now}}")
    )
    header = wikitext.splitlines()[0]
    assert header.startswith(
        '<div class="convene-header" data-convene-document="demo" data-convene-revision="3">'
    )
    assert (
        "Revision 3: ''Label with &#123;&#123;x&#125;&#125; and &#39;&#39;q&#39;&#39;''" in header
    )
    assert "2024-03-01" in header
    assert "[[Demo/Page/Changelog|what changed]]" in header
    assert "[[Talk:Demo/Page|Comment &#123;&#123;now&#125;&#125;]]" in header
    url = render.render_document(
        revision,
        consultation=render.ConsultationLink("https://convene.example/c/1", "Feedback"),
        date=date(2024, 5, 6),
    ).splitlines()[0]
    assert "[https://convene.example/c/1 Feedback]" in url and "2024-05-06" in url
    assert "Consultation" not in render.render_document(revision).splitlines()[0]


def test_translate_markup_uses_unit_keys():
    revision = fake_revision([(H, "Title", 2, False), (P, "Para", 0, False)])
    wikitext = render.render_document(revision, translate=True)
    assert wikitext.startswith("<languages/>\n")
    for unit in revision.units:
        assert f"<translate><!--T:{unit.key}--> {unit.text}</translate>" in wikitext
    assert "<translate>" not in render.render_document(revision)


def test_unusable_keys_and_titles_are_refused():
    revision = fake_revision([(P, "x", 0, False)])
    revision.units[0].key = 'bad" onmouseover="x'
    with pytest.raises(ValueError, match="cannot be an anchor"):
        render.render_document(revision)
    revision = fake_revision([(P, "x", 0, False)])
    with pytest.raises(ValueError, match="not a usable page title"):
        render.render_document(revision, consultation=render.ConsultationLink("Talk:{{x}}"))


def test_parse_rendered_after_human_edits():
    revision = fake_revision(
        [
            (H, "Title", 2, False),
            (P, "First paragraph.", 0, False),
            (P, "Second paragraph.", 0, False),
            (L, "Item", 1, False),
        ]
    )
    k = [u.key for u in revision.units]
    wikitext = render.render_document(revision)
    edited = (
        wikitext.replace("First paragraph.</span>", "first paragraph, improved.</span> (sic)")
        .replace(
            f'<span class="convene-unit" id="convene-{k[1]}"',
            f'Now the <span class="convene-unit" id="convene-{k[1]}"',
        )
        .replace(
            "Second paragraph.</span>",
            "Second <nowiki>{{x}}</nowiki> &amp; more.</span>\nwith a continuation line",
        )
        .replace(
            f'* <span class="convene-unit" id="convene-{k[3]}"',
            '* A human item\n* <span class="convene-unit" id="convene-' + k[3] + '"',
        )
        .replace(
            '</div>\n<div class="convene-attribution"',
            '\nA paragraph a human added.\n</div>\n<div class="convene-attribution"',
        )
    )
    parsed = render.parse_rendered(edited)
    assert [(d.key, d.kind, d.text) for d in parsed] == [
        (k[0], H, "Title"),
        (k[1], P, "Now the first paragraph, improved. (sic)"),
        (k[2], P, "Second {{x}} & more. with a continuation line"),
        (None, L, "A human item"),
        (k[3], L, "Item"),
        (None, P, "A paragraph a human added."),
    ]


def test_parse_rendered_drops_deleted_units_and_survives_broken_anchors():
    revision = fake_revision(
        [(P, "Keep.", 0, False), (P, "Delete me.", 0, False), (P, "Broken anchor.", 0, False)]
    )
    k = [u.key for u in revision.units]
    lines = [
        line for line in render.render_document(revision).splitlines() if "Delete me." not in line
    ]
    text = "\n".join(lines).replace("Broken anchor.</span>", "Broken anchor.")
    parsed = render.parse_rendered(text)
    assert [(d.key, d.text) for d in parsed][:1] == [(k[0], "Keep.")]
    assert parsed[1].key is None and "Broken anchor." in parsed[1].text
    assert len(parsed) == 2


# --- language pages ------------------------------------------------------------------------


def _translation(unit, text, *, outdated=False):
    return SimpleNamespace(text=text, source_hash="0" * 64 if outdated else unit.text_hash)


def test_language_page_shows_translations_and_marks_fallbacks():
    revision = fake_revision(
        [
            (H, "Title", 2, False),
            (P, "Current.", 0, False),
            (P, "Outdated.", 0, False),
            (L, "Missing.", 1, False),
        ]
    )
    t, c, o, m = revision.units
    translations = {
        t.key: _translation(t, "Titre"),
        c.key: _translation(c, "Actuel."),
        o.key: _translation(o, "Périmé.", outdated=True),
    }
    wikitext = render.render_language_page(revision, "fr", translations)
    assert '<div class="convene-page" lang="fr" dir="ltr">' in wikitext
    assert f'data-convene-unit="{c.key}">Actuel.</span>' in wikitext
    assert "Périmé." not in wikitext
    assert (
        f'<span class="convene-unit convene-fallback convene-outdated" id="convene-{o.key}" '
        f'data-convene-unit="{o.key}" data-convene-state="outdated" lang="en" dir="ltr">'
        "Outdated.</span>"
    ) in wikitext
    assert 'data-convene-state="missing" lang="en" dir="ltr">Missing.</span>' in wikitext
    assert "2 of 4 units current" in wikitext.splitlines()[0]
    assert "[[Demo/Page|Demo document]]" in wikitext.splitlines()[0]
    parsed = render.parse_rendered(wikitext)
    assert [(d.key, d.text, d.fallback) for d in parsed] == [
        (t.key, "Titre", ""),
        (c.key, "Actuel.", ""),
        (o.key, "Outdated.", "outdated"),
        (m.key, "Missing.", "missing"),
    ]


@pytest.mark.parametrize(
    ("language", "direction"),
    [("ar", "rtl"), ("he", "rtl"), ("fa", "rtl"), ("ckb", "rtl"), ("fr", "ltr"), ("sr-ec", "ltr")],
)
def test_language_page_direction(language, direction):
    revision = fake_revision([(P, "Hello.", 0, False)])
    wikitext = render.render_language_page(revision, language, {})
    assert f'<div class="convene-page" lang="{language}" dir="{direction}">' in wikitext
    assert 'lang="en" dir="ltr">Hello.</span>' in wikitext  # the fallback keeps its own dir


def test_rtl_source_document_and_translation_round_trip():
    revision = fake_revision([(H, "القيادة", 2, False), (P, HOSTILE[17], 0, False)], language="ar")
    wikitext = render.render_document(revision)
    assert '<div class="convene-document" lang="ar" dir="rtl">' in wikitext
    assert as_tuples(render.parse_rendered(wikitext)) == as_tuples(revision.units)
    translations = {u.key: _translation(u, HOSTILE[i]) for i, u in enumerate(revision.units)}
    parsed = render.parse_rendered(render.render_language_page(revision, "en", translations))
    assert [(d.key, d.text) for d in parsed] == [
        (u.key, HOSTILE[i]) for i, u in enumerate(revision.units)
    ]


# --- changelog -----------------------------------------------------------------------------


def test_changelog_lists_published_revisions_with_what_changed(db, tmp_path):
    definition = next(p for p in bundled_sources() if "definition" in p.name)
    text = definition.read_text(encoding="utf-8")
    with db.session() as s:
        first, _ = store.load_source(s, definition)
        store.mark_published(s, first, when=datetime(2022, 10, 1))
    edited = tmp_path / "d.wiki"
    edited.write_text(
        text.replace("Leadership is multifaceted", "Leadership is many-sided")
        .replace("label: October 2022", "label: 2024 update")
        .replace("* People develop and achieve a common goal.\n", "")
        + "\nA closing paragraph where x = y &amp; z | w.\n",
        encoding="utf-8",
    )
    with db.session() as s:
        second, _ = store.load_source(s, edited)
        store.mark_published(s, second, when=datetime(2024, 2, 3))
    draft_file = tmp_path / "d3.wiki"
    draft_file.write_text(edited.read_text() + "\nDraft only.\n", encoding="utf-8")
    with db.session() as s:
        store.load_source(s, draft_file)
        doc = store.get_document(s, "leadership-definition")
        changelog = render.render_changelog(doc, store.list_revisions(s, doc))
        page = doc.wiki_title
        changed_key = next(u.key for u in second.units if "many-sided" in u.text)
    sections = re.findall(r"^== (.*) ==$", changelog, re.M)
    assert sections == [
        "Revision 2: 2024 update, 2024-02-03 (current)",
        "Revision 1: October 2022, 2022-10-01",
    ]
    assert "Draft only" not in changelog
    assert "What changed since revision 1 (55 units unchanged):" in changelog
    assert f"* Changed: [[{page}#convene-{changed_key}|Leadership is many-sided" in changelog
    assert "* Removed: “People develop and achieve a common goal.”" in changelog
    assert "* New: [[" in changelog and "x &#61; y &amp;amp; z &#124; w" in changelog
    assert "First published revision (57 units)." in changelog
    assert "{{" not in changelog


def test_changelog_before_anything_is_published():
    revision = fake_revision([(P, "x", 0, False)])
    changelog = render.render_changelog(revision.document, [revision])
    assert "No revision has been published yet." in changelog
    assert changelog_title_is_subpage(revision.document)


def changelog_title_is_subpage(document):
    return (
        render.changelog_title(document) == "Demo/Page/Changelog"
        and render.language_page_title(document, "fr") == "Demo/Page/fr"
    )


def test_a_language_page_in_its_own_words_still_parses_back_to_its_units():
    revision = fake_revision([(H, "Qualities", 2, False), (P, HOSTILE[3], 0, False)])
    revision.document.attribution = "The working group"
    translations = {u.key: _translation(u, f"النص {i}") for i, u in enumerate(revision.units)}
    words = render.PageWords(
        revision="المراجعة %(number)s: %(label)s",
        what_changed="ما الذي تغيّر",
        translation_of="ترجمة %(source)s (%(language)s): %(current)s من %(total)s",
        attribution="النص: %(attribution)s",
    )
    wikitext = render.render_language_page(revision, "ar", translations, words=words)
    header, *_, attribution = wikitext.rstrip("\n").splitlines()
    assert header.startswith('<div class="convene-header" lang="ar" dir="rtl"')
    assert "المراجعة " in header and "|ما الذي تغيّر]]" in header and "2 من 2" in header
    assert attribution == (
        '<div class="convene-attribution" lang="ar" dir="rtl">النص: The working group</div>'
    )
    assert [(d.key, d.text) for d in render.parse_rendered(wikitext)] == [
        (u.key, f"النص {i}") for i, u in enumerate(revision.units)
    ]
