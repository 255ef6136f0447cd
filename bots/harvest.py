"""Harvest: the talk pages an open consultation watches -> comments in the feedback store.

    run_harvest(config, db, consultation_id) -> HarvestReport     the CLI and the task call this
    harvest(db, reader, consultation_id) -> HarvestReport         the same with any WikiReader

One harvest:
1. asks the wiki for every watched page's latest revision id and ``touched`` time in ONE
   batched query (``prop=info``, up to 500 titles per request for a bot, else 50);
2. for each page whose revision changed: the revisions since the last harvest (who added
   which comment, and their deletion flags) and the thread items of the new revision
   (DiscussionTools' ``discussiontoolspageinfo`` where the wiki has it, else ``action=parse``
   by revision id and our own parser);
3. for each page touched without a new revision (a revision deletion touches the page), and
   for every parsed page, the deletion flags of the revisions its stored comments came from;
4. applies all of it in one transaction (``services.consultations.intake``) and records a
   HarvestRun with what it changed and what it could not attribute.
A harvest with nothing changed on the wiki makes that one batched read and parses nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select

from services.config import Config
from services.consultations.intake import (
    FeedbackIntake,
    IntakeCounts,
    PageSnapshot,
    RevisionInfo,
    SeenComment,
    revids_to_check,
)
from services.consultations.models import (
    Consultation,
    ConsultationStatus,
    HarvestOutcome,
    HarvestRun,
)
from services.db import Database
from services.documents.models import utcnow

# Revisions read per page on a first harvest with no opening time; older ones are not
# attributed to a revision (their comments are still taken in).
MAX_HISTORY = 2000
# The API says a revision's text is hidden only next to its content or its sha1: asking for
# the sha1 (40 characters) tells without downloading any text.
REVISION_PROPS = "ids|timestamp|user|flags|sha1"
# Runs kept per consultation; older reports are pruned.
KEEP_RUNS = 100
# Problem lines kept per run (a broken 10,000-comment page must not make a 10 MB report).
MAX_PROBLEMS = 200


class HarvestError(RuntimeError):
    """The wiki could not be asked at all; nothing was changed. Worth retrying later."""


class HarvestRefused(ValueError):
    """The consultation cannot be harvested (unknown, or not open)."""


@dataclass(frozen=True)
class PageState:
    title: str
    exists: bool
    revid: int | None = None
    touched: datetime | None = None


class WikiReader(Protocol):
    """What a harvest needs from a wiki; ``requests`` counts the API requests made."""

    requests: int

    def page_states(self, titles: Sequence[str]) -> tuple[datetime, dict[str, PageState]]: ...

    def revisions_since(
        self, title: str, after_revid: int | None, since: datetime | None
    ) -> list[RevisionInfo]: ...

    def revision_flags(self, revids: Iterable[int]) -> dict[int, RevisionInfo]: ...

    def comments(self, title: str, revid: int) -> tuple[list[SeenComment], list[str]]: ...


@dataclass
class HarvestReport:
    consultation_id: int
    outcome: HarvestOutcome = HarvestOutcome.OK
    pages_checked: int = 0
    pages_parsed: int = 0
    pages_flag_checked: int = 0
    requests: int = 0
    seconds: float = 0.0
    counts: IntakeCounts = field(default_factory=IntakeCounts)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        c = self.counts
        line = (
            f"consultation #{self.consultation_id}: {self.outcome.value}; "
            f"{self.pages_checked} pages checked, {self.pages_parsed} parsed; "
            f"{c.new} new, {c.edited} edited, {c.hidden} hidden, {c.restored} restored "
            f"comments; {self.requests} requests in {self.seconds:.2f} s"
        )
        if self.problems:
            line += f"; {len(self.problems)} problems"
        return line

    def as_dict(self) -> dict[str, Any]:
        c = self.counts
        return {
            "consultation": self.consultation_id,
            "outcome": self.outcome.value,
            "pages_checked": self.pages_checked,
            "pages_parsed": self.pages_parsed,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "new": c.new,
            "edited": c.edited,
            "hidden": c.hidden,
            "restored": c.restored,
            "outside_window": c.outside_window,
            "problems": list(self.problems),
        }


@dataclass
class _PagePlan:
    page_id: int
    title: str
    language: str
    last_revid: int | None
    last_harvested_at: datetime | None


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"... and {len(problems) - MAX_PROBLEMS} more"]


def harvest(db: Database, reader: WikiReader, consultation_id: int) -> HarvestReport:
    """Take in what changed on the consultation's watched pages since the last harvest."""
    started = time.perf_counter()
    started_at = utcnow()
    report = HarvestReport(consultation_id)
    requests_before = reader.requests
    with db.session() as session:
        consultation = _require_open(session, consultation_id)
        plans = [
            _PagePlan(p.id, p.title, p.language, p.last_revid, p.last_harvested_at)
            for p in consultation.pages
        ]
        opens_at = consultation.opens_at
    report.pages_checked = len(plans)

    try:
        server_time, states = reader.page_states([p.title for p in plans])
    except Exception as exc:  # the wiki is down, slow or refusing: record it, let the caller retry
        report.outcome = HarvestOutcome.FAILED
        report.problems.append(f"the wiki could not be read: {exc}")
        report.requests = reader.requests - requests_before
        report.seconds = time.perf_counter() - started
        _record(db, report, started_at, {})
        raise HarvestError(
            f"harvest of consultation #{consultation_id}: the wiki could not "
            f"be read ({type(exc).__name__}: {exc})"
        ) from exc

    to_parse: list[tuple[_PagePlan, PageState]] = []
    to_check: list[_PagePlan] = []
    gone: list[_PagePlan] = []
    for plan in plans:
        state = states.get(plan.title) or PageState(plan.title, exists=False)
        if not state.exists:
            if plan.last_revid is not None:
                gone.append(plan)
        elif state.revid != plan.last_revid:
            to_parse.append((plan, state))
        elif (
            plan.last_harvested_at is None
            or state.touched is None
            or state.touched >= plan.last_harvested_at
        ):
            to_check.append(plan)

    snapshots: list[tuple[_PagePlan, PageSnapshot]] = []
    page_errors: dict[str, str] = {}
    for plan, state in to_parse:
        since = (
            opens_at.replace(second=0, microsecond=0) - timedelta(minutes=1)
            if plan.last_revid is None and opens_at
            else None
        )
        try:
            revisions = reader.revisions_since(plan.title, plan.last_revid, since)
            comments, problems = reader.comments(plan.title, state.revid)
        except Exception as exc:  # one bad page must not stop the others
            page_errors[plan.title] = f"{type(exc).__name__}: {exc}"
            report.problems.append(f"{plan.title}: could not be read or parsed: {exc}")
            continue
        snapshots.append(
            (
                plan,
                PageSnapshot(
                    plan.title,
                    state.revid,
                    comments,
                    revisions,
                    [f"{plan.title}: {p}" for p in problems],
                ),
            )
        )
    for plan in gone:
        snapshots.append(
            (
                plan,
                PageSnapshot(
                    plan.title,
                    None,
                    problems=[
                        f"{plan.title}: the page no longer exists; its comments count as removed"
                    ],
                ),
            )
        )
    report.pages_parsed = sum(1 for _, s in snapshots if s.revid is not None)

    flags: dict[int, RevisionInfo] = {}
    check_titles = [p.title for p in to_check] + [p.title for p, _ in snapshots]
    if check_titles:
        with db.session() as session:
            revids = revids_to_check(session, consultation_id, check_titles)
        if revids:
            try:
                flags = reader.revision_flags(revids)
            except Exception as exc:
                report.problems.append(f"deletion flags could not be read: {exc}")
                for plan in to_check:
                    page_errors.setdefault(plan.title, f"deletion flags not read: {exc}")
    report.pages_flag_checked = len(to_check)

    if snapshots or to_check or page_errors:
        with db.session() as session:
            consultation = session.get(Consultation, consultation_id)
            pages = {p.id: p for p in consultation.pages}
            intake = FeedbackIntake(session, consultation)
            applied = [(pages[plan.page_id], snap) for plan, snap in snapshots]
            report.counts += intake.apply_snapshots(applied)
            flagged = {r: info for r, info in flags.items() if info.reason or info.text_reason}
            if flagged:
                report.counts.hidden += intake.apply_flags(flagged)
            for page, snap in applied:
                report.problems.extend(snap.problems)
                page.last_revid = snap.revid
                page.last_harvested_at = server_time
                page.last_error = "\n".join(_capped(snap.problems))[:10000]
            for plan in to_check:
                page = pages[plan.page_id]
                if plan.title not in page_errors:
                    page.last_harvested_at = server_time
            for title, error in page_errors.items():
                page = next(p for p in pages.values() if p.title == title)
                page.last_error = error[:10000]
    if page_errors:
        report.outcome = HarvestOutcome.PARTIAL
    report.requests = reader.requests - requests_before
    report.seconds = time.perf_counter() - started
    _record(db, report, started_at, page_errors)
    return report


