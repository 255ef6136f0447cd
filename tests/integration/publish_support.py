"""Helpers shared by the publishing tests: small documents with translations, wiki reads."""

from __future__ import annotations

import pywikibot

from services.documents.models import Document, Revision, UnitKind
from services.documents.store import create_revision
from services.documents.units import UnitDraft
from services.translations.status import save_translation

H = UnitKind.HEADING
P = UnitKind.PARAGRAPH
L = UnitKind.LIST_ITEM

BASIC_UNITS = [
    (H, "Purpose"),
    (P, "The working group supports leaders across the movement."),
    (L, "Listen to communities."),
    (L, "Share what you learn."),
    (P, "A closing paragraph with a [[Main Page|link]] and '''bold''' text."),
]


def drafts(units) -> list[UnitDraft]:
    return [
        UnitDraft(kind, text, level=2 if kind is H else (1 if kind is L else 0))
        for kind, text in units
    ]


def make_document(
    db,
    title: str,
    units=BASIC_UNITS,
    *,
    slug: str | None = None,
    label: str = "First draft",
    translations: dict | None = None,
    language: str = "en",
) -> int:
    """A document published on ``title`` with one draft revision; returns the revision id.

    ``translations`` maps a language to {unit index: text}; each is made from the unit's
    current text.
    """
    slug = slug or title.lower().replace(" ", "-").replace("/", "-")[-90:]
    with db.session() as session:
        document = Document(
            slug=slug,
            title=f"Document {slug}",
            wiki_title=title,
            language=language,
            attribution="Test fixture, CC BY-SA 4.0",
        )
        session.add(document)
        revision = create_revision(
            session, document, drafts(units), label=label, summary="The first draft.", author="Test"
        )
        for lang, texts in (translations or {}).items():
            for index, text in texts.items():
                unit = revision.units[index]
                save_translation(
                    session,
                    document,
                    unit.key,
                    lang,
                    text,
                    source_hash=unit.text_hash,
                    translator="Tester",
                )
        return revision.id


def new_revision(db, revision_id: int, edits: dict[int, str], *, label: str) -> int:
    """A new draft revision of the same document with some units' text replaced."""
    with db.session() as session:
        old = session.get(Revision, revision_id)
        units = [(u.kind, edits.get(i, u.text)) for i, u in enumerate(old.units)]
        revision = create_revision(
            session,
            old.document,
            drafts(units),
            label=label,
            summary=f"Changed {len(edits)} unit(s).",
            author="Test",
        )
        return revision.id


def wiki_page(site, title: str) -> pywikibot.Page:
    """The page freshly read from the wiki (nothing cached)."""
    page = pywikibot.Page(site, title)
    return next(iter(site.preloadpages([page], content=True)))


def history(site, title: str) -> list:
    """The page's revisions, oldest first."""
    return list(pywikibot.Page(site, title).revisions(reverse=True, content=False))


def parsed_html(site, title: str) -> str:
    """The page as the wiki renders it (action=parse), to check what readers would see."""
    return pywikibot.Page(site, title).get_parsed_page(force=True)
