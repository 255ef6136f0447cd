"""Importing wiki pages back, and text that must survive the wiki both ways: a human's edit
comes back as exactly that change; hostile wikitext, unicode and right-to-left text render
safely and return unchanged."""

from __future__ import annotations

import html
import re

import pytest
from publish_support import H, L, P, make_document, parsed_html, wiki_page
from sqlalchemy import select

from bots.publish import publish_revision
from bots.publish_plan import Action, normalize
from bots.publish_state import Drift, DriftResolution, PublishedPage
from bots.wiki_import import WikiImportError, import_page
from services.documents.lineage import LineageStatus
from services.documents.models import Revision, RevisionStatus

HOSTILE = [
    (H, "Templates {{like this}} and a stray == in a heading"),
    (P, "A table end |} a row |- and a start {| class=wikitable"),
    (P, "Closing </div> and an opening <div class=x> and <script>alert(1)</script>"),
    (P, "Nowiki <nowiki>{{kept}}</nowiki>, an empty <nowiki/> and &amp; &lt; entities"),
    (P, "Signatures ~~~~ and ~~~ and ~~~~~ stay text"),
    (P, "__NOTOC__ __NOEDITSECTION__ {{DISPLAYTITLE:Hijacked}}"),
    (L, "== not a heading =="),
    (L, "[[Category:Hijack]] [[File:X.png]] {{subst:PAGENAME}} {{#if:a|b|c}}"),
    (P, "<ref>a note</ref> <references/> <!-- a comment --> -----"),
    (P, "Allowed markup still works: [[Main Page|a link]] and ''italic''."),
]

UNICODE = [
    (H, "القيادة — تعريف"),
    (P, "القيادة هي القدرة على التوجيه والإلهام، ضمن حركة ويكيميديا (Wikimedia) ٢٠٢٢."),
    (P, "עברית: מנהיגות היא מאמץ קולקטיבי. Mixed RTL and LTR: ABC אבג 123."),
    (L, "中文：领导力是一种集体努力。"),
    (L, "Emoji 🌍🤝 and combining e\u0301 (written as two code points)."),
    (P, "ܫܠܡܐ Syriac, 𐌰𐌱 Gothic, ᚠᚢ runes, zero\u200dwidth joiner."),
]


@pytest.fixture
def title(unique_title) -> str:
    return unique_title.replace("_", " ")


def units_of(db, revision_id: int) -> list[tuple[str, str]]:
    with db.session() as session:
        return [(u.key, u.text) for u in session.get(Revision, revision_id).units]


def test_import_round_trip_shows_exactly_the_human_change(wiki, wiki_config, db, site, title):
    revision_id = make_document(db, title)
    publish_revision(wiki_config, db, revision_id, site=site)
    before = units_of(db, revision_id)
    text = wiki_page(site, title).text
    edited = text.replace(
        "supports leaders across the movement",
        "supports new and existing leaders across the movement",
    )
    assert edited != text
    [alice_revid] = wiki.edit_as("Alice", [{"title": title, "text": edited}])
    # A publish in between sees her edit as a drift and leaves it.
    drifted = publish_revision(wiki_config, db, revision_id, site=site)
    assert next(p for p in drifted.pages if p.title == title).action is Action.DRIFTED

    result = import_page(wiki_config, db, title, site=site)
    assert result.created and result.user == "Alice" and result.wiki_revid == alice_revid
    changed = [op for op in result.diff.ops if op.status is not LineageStatus.UNCHANGED]
    assert len(changed) == 1
    [op] = changed
    assert op.status is LineageStatus.CHANGED and op.key == before[1][0]
    inserted = [w.text for w in op.words if w.op == "insert"]
    assert [w for w in op.words if w.op == "delete"] == []
    assert "".join(inserted).strip() == "new and existing"
    assert "new and existing" in result.diff_text() and "{+" in result.diff_text()
    after = units_of(db, _latest_id(db, title))
    assert [k for k, _ in after] == [k for k, _ in before]  # every unit kept its key
    with db.session() as session:
        [drift] = session.scalars(select(Drift)).all()
        assert drift.resolution is DriftResolution.IMPORTED
        new = session.get(Revision, _latest_id(db, title))
        assert new.status is RevisionStatus.DRAFT and new.author == "Alice"

    # Importing resolved the drift: publishing the imported draft updates the page.
    published = publish_revision(wiki_config, db, _latest_id(db, title), site=site)
    assert next(p for p in published.pages if p.title == title).action is Action.UPDATE
    assert "supports new and existing leaders" in wiki_page(site, title).text
    assert import_page(wiki_config, db, title, site=site).created is False