def _require_open(session, consultation_id: int) -> Consultation:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise HarvestRefused(f"no consultation #{consultation_id}")
    if consultation.status is not ConsultationStatus.OPEN:
        raise HarvestRefused(
            f"consultation #{consultation_id} is "
            f"{consultation.status.value}; only open ones are harvested"
        )
    return consultation


def _record(
    db: Database, report: HarvestReport, started_at: datetime, page_errors: dict[str, str]
) -> None:
    c = report.counts
    with db.session() as session:
        session.add(
            HarvestRun(
                consultation_id=report.consultation_id,
                started_at=started_at,
                finished_at=utcnow(),
                outcome=report.outcome,
                pages_checked=report.pages_checked,
                pages_parsed=report.pages_parsed,
                requests=report.requests,
                comments_new=c.new,
                comments_edited=c.edited,
                comments_hidden=c.hidden,
                comments_restored=c.restored,
                problems=_capped(list(report.problems)),
            )
        )
        session.flush()
        keep = (
            select(HarvestRun.id)
            .where(HarvestRun.consultation_id == report.consultation_id)
            .order_by(HarvestRun.id.desc())
            .limit(KEEP_RUNS)
        )
        session.execute(
            delete(HarvestRun).where(
                HarvestRun.consultation_id == report.consultation_id,
                HarvestRun.id.not_in(keep.scalar_subquery()),
            )
        )


