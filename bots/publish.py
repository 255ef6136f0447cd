"""Publishing document revisions to the wiki: plan, then apply, in pywikibot's bot style.

Public API:
    publish_revision(config, db, revision_id, *, dry_run=False, force=False, site=None,
                     progress=None) -> PublishResult
        What the Celery task `publish(revision_id)` calls, and (through the functions
        below) `convene publish`.
    publish_revisions(config, db, revision_ids, ...) -> list[PublishResult]
        Several documents in one run: all their pages are read in the same batches.
    publish_document(config, slug, *, revision_number=None, dry_run=False, force=False,
                     db=None, site=None, progress=None) -> PublishResult
    publish_documents(config, slugs, ...) -> list[PublishResult]
        The same by document slug (each one's latest revision unless a number is given);
        `make demo` uses publish_document. ``result.source_url`` / ``changelog_url`` are
        the pages' URLs, ``result.pages`` each page's PageOutcome (action, reason, diff).
    connect(config) -> APISite      the logged-in site, or WikiUnavailable / PublishError
    PublishBot                      the pywikibot bot doing the work
    WikiUnavailable, PublishError   what a caller should show the operator

How: each revision's pages are rendered (``bots.publish_pages``) and the revision is marked
published; the bot reads the pages in batches (``site.preloadpages``, as many titles per
request as the account may), decides per page (``bots.publish_plan.classify``) and saves
only pages whose text differs and that no human changed since Convene's last write. Each
write is recorded at once (``bots.publish_store``), so a run that stops half-way is finished
by the next one without editing a page twice. Writes carry ``baserevid`` and
``basetimestamp`` (pywikibot sends the latter), ``starttimestamp``, and ``nocreate`` for a
page that exists or ``createonly`` for a new one, so a concurrent edit is an edit conflict
and a page deleted meanwhile is not re-created. ``dry_run`` uses pywikibot's simulation:
every write is a no-op and nothing is recorded. The operator's pywikibot configuration
(throttle, maxlag, retries, user agent) is used as it is; pywikibot retries an unreachable,
slow, read-only or lagged wiki with growing waits, then ``WikiUnavailable`` says so.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from urllib.parse import quote

import pywikibot
import requests
from pywikibot import config as pwb_config
from pywikibot.bot import CurrentPageBot, SingleSiteBot
from pywikibot.data import api
from pywikibot.exceptions import (
    APIError,
    ApiTimeoutError,
    EditConflictError,
    MaxlagTimeoutError,
    NoCreateError,
    NoUsernameError,
    OtherPageSaveError,
    PageSaveRelatedError,
    ServerError,
)
from sqlalchemy import select

from bots import publish_store
from bots.messages import message
from bots.publish_pages import WantedPage, wanted_pages
from bots.publish_plan import Action, Decision, LastWrite, WikiState, classify, normalize, text_diff
from bots.publish_state import Drift, DriftResolution, PageKind, PublishedPage
from services.config import Config
from services.db import Database
from services.documents.models import Revision, RevisionStatus
from services.documents.store import (
    DocumentNotFound,
    RevisionNotFound,
    latest_revision,
    mark_published,
    require_document,
    require_revision,
)

# API error codes that mean "the wiki cannot take this now", not "this request is wrong".
UNAVAILABLE_CODES = frozenset({"readonly", "maxlag", "ratelimited"})


class PublishError(RuntimeError):
    """Publishing cannot start: an unknown document or revision, or a refused login."""


class WikiUnavailable(RuntimeError):
    """The wiki did not answer (down, slow, read-only, lagged) after pywikibot's retries."""


@dataclass
class PageOutcome:
    """What publishing did (or, in a dry run, would do) to one page, and why."""

    title: str
    kind: PageKind
    language: str
    action: Action
    reason: str
    url: str
    wiki_revid: int | None = None
    diff: str = ""
    forced: bool = False

    def to_dict(self) -> dict:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["action"] = self.action.value
        return data