def _latest_id(db, title: str) -> int:
    with db.session() as session:
        return max(r.id for r in session.scalars(select(Revision)))


def test_text_added_outside_anchors_becomes_new_units(wiki, wiki_config, db, site, title):
    revision_id = make_document(db, title)
    publish_revision(wiki_config, db, revision_id, site=site)
    wiki.edit_as("Bob", [{"title": title, "append": "A paragraph Bob added."}])
    result = import_page(wiki_config, db, title, site=site)
    new = [op for op in result.diff.ops if op.status is LineageStatus.NEW]
    assert [op.new_text for op in new] == ["A paragraph Bob added."]
    assert all(op.status in (LineageStatus.UNCHANGED, LineageStatus.NEW) for op in result.diff.ops)


def test_only_a_source_page_can_be_imported(wiki_config, db, site, title):
    revision_id = make_document(db, title, translations={"fr": {0: "Objectif"}})
    publish_revision(wiki_config, db, revision_id, site=site)
    with pytest.raises(WikiImportError, match="translation page"):
        import_page(wiki_config, db, f"{title}/fr", site=site)
    with pytest.raises(WikiImportError, match="does not exist"):
        import_page(wiki_config, db, f"{title}/nothing here", site=site)


def test_hostile_wikitext_renders_as_text_and_round_trips(wiki_config, db, site, title):
    revision_id = make_document(db, title, HOSTILE)
    result = publish_revision(wiki_config, db, revision_id, site=site)
    assert result.count(Action.CREATE) == 2
    page = wiki_page(site, title)
    with db.session() as session:
        [record] = session.scalars(select(PublishedPage).where(PublishedPage.title == title))
        # The wiki stored exactly what Convene sent: no signature expanded, nothing substituted.
        assert page.text == record.text
    assert "[[User:" not in page.text

    rendered = parsed_html(site, title)
    keys = [k for k, _ in units_of(db, revision_id)]
    # Every unit is its own anchored element, none swallowed by a table, template or tag.
    assert re.findall(r'id="convene-(u[0-9a-f]+)"', rendered) == keys
    for tag in ("<table", "<script", "<ref", "<h1", 'class="x"', "mw-references"):
        assert tag not in rendered
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    for _, text in HOSTILE[:-1]:
        assert text in shown, text
    assert "a link" in shown and "<i>italic</i>" in rendered
    assert 'title="Main Page"' in rendered
    # Nothing categorised, transcluded or retitled the page.
    assert list(page.categories()) == [] and list(page.templates()) == []
    assert page.get_parsed_page(force=True)  # the page parses

    imported = import_page(wiki_config, db, title, site=site)
    assert imported.created is False  # the page gave back exactly the stored units
    assert units_of(db, _latest_id(db, title)) == units_of(db, revision_id)


def test_unicode_and_right_to_left_text_round_trip(wiki_config, db, site, title):
    revision_id = make_document(
        db,
        title,
        UNICODE,
        language="ar",
        translations={"he": {0: "מנהיגות — הגדרה"}, "en": {0: "Leadership — a definition"}},
    )
    publish_revision(wiki_config, db, revision_id, site=site)
    source = parsed_html(site, title)
    assert re.search(r'<div class="convene-document" lang="ar" dir="rtl"', source)
    shown = html.unescape(re.sub(r"<[^>]+>", "", source))
    with db.session() as session:
        stored = [u.text for u in session.get(Revision, revision_id).units]
    assert stored[4].endswith("combining \u00e9 (written as two code points).")  # NFC
    for text in stored:
        assert text in shown
    hebrew = parsed_html(site, f"{title}/he")
    assert 'lang="he" dir="rtl"' in hebrew and "מנהיגות — הגדרה" in hebrew
    english = parsed_html(site, f"{title}/en")
    assert 'lang="en" dir="ltr"' in english and "Leadership — a definition" in english
    # Untranslated units show the Arabic source, marked and right to left.
    assert re.search(r'data-convene-state="missing" lang="ar" dir="rtl"', english)

    assert normalize(wiki_page(site, title).text) == wiki_page(site, title).text
    assert import_page(wiki_config, db, title, site=site).created is False