# -- the wiki, through pywikibot -------------------------------------------------------------


def _api_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


def _utc_naive(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _revision_info(data: dict) -> RevisionInfo:
    return RevisionInfo(
        revid=int(data["revid"]),
        timestamp=_api_time(data.get("timestamp")),
        user=data.get("user"),
        texthidden=bool(data.get("texthidden") or data.get("sha1hidden")),
        userhidden=bool(data.get("userhidden")),
        suppressed=bool(data.get("suppressed")),
    )


def seen_comments(items: Iterable[Any], title: str) -> tuple[list[SeenComment], list[str]]:
    """The signed comments among a parser's thread items; what cannot be used is reported."""
    comments: list[SeenComment] = []
    problems: list[str] = []
    for item in items:
        if getattr(item, "type", "comment") != "comment":
            continue
        author = getattr(item, "author", None)
        posted = _utc_naive(getattr(item, "timestamp", None))
        if not author or posted is None:
            problems.append(
                f"comment {item.id!r} has no {'author' if not author else 'time'}; not taken in"
            )
            continue
        comments.append(
            SeenComment(
                item_id=item.id,
                author=author.replace("_", " "),
                posted_at=posted,
                text_html=getattr(item, "html", "") or "",
                text_plain=getattr(item, "text", "") or "",
                parent_item_id=getattr(item, "parent_id", None),
                heading=getattr(item, "heading_text", "") or "",
                level=int(getattr(item, "level", 1)),
            )
        )
    return comments, problems


class PywikibotReader:
    """A WikiReader on a pywikibot Site: ``pywikibot.data.api.Request`` for what has no wrapper."""

    def __init__(self, site, cache_dir=None):
        self.site = site
        self.cache_dir = cache_dir
        self.requests = 0
        self._locale = None
        self._discussiontools: bool | None = None

    def _submit(self, **parameters) -> dict:
        from pywikibot.data import api

        parameters.setdefault("formatversion", 2)
        self.requests += 1
        return api.Request(site=self.site, parameters=parameters).submit()

    def _batch(self) -> int:
        return 500 if self.site.has_right("apihighlimits") else 50

    def page_states(self, titles: Sequence[str]) -> tuple[datetime, dict[str, PageState]]:
        states: dict[str, PageState] = {}
        server_time: datetime | None = None
        size = self._batch()
        for start in range(0, len(titles), size):
            chunk = list(titles[start : start + size])
            answer = self._submit(
                action="query", prop="info", titles="|".join(chunk), curtimestamp=1
            )
            server_time = server_time or _api_time(answer.get("curtimestamp"))
            query = answer.get("query", {})
            renamed = {n["to"]: n["from"] for n in query.get("normalized", [])}
            for page in query.get("pages", []):
                asked = renamed.get(page["title"], page["title"])
                if page.get("missing") or page.get("invalid"):
                    states[asked] = PageState(asked, exists=False)
                else:
                    states[asked] = PageState(
                        asked, True, int(page["lastrevid"]), _api_time(page.get("touched"))
                    )
        return server_time or utcnow(), states

    def revisions_since(
        self, title: str, after_revid: int | None, since: datetime | None
    ) -> list[RevisionInfo]:
        revisions: list[RevisionInfo] = []
        params: dict[str, Any] = {
            "action": "query",
            "prop": "revisions",
            "titles": title,
            "rvprop": REVISION_PROPS,
            "rvlimit": "max",
            "rvdir": "older",
        }
        if since is not None:
            params["rvend"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
        while True:
            answer = self._submit(**params)
            for page in answer.get("query", {}).get("pages", []):
                for data in page.get("revisions", []):
                    info = _revision_info(data)
                    if after_revid is not None and info.revid <= after_revid:
                        return sorted(revisions, key=lambda r: r.revid)
                    revisions.append(info)
            more = answer.get("continue")
            if not more or len(revisions) >= MAX_HISTORY:
                return sorted(revisions, key=lambda r: r.revid)
            params.update(more)

    def revision_flags(self, revids: Iterable[int]) -> dict[int, RevisionInfo]:
        ids = sorted(set(revids))
        found: dict[int, RevisionInfo] = {}
        size = self._batch()
        for start in range(0, len(ids), size):
            answer = self._submit(
                action="query",
                prop="revisions",
                revids="|".join(map(str, ids[start : start + size])),
                rvprop=REVISION_PROPS,
            )
            for page in answer.get("query", {}).get("pages", []):
                for data in page.get("revisions", []):
                    info = _revision_info(data)
                    found[info.revid] = info
        return found

    def _has_discussiontools(self) -> bool:
        if self._discussiontools is None:
            self._discussiontools = bool(self.site.has_extension("DiscussionTools"))
        return self._discussiontools

    def locale(self):
        if self._locale is None:
            from bots.talkparser.fetch import fetch_locale

            self._locale = fetch_locale(self.site, self.cache_dir)
        return self._locale

    def comments(self, title: str, revid: int) -> tuple[list[SeenComment], list[str]]:
        if self._has_discussiontools():
            from bots.talkparser import discussiontools

            answer = self._submit(
                action="discussiontoolspageinfo", page=title, oldid=revid, prop="threaditemshtml"
            )
            result = discussiontools.items_from_api(answer, self.locale(), title)
        else:
            from bots.talkparser import parse_talk_page

            # No table of contents: it is navigation, not anybody's comment.
            answer = self._submit(
                action="parse",
                oldid=revid,
                prop="text",
                disabletoc=1,
                disableeditsection=1,
                disablelimitreport=1,
            )
            text = answer["parse"]["text"]
            html = text if isinstance(text, str) else text["*"]
            result = parse_talk_page(html, self.locale(), title)
        comments, problems = seen_comments(result.items, title)
        return comments, [*map(str, result.problems), *problems]


def make_reader(config: Config) -> PywikibotReader:
    from bots.site import get_site

    site = get_site(config, login=True)
    return PywikibotReader(site, cache_dir=config.state_dir / "cache")


def run_harvest(
    config: Config, db: Database, consultation_id: int, reader: WikiReader | None = None
) -> HarvestReport:
    """Harvest one consultation on the configured wiki (the CLI and the worker call this)."""
    with db.session() as session:  # refuse before contacting the wiki
        _require_open(session, consultation_id)
    try:
        reader = reader or make_reader(config)
    except Exception as exc:  # login or first contact failed: the wiki is not usable now
        raise HarvestError(
            f"harvest of consultation #{consultation_id}: cannot reach the "
            f"wiki at {config.wiki_api_url} ({type(exc).__name__}: {exc})"
        ) from exc
    return harvest(db, reader, consultation_id)


def open_consultation_ids(db: Database) -> list[int]:
    with db.session() as session:
        return list(
            session.scalars(
                select(Consultation.id)
                .where(Consultation.status == ConsultationStatus.OPEN)
                .order_by(Consultation.id)
            )
        )


__all__ = [
    "HarvestError",
    "HarvestRefused",
    "HarvestReport",
    "PageState",
    "PywikibotReader",
    "WikiReader",
    "harvest",
    "make_reader",
    "open_consultation_ids",
    "run_harvest",
    "seen_comments",
]
