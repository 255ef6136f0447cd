"""The pages a revision needs on the wiki: source page, one per translated language,
changelog; summaries naming the revision; the open consultation linked."""

from bots.publish_pages import wanted_pages
from bots.publish_state import PageKind
from services.consultations.service import open_consultation
from services.documents.models import Document, UnitKind
from services.documents.store import create_revision, mark_published
from services.documents.units import UnitDraft
from services.translations.status import save_translation


def make(session, translations=(), language="en"):
    document = Document(
        slug="def", title="Definition", wiki_title="Group/Definition", language=language
    )
    session.add(document)
    revision = create_revision(
        session,
        document,
        [
            UnitDraft(UnitKind.HEADING, "Purpose", 2),
            UnitDraft(UnitKind.PARAGRAPH, "We support leaders."),
        ],
        label="October 2022",
        summary="First.",
    )
    for language in translations:
        unit = revision.units[0]
        save_translation(
            session,
            document,
            unit.key,
            language,
            f"({language}) Purpose",
            source_hash=unit.text_hash,
        )
    mark_published(session, revision)
    return revision


def test_source_then_each_translated_language_then_the_changelog(db):
    with db.session() as session:
        pages = wanted_pages(session, make(session, ["fr", "ar", "en"]))
    assert [(p.title, p.kind, p.language) for p in pages] == [
        ("Group/Definition", PageKind.SOURCE, "en"),
        ("Group/Definition/ar", PageKind.TRANSLATION, "ar"),  # the source language has none
        ("Group/Definition/fr", PageKind.TRANSLATION, "fr"),
        ("Group/Definition/Changelog", PageKind.CHANGELOG, "en"),
    ]
    assert "(fr) Purpose" in pages[2].text and 'dir="rtl"' in pages[1].text
    assert "October 2022" in pages[3].text
    for page in pages:
        assert "October 2022" in page.summary and "Definition" in page.summary


def test_summaries_follow_the_wiki_language(db):
    with db.session() as session:
        [source, *_] = wanted_pages(session, make(session), wiki_language="fr")
    assert source.summary.startswith("Convene : publication de la révision October 2022")


def test_translate_markup_leaves_language_pages_to_the_translate_extension(db):
    with db.session() as session:
        pages = wanted_pages(session, make(session, ["fr"]), translate=True)
    assert [p.kind for p in pages] == [PageKind.SOURCE, PageKind.CHANGELOG]
    assert "<translate>" in pages[0].text and "<languages/>" in pages[0].text


def test_the_open_consultation_is_linked_from_every_page_but_the_changelog(db):
    with db.session() as session:
        revision = make(session, ["fr"])
        before = wanted_pages(session, revision)
        open_consultation(session, "def", title="Round one")
        after = wanted_pages(session, revision)
    assert all("Round one" not in p.text for p in before)
    assert [("Talk:Group/Definition" in p.text and "Round one" in p.text) for p in after] == [
        True,
        True,
        False,
    ]


def test_each_page_speaks_its_own_language_around_the_document(db):
    with db.session() as session:
        revision = make(session, ["fr", "ar"])
        open_consultation(session, "def", title="Round one")
        source, arabic, french, _ = wanted_pages(session, revision, wiki_language="en")
    source_header, ar_header, fr_header = (p.text.splitlines()[0] for p in (source, arabic, french))
    assert "Revision 1: ''October 2022''" in source_header
    assert "|what changed]]" in source_header and "Give your feedback: Round one" in source_header
    assert "Révision 1 : ''October 2022''" in fr_header and "|ce qui a changé]]" in fr_header
    assert "1 sur 2 parties à jour" in fr_header and "Donnez votre avis : Round one" in fr_header
    assert 'lang="fr" dir="ltr"' in fr_header
    # Arabic runs right to left, header included; the edit summaries stay in the wiki's language.
    assert 'lang="ar" dir="rtl"' in ar_header and "المراجعة 1" in ar_header
    assert "شارك برأيك: Round one" in ar_header
    assert arabic.summary.startswith("Convene: publish the ar page")


def test_the_changelog_speaks_the_documents_language(db):
    with db.session() as session:
        *_, changelog = wanted_pages(session, make(session, language="fr"))
    assert "Révisions publiées de [[Group/Definition|Definition]]" in changelog.text
    assert "== Révision 1 : October 2022, " in changelog.text and "(actuelle) ==" in changelog.text
    assert "Première révision publiée (parties : 2)." in changelog.text