@dataclass
class PublishResult:
    document: str
    revision_id: int
    revision_number: int
    label: str
    dry_run: bool
    pages: list[PageOutcome] = field(default_factory=list)
    counter: dict[str, int] = field(default_factory=dict)

    def count(self, action: Action) -> int:
        return sum(1 for page in self.pages if page.action is action)

    @property
    def edits(self) -> int:
        return sum(1 for page in self.pages if page.action.writes)

    @property
    def problems(self) -> list[PageOutcome]:
        """Pages left as they are on the wiki although their text differs."""
        return [
            p
            for p in self.pages
            if p.action in (Action.DRIFTED, Action.CONFLICT, Action.EXCLUDED, Action.FAILED)
        ]

    def _url(self, kind: PageKind) -> str:
        return next((p.url for p in self.pages if p.kind is kind), "")

    @property
    def source_url(self) -> str:
        return self._url(PageKind.SOURCE)

    @property
    def changelog_url(self) -> str:
        return self._url(PageKind.CHANGELOG)

    def summary_line(self) -> str:
        counts = ", ".join(f"{self.count(a)} {a.value}" for a in Action if self.count(a))
        verb = "would publish" if self.dry_run else "published"
        return (
            f"{self.document} revision {self.revision_number} ({self.label}): {verb} "
            f"{len(self.pages)} pages: {counts or 'nothing to do'}"
        )

    def to_dict(self) -> dict:
        return {
            "document": self.document,
            "revision_id": self.revision_id,
            "revision_number": self.revision_number,
            "label": self.label,
            "dry_run": self.dry_run,
            "counter": dict(self.counter),
            "source_url": self.source_url,
            "changelog_url": self.changelog_url,
            "pages": [p.to_dict() for p in self.pages],
        }


@dataclass(frozen=True)
class _Target:
    """The revision being published, as plain values (no session needed during the run)."""

    document_id: int
    slug: str
    revision_id: int
    revision_number: int
    label: str


class Journal:
    """Records each page's outcome in the store as it happens (nothing in a dry run)."""

    def __init__(
        self,
        db: Database,
        wiki: str,
        targets: dict[str, _Target],
        *,
        dry_run: bool,
        drifting: set[str],
    ):
        self.db = db
        self.wiki = wiki
        # The revision each page belongs to, by title.
        self.targets = targets
        self.dry_run = dry_run
        # Titles with an open drift, read once, so an unchanged page costs no query.
        self.drifting = drifting

    def written(
        self,
        wanted: WantedPage,
        title: str,
        wiki_revid: int,
        text: str,
        resolution: DriftResolution,
    ) -> None:
        if self.dry_run:
            return
        with self.db.session() as session:
            publish_store.record_write(
                session,
                wiki=self.wiki,
                title=title,
                document_id=self.targets[title].document_id,
                kind=wanted.kind,
                language=wanted.language,
                revision_id=self.targets[title].revision_id,
                wiki_revid=wiki_revid,
                text=text,
            )
            if title in self.drifting:
                publish_store.resolve_drifts(session, self.wiki, title, resolution)
        self.drifting.discard(title)

    def unchanged(
        self, wanted: WantedPage, title: str, state: WikiState, last: PublishedPage | None
    ) -> None:
        current = (
            last is not None
            and last.wiki_revid == state.revid
            and last.revision_id == self.targets[title].revision_id
        )
        if current and title not in self.drifting:
            return
        self.written(wanted, title, state.revid, normalize(state.text), DriftResolution.MATCHED)

    def drifted(self, title: str, wiki_revid: int, user: str, diff: str) -> None:
        if self.dry_run:
            return
        with self.db.session() as session:
            publish_store.record_drift(
                session,
                wiki=self.wiki,
                title=title,
                document_id=self.targets[title].document_id,
                wiki_revid=wiki_revid,
                user=user,
                diff=diff,
            )
        self.drifting.add(title)


def page_url(page: pywikibot.Page) -> str:
    """The page's address as MediaWiki writes it (slashes and colons left readable)."""
    title = quote(page.title(underscore=True), safe="/:;@$!*(),~")
    return page.site.base_url(page.site.articlepath.format(title))


