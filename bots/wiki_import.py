"""Taking a wiki page, as people left it, back into the store as a new draft revision.

Public API:
    import_page(config, db, title, *, document_slug=None, site=None) -> ImportResult
        Read ``title`` as it stands, parse it back into units (``render.parse_rendered``:
        units whose anchor survived keep their key; the store's lineage matching keys the
        rest by similarity), and store a new draft revision unless the content is the same
        as the latest. The page's publish record then points at the wiki revision read, so
        the next publish continues from it, and the page's open drifts are resolved.
    WikiImportError: the page is missing, is not a document's source page, or holds no units.
"""

from __future__ import annotations

from dataclasses import dataclass

import pywikibot
from sqlalchemy import select

from bots import publish_store
from bots.publish import WikiUnavailable, connect, describe_outage, is_outage
from bots.publish_plan import normalize
from bots.publish_state import DriftResolution, PageKind
from services.config import Config
from services.db import Database
from services.documents.diff import RevisionDiff, diff_revisions, render_text
from services.documents.models import Document
from services.documents.render import parse_rendered
from services.documents.store import (
    DocumentNotFound,
    create_revision,
    latest_revision,
    require_document,
    revision_if_unchanged,
)

LABEL_LENGTH = 100


class WikiImportError(ValueError):
    """A page that cannot be imported, with the reason."""


@dataclass
class ImportResult:
    document: str
    title: str
    wiki_revid: int
    user: str
    revision_number: int
    created: bool
    diff: RevisionDiff | None
    resolved_drifts: int

    def diff_text(self) -> str:
        return render_text(self.diff) if self.diff is not None else ""


def _read(site, title: str):
    page = pywikibot.Page(site, title)
    page = next(iter(site.preloadpages([page], content=True)))
    if not page.exists():
        raise WikiImportError(f"page {title!r} does not exist on {site.base_url(site.apipath())}")
    return page


def _document_for(session, title: str, record, slug: str | None) -> Document:
    if slug is not None:
        try:
            return require_document(session, slug)
        except DocumentNotFound as exc:
            raise WikiImportError(str(exc)) from exc
    if record is not None:
        if record.kind is not PageKind.SOURCE:
            raise WikiImportError(
                f"{title!r} is a {record.kind.value} page ({record.language}); only a "
                f"document's source page can be imported"
            )
        return session.get(Document, record.document_id)
    document = session.scalars(select(Document).where(Document.wiki_title == title)).first()
    if document is None:
        raise WikiImportError(
            f"no document is published on {title!r}; name one with --document SLUG"
        )
    return document


def import_page(
    config: Config, db: Database, title: str, *, document_slug: str | None = None, site=None
) -> ImportResult:
    """Store the page as it stands as a new draft revision of its document."""
    site = site or connect(config)
    wiki = config.wiki_api_url
    try:
        page = _read(site, title)
        text, revid = page.text, page.latest_revision_id
        user = page.latest_revision.user or ""
    except WikiImportError:
        raise
    except Exception as exc:
        if not is_outage(exc):
            raise
        raise WikiUnavailable(
            f"the wiki at {wiki}: {describe_outage(exc)}; nothing was imported, run again later"
        ) from exc
    canonical = page.title()
    drafts = [d for d in parse_rendered(text, source=canonical) if d.text.strip()]
    if not drafts:
        raise WikiImportError(
            f"{canonical!r} (r{revid}) holds no headings, paragraphs or list items to import"
        )
    with db.session() as session:
        record = publish_store.page_record(session, wiki, canonical)
        document = _document_for(session, canonical, record, document_slug)
        previous = latest_revision(session, document)
        revision = revision_if_unchanged(session, document, drafts)
        created = revision is None
        if created:
            label = f"Wiki edit r{revid}" + (f" by {user}" if user else "")
            revision = create_revision(
                session,
                document,
                drafts,
                label=label[:LABEL_LENGTH],
                author=user,
                summary=f"Imported from the wiki page [[{canonical}]] as of revision {revid}"
                + (f", last edited by {user}." if user else "."),
            )
        diff = diff_revisions(previous, revision) if created and previous is not None else None
        if record is not None:
            # The page holds this text now by the store's own account: publishing continues
            # from here instead of seeing a human's change.
            record.wiki_revid = revid
            record.text = normalize(text)
            record.revision_id = revision.id
        resolved = publish_store.resolve_drifts(session, wiki, canonical, DriftResolution.IMPORTED)
        return ImportResult(
            document.slug, canonical, revid, user, revision.number, created, diff, len(resolved)
        )
