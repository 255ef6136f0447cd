"""The pages one document revision needs on the wiki, and the text each should have.

No wiki access: the source page, one language page per language that has any translation
(unless the wiki's Translate extension makes those itself), and the changelog, rendered by
``services.documents.render`` with an edit summary naming the revision.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bots.messages import changelog_words, message, page_words
from bots.publish_state import PageKind
from services.documents import render
from services.documents.models import Revision, RevisionStatus
from services.documents.store import list_revisions
from services.translations.status import languages, translations_for


@dataclass(frozen=True)
class WantedPage:
    """A page publishing should leave with ``text``, and the summary of the edit doing so."""

    title: str
    text: str
    kind: PageKind
    language: str
    summary: str


def open_consultation(session: Session, revision: Revision):
    """The open consultation on the document, if any (the newest one)."""
    from services.consultations.models import Consultation, ConsultationStatus

    return session.scalars(
        select(Consultation)
        .where(
            Consultation.document_id == revision.document_id,
            Consultation.status == ConsultationStatus.OPEN,
        )
        .order_by(Consultation.id.desc())
        .limit(1)
    ).first()


def consultation_link(
    revision: Revision, consultation, language: str
) -> render.ConsultationLink | None:
    """A link to ``consultation`` through the source page's talk page, in ``language``."""
    from services.consultations.service import talk_page_title

    if consultation is None:
        return None
    return render.ConsultationLink(
        talk_page_title(revision.document.wiki_title),
        message("convene-page-consultation", language, title=consultation.title),
    )


def wanted_pages(
    session: Session, revision: Revision, *, wiki_language: str = "en", translate: bool = False
) -> list[WantedPage]:
    """Every page ``revision`` puts on the wiki, source page first, changelog last.

    ``translate`` writes Extension:Translate markup on the source page and leaves the
    language pages to Translate; ``wiki_language`` chooses the edit summaries' language.
    Each page speaks its own language around the document (header, attribution).
    """
    document = revision.document
    consultation = open_consultation(session, revision)
    when = revision.published_at or revision.created_at
    params = {
        "label": revision.label,
        "document": document.title,
        "date": when.date().isoformat() if when else "",
    }

    def summary(key: str, **extra: str) -> str:
        return message(key, wiki_language, **params, **extra)

    pages = [
        WantedPage(
            document.wiki_title,
            render.render_document(
                revision,
                consultation=consultation_link(revision, consultation, document.language),
                translate=translate,
                words=page_words(document.language),
            ),
            PageKind.SOURCE,
            document.language,
            summary("convene-publish-source-summary"),
        )
    ]
    if not translate:
        for language in languages(session, document):
            if language == document.language:
                continue
            text = render.render_language_page(
                revision,
                language,
                translations_for(session, document, language),
                consultation=consultation_link(revision, consultation, language),
                words=page_words(language),
            )
            pages.append(
                WantedPage(
                    render.language_page_title(document, language),
                    text,
                    PageKind.TRANSLATION,
                    language,
                    summary("convene-publish-translation-summary", language=language),
                )
            )
    history = [
        r
        for r in list_revisions(session, document)
        if r.status in (RevisionStatus.PUBLISHED, RevisionStatus.SUPERSEDED)
    ]
    pages.append(
        WantedPage(
            render.changelog_title(document),
            render.render_changelog(document, history, changelog_words(document.language)),
            PageKind.CHANGELOG,
            document.language,
            summary("convene-publish-changelog-summary"),
        )
    )
    return pages