def wiki_state(page: pywikibot.Page) -> WikiState:
    """The page as its preloaded data shows it (no request)."""
    if not page.exists():
        return WikiState(False)
    return WikiState(True, page.latest_revision_id, page.text, page.latest_revision.user or "")


class PublishBot(SingleSiteBot, CurrentPageBot):
    """Puts each wanted page's text on the wiki where it differs and no human loses work."""

    # Our own dict: ``update_options`` would change BaseBot's shared one for every bot.
    available_options = {"always": True, "force": False}
    # Conflicts become drifts and outages stop the run: both must reach treat_page.
    ignore_save_related_errors = False
    ignore_server_errors = False

    def __init__(
        self,
        *,
        site,
        pages: list[pywikibot.Page],
        wanted: dict[str, WantedPage],
        records: dict,
        journal: Journal,
        wiki_language: str = "en",
        progress: Callable[[PageOutcome], None] | None = None,
        **kwargs,
    ):
        generator = site.preloadpages(pages, groupsize=site.maxlimit, content=True)
        super().__init__(site=site, generator=generator, **kwargs)
        self.all_pages = pages
        self.wanted = wanted
        self.records = records
        self.journal = journal
        self.wiki_language = wiki_language
        self.progress = progress
        self.outcomes: list[PageOutcome] = []
        # (outcome, text sent) of every page saved, read back once at the end.
        self.saved: list[tuple[PageOutcome, str, int]] = []
        # Pages saved (in a dry run: that would have been), for the per-revision counters.
        self.written_titles: set[str] = set()
        self._starttimestamp: str | None = None

    def treat(self, page: pywikibot.Page) -> None:
        # pywikibot announces each page on stdout; ``progress`` reports to the caller instead.
        self._current_page = page
        self.treat_page()

    def treat_page(self) -> None:
        page = self.current_page
        title = page.title()
        wanted = self.wanted[title]
        state = wiki_state(page)
        record = self.records.get(title)
        last = LastWrite(record.wiki_revid, record.text) if record is not None else None
        decision = classify(
            wanted.text, state, last, own_user=self.site.user() or "", force=self.opt.force
        )
        outcome = PageOutcome(
            title,
            wanted.kind,
            wanted.language,
            decision.action,
            decision.reason,
            page_url(page),
            state.revid or None,
            forced=decision.forced,
        )
        if decision.action.writes and state.exists and not page.botMayEdit():
            outcome.action = Action.EXCLUDED
            outcome.reason = "the page keeps Convene out with {{bots}} or {{nobots}}"
        if outcome.action.writes:
            outcome.diff = text_diff(
                state.text,
                wanted.text,
                old_label=f"{title} (wiki r{state.revid})"
                if state.exists
                else f"{title} (new page)",
                new_label=f"{title} (revision {self.journal.targets[title].revision_number})",
            )
            self._write(page, wanted, state, decision, outcome)
        elif outcome.action is Action.UNCHANGED:
            self.journal.unchanged(wanted, title, state, record)
        elif outcome.action is Action.DRIFTED:
            outcome.diff = text_diff(
                last.text if last else wanted.text,
                state.text,
                old_label=f"{title} (Convene r{last.wiki_revid})" if last else f"{title} (Convene)",
                new_label=f"{title} (wiki r{state.revid})"
                if state.exists
                else f"{title} (deleted)",
            )
            self.journal.drifted(title, state.revid, state.user, outcome.diff)
        self.counter[outcome.action.value] += 1
        self.outcomes.append(outcome)
        if self.progress is not None:
            self.progress(outcome)

    def _starttime(self) -> str:
        # Asked once, only when there is something to write, so a no-op run reads nothing more.
        if self._starttimestamp is None:
            self._starttimestamp = self.site.server_time().isoformat()
        return self._starttimestamp

    def _write(
        self,
        page: pywikibot.Page,
        wanted: WantedPage,
        state: WikiState,
        decision: Decision,
        outcome: PageOutcome,
    ) -> None:
        summary = wanted.summary
        if decision.forced:
            summary = message("convene-publish-force-suffix", self.wiki_language, summary=summary)
        guard = (
            dict(nocreate=True, recreate=False, baserevid=state.revid)
            if state.exists
            else dict(createonly=True)
        )
        text = normalize(wanted.text)
        try:
            self.put_current(
                text,
                summary=summary,
                minor=False,
                bot=True,
                watch="nochange",
                asynchronous=False,
                quiet=True,
                show_diff=False,
                starttimestamp=self._starttime(),
                **guard,
            )
        except (EditConflictError, NoCreateError) as exc:
            self._conflict(page, wanted, outcome, exc)
            return
        except PageSaveRelatedError as exc:
            if is_outage(exc):
                raise  # the whole run stops: the next pages would wait just as long
            outcome.action = Action.FAILED
            outcome.reason = f"the wiki refused the edit: {exc}"
            return
        self.written_titles.add(page.title())
        if self.journal.dry_run:
            return
        outcome.wiki_revid = page.latest_revision_id
        self.journal.written(
            wanted,
            page.title(),
            page.latest_revision_id,
            text,
            DriftResolution.OVERWRITTEN if decision.forced else DriftResolution.MATCHED,
        )
        self.saved.append((outcome, text, state.revid))

    def _conflict(
        self, page: pywikibot.Page, wanted: WantedPage, outcome: PageOutcome, exc: Exception
    ) -> None:
        """Someone saved or deleted the page between our read and our edit: look again."""
        fresh = next(
            iter(self.site.preloadpages([pywikibot.Page(self.site, page.title())], content=True))
        )
        state = wiki_state(fresh)
        if state.exists and normalize(state.text) == normalize(wanted.text):
            # Our edit went through although its answer was lost: the page is done.
            outcome.wiki_revid = state.revid
            self.written_titles.add(page.title())
            self.journal.written(
                wanted, page.title(), state.revid, normalize(state.text), DriftResolution.MATCHED
            )
            return
        outcome.action = Action.CONFLICT
        outcome.reason = (
            f"changed on the wiki by {state.user or 'someone'} while publishing "
            f"(r{state.revid}); left as is"
            if state.exists
            else "deleted on the wiki while publishing; not re-created"
        )
        outcome.wiki_revid = state.revid or None
        outcome.diff = text_diff(
            wanted.text,
            state.text,
            old_label=f"{page.title()} (Convene)",
            new_label=f"{page.title()} (wiki r{state.revid})"
            if state.exists
            else f"{page.title()} (deleted)",
        )
        self.journal.drifted(page.title(), state.revid, state.user, outcome.diff)

    def verify_saved(self) -> None:
        """Read back every saved page in one batch: MediaWiki merges an edit made meanwhile
        into ours instead of refusing it, and that person's change must not be lost later."""
        if not self.saved:
            return
        pages = [pywikibot.Page(self.site, outcome.title) for outcome, _, _ in self.saved]
        read = {
            p.title(): p
            for p in self.site.preloadpages(pages, groupsize=self.site.maxlimit, content=True)
        }
        for outcome, text, base_revid in self.saved:
            page = read[outcome.title]
            state = wiki_state(page)
            if state.exists and state.revid == outcome.wiki_revid and normalize(state.text) == text:
                if base_revid and page.latest_revision.parentid != base_revid:
                    self._restore_overwritten(page, outcome, text)
                continue
            who = self._other_editor(read[outcome.title], state)
            self.counter[outcome.action.value] -= 1
            outcome.action = Action.CONFLICT
            if not state.exists:
                outcome.reason = f"deleted on the wiki by {who} right after Convene saved it"
            elif state.revid == outcome.wiki_revid:
                outcome.reason = (
                    f"{who} changed the page while Convene saved it and the "
                    f"wiki merged both edits (r{state.revid}); left as is"
                )
            else:
                outcome.reason = (
                    f"changed on the wiki by {who} right after Convene saved it "
                    f"(r{state.revid}); left as is"
                )
            outcome.diff = text_diff(
                text,
                state.text,
                old_label=f"{outcome.title} (Convene)",
                new_label=f"{outcome.title} (wiki r{state.revid})",
            )
            outcome.wiki_revid = state.revid or None
            self.journal.drifted(outcome.title, state.revid, who, outcome.diff)
            self.counter[Action.CONFLICT.value] += 1
            if self.progress is not None:
                self.progress(outcome)

    def _restore_overwritten(self, page: pywikibot.Page, outcome: PageOutcome, text: str) -> None:
        """Someone saved the page between our read and our edit, and the wiki took our edit
        over theirs (MediaWiki 1.39 detects conflicts by timestamp, to the second): put their
        text back and report a conflict, so the person's work is not lost."""
        ours, theirs = list(page.revisions(total=2, content=True))
        page.text = theirs.text
        page.save(
            summary=message(
                "convene-publish-restore-summary",
                self.wiki_language,
                user=theirs.user or "someone",
                revid=theirs.revid,
            ),
            minor=False,
            bot=True,
            watch="nochange",
            quiet=True,
            nocreate=True,
            baserevid=ours.revid,
        )
        self.counter[outcome.action.value] -= 1
        outcome.action = Action.CONFLICT
        outcome.reason = (
            f"{theirs.user or 'someone'} saved the page (r{theirs.revid}) while "
            f"Convene published; the wiki accepted Convene's edit over theirs, so "
            f"Convene restored their text (r{page.latest_revision_id}); left as is"
        )
        outcome.diff = text_diff(
            text,
            theirs.text,
            old_label=f"{outcome.title} (Convene)",
            new_label=f"{outcome.title} (wiki r{theirs.revid})",
        )
        outcome.wiki_revid = page.latest_revision_id
        self.journal.drifted(
            outcome.title, page.latest_revision_id, theirs.user or "", outcome.diff
        )
        self.counter[Action.CONFLICT.value] += 1
        if self.progress is not None:
            self.progress(outcome)

    def refresh_links(self) -> None:
        """Purge the run's pages once if it created any: links between them (to the changelog,
        to a language page) were rendered before their targets existed and would stay red
        until the wiki's job queue gets round to it, which on a quiet wiki may be never."""
        if any(o.action is Action.CREATE for o, _, _ in self.saved):
            self.site.purgepages(self.all_pages, forcelinkupdate=True)

    def _other_editor(self, page: pywikibot.Page, state: WikiState) -> str:
        """Who, besides Convene's account, edited the page last (history read only here)."""
        own = self.site.user()
        if not state.exists or state.user != own:
            return state.user or "someone"
        for revision in page.revisions(total=10):
            if revision.user and revision.user != own:
                return revision.user
        return "someone"


# --- running it ------------------------------------------------------------------------------


def describe_outage(exc: BaseException, site=None) -> str:
    """What went wrong with the wiki, in the operator's words."""
    if isinstance(exc, OtherPageSaveError) and isinstance(exc.reason, BaseException):
        exc = exc.reason
    reason = read_only_reason(site) if site is not None else None
    if reason is not None:
        return f"the wiki is read-only ({reason})"
    if isinstance(exc, APIError):
        return {
            "readonly": "the wiki is read-only",
            "maxlag": "the wiki's database lags",
            "ratelimited": "the wiki rate-limits this account",
        }.get(exc.code, str(exc))
    if isinstance(exc, MaxlagTimeoutError):
        return "the wiki's database lagged behind for too long (maxlag)"
    text = str(exc)
    if isinstance(exc, ApiTimeoutError) or "Connection refused" in text:
        return "it did not answer (down, unreachable or too slow)"
    if isinstance(exc, ServerError):
        return f"it answered with a server error ({text})"
    return f"{type(exc).__name__}: {text}"


def read_only_reason(site) -> str | None:
    """The wiki's read-only reason if it answers and says it is read-only, else None."""
    request = api.Request(
        site=site,
        parameters={"action": "query", "meta": "siteinfo", "siprop": "general"},
        max_retries=0,
    )
    try:
        general = request.submit()["query"]["general"]
    except Exception:  # it does not answer at all: not a read-only wiki, a missing one
        return None
    if "readonly" not in general:
        return None
    return general.get("readonlyreason") or "no reason given"


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` means the wiki cannot take requests now (after pywikibot's retries)."""
    if isinstance(exc, OtherPageSaveError) and isinstance(exc.reason, BaseException):
        return is_outage(exc.reason)
    if isinstance(exc, APIError):
        return exc.code in UNAVAILABLE_CODES
    return isinstance(
        exc,
        (
            ApiTimeoutError,
            ServerError,
            requests.exceptions.RequestException,
            ConnectionError,
            TimeoutError,
        ),
    )


@contextlib.contextmanager
def simulation(on: bool) -> Iterator[bool]:
    """pywikibot's -simulate for the duration: every write answers success and changes nothing."""
    before = pwb_config.simulate
    if on:
        pwb_config.simulate = True
    try:
        yield bool(pwb_config.simulate)
    finally:
        pwb_config.simulate = before


def connect(config: Config):
    """The wiki as a logged-in pywikibot site, or a WikiUnavailable/PublishError saying why."""
    from bots.site import get_site

    try:
        return get_site(config, login=True)
    except NoUsernameError as exc:
        raise PublishError(
            f"cannot log in to {config.wiki_api_url} as {config.wiki_username!r}: {exc}"
        ) from exc
    except Exception as exc:
        if not is_outage(exc):
            raise
        raise WikiUnavailable(
            f"the wiki at {config.wiki_api_url}: {describe_outage(exc)}, after "
            f"{pwb_config.max_retries} retries with growing waits (pywikibot's max_retries, "
            f"retry_wait, retry_max); nothing was published, run again later"
        ) from exc


def _prepare(
    db: Database, revision_id: int, *, wiki_language: str, translate: bool, dry_run: bool
) -> tuple[_Target, list[WantedPage]]:
    """Mark the revision published and render its pages (rolled back in a dry run)."""
    session = db.sessions()
    try:
        revision = session.get(Revision, revision_id)
        if revision is None:
            raise PublishError(f"no document revision with id {revision_id}")
        if revision.status is not RevisionStatus.PUBLISHED:
            # The pages show the publication date and the changelog lists published
            # revisions, so the revision is published before it is rendered.
            mark_published(session, revision)
        pages = wanted_pages(session, revision, wiki_language=wiki_language, translate=translate)
        target = _Target(
            revision.document_id,
            revision.document.slug,
            revision.id,
            revision.number,
            revision.label,
        )
        if dry_run:
            session.rollback()
        else:
            session.commit()
    finally:
        session.close()
    return target, pages


def publish_revisions(
    config: Config,
    db: Database,
    revision_ids: list[int],
    *,
    dry_run: bool = False,
    force: bool = False,
    site=None,
    progress: Callable[[PageOutcome], None] | None = None,
) -> list[PublishResult]:
    """Publish several revisions (of different documents) in one run: their pages are read
    together, so a run with nothing to do costs one read per 500 (or 50) pages."""
    site = site or connect(config)
    wiki = config.wiki_api_url
    bot: PublishBot | None = None
    what = ", ".join(f"revision id {r}" for r in revision_ids)
    with simulation(dry_run) as simulated:
        try:
            wiki_language = site.lang or "en"
            translate = site.has_extension("Translate")
            prepared = [
                _prepare(
                    db,
                    revision_id,
                    wiki_language=wiki_language,
                    translate=translate,
                    dry_run=simulated,
                )
                for revision_id in revision_ids
            ]
            what = ", ".join(f"{t.slug} revision {t.revision_number}" for t, _ in prepared)
            pages, wanted, targets = [], {}, {}
            for target, planned in prepared:
                for want in planned:
                    page = pywikibot.Page(site, want.title)
                    if page.title() in wanted:
                        raise PublishError(
                            f"two documents publish on {page.title()!r}: "
                            f"{targets[page.title()].slug} and {target.slug}"
                        )
                    pages.append(page)
                    wanted[page.title()] = want
                    targets[page.title()] = target
            with db.session() as session:
                records = publish_store.last_writes(session, wiki, wanted)
                drifting = set(
                    session.scalars(
                        select(Drift.title).where(
                            Drift.wiki == wiki,
                            Drift.resolved_at.is_(None),
                            Drift.document_id.in_({t.document_id for t, _ in prepared}),
                        )
                    )
                )
            journal = Journal(db, wiki, targets, dry_run=simulated, drifting=drifting)
            bot = PublishBot(
                site=site,
                pages=pages,
                wanted=wanted,
                records=records,
                journal=journal,
                wiki_language=wiki_language,
                progress=progress,
                force=force,
            )
            bot.run()
            if not simulated:
                bot.verify_saved()
                bot.refresh_links()
        except Exception as exc:
            if not is_outage(exc):
                raise
            done = sum(
                1
                for o in (bot.outcomes if bot else ())
                if o.action in (Action.CREATE, Action.UPDATE, Action.UNCHANGED)
            )
            raise WikiUnavailable(
                f"the wiki at {wiki}: {describe_outage(exc, site)}, after "
                f"{pwb_config.max_retries} retries with growing waits (pywikibot's "
                f"max_retries, retry_wait, retry_max); {done} pages of {what} are done "
                f"and recorded; run the same command again to finish (no page is edited "
                f"twice)"
            ) from exc
    results = []
    for target, _ in prepared:
        outcomes = [o for o in bot.outcomes if targets[o.title] is target]
        # pywikibot's read/write counters, and one per action, for this revision's pages.
        counter = {
            "read": len(outcomes),
            "write": sum(1 for o in outcomes if o.title in bot.written_titles),
        }
        for outcome in outcomes:
            counter[outcome.action.value] = counter.get(outcome.action.value, 0) + 1
        results.append(
            PublishResult(
                target.slug,
                target.revision_id,
                target.revision_number,
                target.label,
                simulated,
                outcomes,
                counter,
            )
        )
    return results


def publish_revision(
    config: Config,
    db: Database,
    revision_id: int,
    *,
    dry_run: bool = False,
    force: bool = False,
    site=None,
    progress: Callable[[PageOutcome], None] | None = None,
) -> PublishResult:
    """Publish one revision's pages; safe to run again (it finishes what a failed run left)."""
    [result] = publish_revisions(
        config, db, [revision_id], dry_run=dry_run, force=force, site=site, progress=progress
    )
    return result


def resolve_revisions(session, slugs: list[str], revision_number: int | None = None) -> list[int]:
    """The revision ids to publish for document slugs: each one's latest, or ``revision_number``."""
    if revision_number is not None and len(slugs) != 1:
        raise PublishError("a revision number can be given for one document only")
    ids = []
    for slug in slugs:
        try:
            document = require_document(session, slug)
            revision = (
                require_revision(session, document, revision_number)
                if revision_number is not None
                else latest_revision(session, document)
            )
        except (DocumentNotFound, RevisionNotFound) as exc:
            raise PublishError(str(exc)) from exc
        if revision is None:
            raise PublishError(
                f"document {slug!r} has no revision to publish; load its "
                f"content first (convene content load)"
            )
        ids.append(revision.id)
    return ids


def publish_documents(
    config: Config,
    slugs: list[str],
    *,
    revision_number: int | None = None,
    dry_run: bool = False,
    force: bool = False,
    db: Database | None = None,
    site=None,
    progress: Callable[[PageOutcome], None] | None = None,
) -> list[PublishResult]:
    """Publish documents by slug (each one's latest revision) in one run."""
    own_db = db is None
    db = db or Database(config)
    try:
        with db.session() as session:
            revision_ids = resolve_revisions(session, slugs, revision_number)
        return publish_revisions(
            config, db, revision_ids, dry_run=dry_run, force=force, site=site, progress=progress
        )
    finally:
        if own_db:
            db.dispose()


def publish_document(
    config: Config,
    slug: str,
    *,
    revision_number: int | None = None,
    dry_run: bool = False,
    force: bool = False,
    db: Database | None = None,
    site=None,
    progress: Callable[[PageOutcome], None] | None = None,
) -> PublishResult:
    """Publish a document (its latest revision, or ``revision_number``) to the wiki."""
    [result] = publish_documents(
        config,
        [slug],
        revision_number=revision_number,
        dry_run=dry_run,
        force=force,
        db=db,
        site=site,
        progress=progress,
    )
    return result
