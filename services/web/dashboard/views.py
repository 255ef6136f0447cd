"""The dashboard pages: consultations, the triage queue, one comment, the document heat view.

Pages are plain HTML forms (GET to filter, POST with a CSRF token to change), so they work
without JavaScript; the one script only adds "select all" to the queue.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    get_template_attribute,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from services.analysis import aggregates
from services.consultations.models import Consultation
from services.documents.models import Document, Unit
from services.feedback import queries, triage
from services.feedback.models import Comment, Theme, TriageStatus, comment_themes
from services.web import get_db
from services.web.api.views import check_assignee, queue_request
from services.web.auth.csrftoken import csrf_token
from services.web.auth.guard import current_access, page_login_required, safe_next
from services.web.auth.models import User
from services.web.dashboard import charts, fields, i18n
from services.web.dashboard.context import (
    comment_base,
    comment_wiki_diff,
    comment_wiki_link,
    wiki_url,
)
from services.web.dashboard.errors import install_error_pages
from services.web.dashboard.filterform import filter_form
from services.web.dashboard.queuerow import render_row
from services.web.dashboard.sanitize import clean_comment_html
from services.web.queueread import QueueRead, versions_of
from services.web.resultcache import result_cache

bp = Blueprint("dashboard", __name__)

_WIKILINK = re.compile(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]")
_EXTLINK = re.compile(r"\[(?:https?:)?//\S+\s([^\]]*)\]")
_QUOTES = re.compile(r"'{2,}")


@bp.record_once
def _install(state) -> None:
    app = state.app
    app.before_request(_choose_language)
    app.context_processor(_request_context)
    app.jinja_env.globals.update(_TEMPLATE_GLOBALS)
    install_error_pages(app)


def _choose_language() -> None:
    g.uselang = i18n.choose_language(request.args.get("uselang"), request.accept_languages.values())
    g.ui_dir = "rtl" if i18n.direction(g.uselang) == "rtl" else "ltr"


def msg(key: str, *params) -> str:
    return i18n.message(g.get("uselang", i18n.DEFAULT_LANGUAGE), key, *params)


def _words() -> Callable[..., str]:
    """``msg`` bound to the request's language, for code that asks for many messages."""
    return functools.partial(i18n.message, g.get("uselang", i18n.DEFAULT_LANGUAGE))


def status_label(value: str) -> str:
    return msg(i18n.status_key(value))


def unit_plain(text: str) -> str:
    """Unit text without the little wikitext it may carry (links, bold, italic)."""
    text = _WIKILINK.sub(lambda m: m.group(1) or "", text)
    return _QUOTES.sub("", _EXTLINK.sub(r"\1", text))


def _request_context() -> dict:
    return {
        "ui_lang": g.get("uselang", "en"),
        "ui_dir": g.get("ui_dir", "ltr"),
        "access": current_access(),
        "user_name": g.get("user_name", ""),
        "page_urls": _page_urls(request.script_root),
    }


class PageUrls(NamedTuple):
    """The URLs every page links to, built once per URL root rather than on every page."""

    tokens_css: str
    codex_css: str
    convene_css: str
    convene_js: str
    home: str
    queue: str
    signout: str


def _page_urls(script_root: str) -> PageUrls:
    known = current_app.extensions.setdefault("convene.page_urls", {})
    urls = known.get(script_root)
    if urls is None:
        static = lambda name: url_for("static", filename=name)  # noqa: E731
        urls = known[script_root] = PageUrls(
            static("codex/codex-design-tokens.css"),
            static("codex/codex-bidi.css"),
            static("convene.css"),
            static("convene.js"),
            url_for("dashboard.home"),
            url_for("dashboard.queue"),
            url_for("auth.signout"),
        )
    return urls


def audit_value(field: str, value) -> str:
    """A before/after value of the audit log as a person reads it."""
    if value is None or value == "" or value == []:
        return "–"
    if field == "status":
        return status_label(str(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


# Codex info-chip variant per status (none: the neutral "notice" look).
STATUS_CHIP_CLASS = {
    "new": "",
    "in_review": " cdx-info-chip--progressive",
    "accepted": " cdx-info-chip--success",
    "partly_accepted": " cdx-info-chip--success",
    "declined": " cdx-info-chip--error",
    "duplicate": " cdx-info-chip--warning",
    "out_of_scope": "",
    "addressed": " cdx-info-chip--success",
}


_TEMPLATE_GLOBALS = {
    **fields.TEMPLATE_GLOBALS,
    "status_chip_class": STATUS_CHIP_CLASS,
    "msg": msg,
    "text_dir": i18n.direction,
    "status_label": status_label,
    "audit_value": audit_value,
    "statuses": [s.value for s in TriageStatus],
    "status_options": lambda: [(s.value, status_label(s.value)) for s in TriageStatus],
    "language_options": lambda langs: [(code, code) for code in langs],
    "theme_options": lambda themes: [(t.id, t.name) for t in themes],
    "name_options": lambda names: [(n, n) for n in names],
}


@bp.get("/")
def root():
    return redirect(url_for("dashboard.home"))


def _consultation_rows(s, ids) -> list[dict]:
    if not ids:
        return []
    counts: dict[int, dict[str, int]] = {}
    for cid, status, n in s.execute(
        select(Comment.consultation_id, Comment.status, func.count())
        .where(Comment.consultation_id.in_(sorted(ids)), Comment.hidden_reason.is_(None))
        .group_by(Comment.consultation_id, Comment.status)
    ):
        counts.setdefault(cid, {})[status.value] = n
    rows = s.execute(
        select(Consultation, Document.title)
        .join(Document)
        .where(Consultation.id.in_(sorted(ids)))
        .order_by(Consultation.id.desc())
    ).all()
    return [
        {
            "id": c.id,
            "title": c.title,
            "status": c.status.value,
            "document": title,
            "total": sum(counts.get(c.id, {}).values()),
            "new": counts.get(c.id, {}).get("new", 0),
            "role": current_access().role_on(c.id).value,
        }
        for c, title in rows
    ]


@bp.get("/dashboard/")
@page_login_required
def home():
    with get_db().session() as s:
        rows = _consultation_rows(s, current_access().visible_ids)
    return render_template("home.html", consultations=rows)


# The queue -------------------------------------------------------------------------------
#
# The page is put together from cached parts: the filter form, the bulk controls and what
# they offer, keyed by the data versions of the consultations the viewer sees (here), and
# the query's rows, cached comment by comment (services.web.queueread). Only what belongs
# to the session (user, CSRF token, flash messages) is rendered on every request.

_ACTIVE_USERS = (
    select(User.__table__.c.name)
    .where(User.__table__.c.disabled.is_(False))
    .order_by(User.__table__.c.name)
)


class ThemeOption(NamedTuple):
    id: int
    name: str


@dataclass(frozen=True)
class QueueContext:
    """What the queue's controls offer: the consultations, themes and units to choose from."""

    consultations: tuple[tuple[int, str], ...]
    themes: tuple[ThemeOption, ...]
    units: tuple[tuple[str, str], ...]

    @property
    def titles(self) -> dict[int, str]:
        return dict(self.consultations)

    @property
    def size(self) -> int:
        return 100 * (len(self.consultations) + len(self.themes) + len(self.units))


def _size(value) -> int:
    return value.size if isinstance(value, QueueContext) else len(value)


def _queue_context(s, flt: queries.QueueFilter, versions) -> QueueContext:
    # Consultations' titles and themes move their data versions; a revision's units never change.
    focus = frozenset(flt.consultation_ids) or current_access().visible_ids
    unit_source = flt.consultation_ids[0] if len(flt.consultation_ids) == 1 else None

    def compute() -> QueueContext:
        visible = current_access().visible_ids
        consultations = s.execute(
            select(Consultation.id, Consultation.title)
            .where(Consultation.id.in_(sorted(visible)))
            .order_by(Consultation.id.desc())
        ).all()
        units = ()
        if unit_source is not None:
            revision_id = s.scalar(
                select(Consultation.revision_id).where(Consultation.id == unit_source)
            )
            units = tuple(
                (key, unit_plain(text)[:80])
                for key, text in s.execute(
                    select(Unit.key, Unit.text)
                    .where(Unit.revision_id == revision_id)
                    .order_by(Unit.position)
                )
            )
        themes = tuple(ThemeOption(t.id, t.name) for t in queries.themes_of(s, focus))
        return QueueContext(tuple((cid, title) for cid, title in consultations), themes, units)

    return result_cache().fetch(("queue-context", versions, focus, unit_source), compute, _size)


def _queue_filters(s, flt: queries.QueueFilter, limit: int, versions, users, languages) -> Markup:
    """The filter form, showing the query's values."""

    def compute() -> Markup:
        context = _queue_context(s, flt, versions)
        return filter_form(
            flt,
            limit,
            msg=_words(),
            action=_page_urls(request.script_root).queue,
            consultations=context.consultations,
            units=context.units,
            languages=languages,
            themes=context.themes,
            users=users,
        )

    return result_cache().fetch(
        ("queue-filters", versions, flt, limit, languages, g.get("uselang"), request.script_root),
        compute,
    )


def _queue_bulk(s, flt: queries.QueueFilter, versions, users) -> Markup:
    """The bulk-action controls (the same for every query on the same consultations)."""

    def compute() -> Markup:
        themes = _queue_context(s, flt, versions).themes
        return Markup(render_template("_queue_bulk.html", users=users, themes=themes))

    focus = frozenset(flt.consultation_ids) or current_access().visible_ids
    return result_cache().fetch(("queue-bulk", versions, focus, g.get("uselang")), compute)


# Listing the languages present reads a whole index; a minute-old list is good enough.
_LANGUAGE_TTL = 60.0
_language_cache: dict[tuple, tuple[float, list[str]]] = {}


def _languages(consultation_ids) -> list[str]:
    key = (get_db().url, frozenset(consultation_ids))
    hit = _language_cache.get(key)
    now = time.monotonic()
    if hit is None or hit[0] < now:
        if len(_language_cache) > 256:
            _language_cache.clear()
        with get_db().session() as s:
            languages = queries.languages_of(s, consultation_ids)
        hit = _language_cache[key] = (now + _LANGUAGE_TTL, languages)
    return hit[1]


def _row_renderer(s, flt: queries.QueueFilter, versions, triage_ids):
    """Renders queue rows (one string each) for comments the cache does not have yet."""

    def render(items) -> list[str]:
        chip = get_template_attribute("_macros.html", "status_chip")
        chips = {status: str(chip(status.value)) for status in {item.status for item in items}}
        titles = _queue_context(s, flt, versions).titles
        base, environment = comment_base(), current_app.jinja_env
        words = _words()
        return [
            render_row(
                c,
                title=titles.get(c.consultation_id, ""),
                can_triage=c.consultation_id in triage_ids,
                comment_base=base,
                status_chip=chips[c.status],
                msg=words,
                environment=environment,
            )
            for c in items
        ]

    return render


# Where the session's CSRF token goes in the cached page content. It holds "<", which
# escaped text never does, so nothing a user wrote can look like it.
_CSRF_SLOT = Markup("<csrf-slot>")


@bp.get("/dashboard/queue")
@page_login_required
def queue():
    access = current_access()
    error = None
    try:
        flt, limit, cursor = queue_request(request.args)
    except (queries.FilterError, triage.NotFound) as exc:
        flt, limit, cursor, error = queries.QueueFilter(), queries.DEFAULT_PAGE_SIZE, None, str(exc)
    # As read with the access, before anything computed here: that is at least as new.
    versions = versions_of(access.visible_ids)
    languages = tuple(_languages(flt.consultation_ids or access.visible_ids))

    def content() -> bytes:
        with get_db().lazy_session() as s:
            return _queue_content(s, flt, limit, cursor, error, versions, languages).encode()

    if error:
        packed = content()
    else:
        # The content shows the viewer's roles (checkboxes, bulk controls), the query (the
        # form, return_to), the users (assignees; a change to them moves every version) and
        # the interface language.
        roles = tuple(sorted((cid, role.value) for cid, role in access.roles.items()))
        packed = result_cache().fetch_packed(
            (
                "queue-content",
                versions,
                roles,
                flt,
                limit,
                cursor,
                languages,
                g.get("uselang"),
                request.script_root,
                request.full_path,
            ),
            content,
        )
    return _queue_page(packed), 400 if error else 200


# Where the content goes in the cached page around it; both slots as the page is sent.
_CONTENT_SLOT = Markup("<content-slot>")
_CONTENT_SLOT_BYTES, _CSRF_SLOT_BYTES = _CONTENT_SLOT.encode(), _CSRF_SLOT.encode()


def _queue_page(content: bytes) -> bytes:
    """The queue page around its content, the session's CSRF token in every slot.

    The page around it (header, navigation, the user's name and role) is the same on every
    query: it is cached per user and interface language, and made anew only when the
    session has messages to flash. The page is put together as it is sent, in UTF-8: a
    queue page is some 70 KB, and decoding it to fill in its slots and encoding it again
    cost as much as the rest of a cached page."""

    def render() -> tuple[bytes, bytes]:
        shell = render_template("queue.html", content=_CONTENT_SLOT, csrf_token=lambda: _CSRF_SLOT)
        before, _, after = shell.encode().partition(_CONTENT_SLOT_BYTES)
        return before, after

    access = current_access()
    before, after = (
        render()
        if session.get("_flashes")
        else result_cache().fetch(
            (
                "queue-shell",
                access.user_id,
                access.name,
                access.role,
                g.get("uselang"),
                request.script_root,
            ),
            render,
            size=lambda parts: 200 + len(parts[0]) + len(parts[1]),
        )
    )
    token = csrf_token().encode()
    # Every piece is a view into the shell or the content, not a copy: the page is copied
    # once, by the join.
    pieces = []
    for part in (before, content, after):
        view, start = memoryview(part), 0
        while (at := part.find(_CSRF_SLOT_BYTES, start)) >= 0:
            pieces += (view[start:at], token)
            start = at + len(_CSRF_SLOT_BYTES)
        pieces.append(view[start:])
    return b"".join(pieces)


def _queue_content(
    s,
    flt: queries.QueueFilter,
    limit: int,
    cursor: str | None,
    error: str | None,
    versions,
    languages,
) -> Markup:
    """The queue page without the session's parts, the CSRF token left at its slot."""
    access = current_access()
    # Every change to the users moves every version (``services.web.auth.models``).
    users = result_cache().fetch(
        ("queue-users", versions),
        lambda: tuple(s.execute(_ACTIVE_USERS).scalars()),
        size=lambda names: 100 + sum(map(len, names)),
    )
    keys, total, capped, rows = None, None, None, []
    filters = _queue_filters(s, flt, limit, versions, users, languages)
    if not error:
        read = QueueRead(flt)
        keys = read.keys(s, limit, cursor)
        # The count walks every match: shown on the first page, not on each next one.
        total, capped = read.count(s, first_page=keys) if cursor is None else (None, None)
        # A row shows a checkbox where the viewer may triage, in the interface language.
        variant = (g.get("uselang"), request.script_root)
        rows = [
            Markup(row)
            for row in read.shown(
                s,
                keys,
                "queue-row",
                lambda cid: (cid in access.triage_ids, *variant),
                _row_renderer(s, flt, versions, access.triage_ids),
            )
        ]
    may_triage = access.may_triage_anything
    bulk = _queue_bulk(s, flt, versions, users) if may_triage and rows else Markup()
    next_url = None
    if keys is not None and keys.next_cursor:
        next_url = url_for(
            "dashboard.queue", **flt.as_params(), limit=limit, cursor=keys.next_cursor
        )
    return Markup(
        render_template(
            "_queue_content.html",
            error=error,
            flt=flt,
            filters=filters,
            bulk=bulk,
            rows=rows,
            has_items=bool(rows),
            total=total,
            capped=capped,
            next_url=next_url,
            is_first_page=cursor is None,
            first_url=url_for("dashboard.queue", **flt.as_params(), limit=limit),
            may_triage=may_triage,
            csrf_slot=_CSRF_SLOT,
            msg=_words(),
        )
    )


def _form_change(form: MultiDict, *, bulk: bool) -> triage.TriageChange:
    data: dict = {}
    if form.get("status"):
        data["status"] = form["status"]
    if "assignee" in form and (not bulk or form.get("assignee")):
        data["assignee"] = "" if form["assignee"] == "-" else form["assignee"]
    if bulk:
        if form.get("add_theme", "").strip():
            data["add_themes"] = [form["add_theme"]]
        if form.get("remove_theme", "").strip():
            data["remove_themes"] = [form["remove_theme"]]
    else:
        if "themes" in form:
            data["themes"] = [t for t in (x.strip() for x in form["themes"].split(",")) if t]
        for name in ("note", "response"):
            if name in form:
                data[name] = form[name].replace("\r\n", "\n")
        if form.get("duplicate_of", "").strip():
            data["duplicate_of"] = form["duplicate_of"].strip()
    return triage.TriageChange.from_mapping(data, bulk=bulk)


def _refuse(status: int, message: str):
    return render_template("error.html", status=status, error_message=message), status


@bp.post("/dashboard/queue/bulk")
@page_login_required
def bulk():
    access = current_access()
    back = safe_next(request.form.get("return_to"), url_for("dashboard.queue"))
    raw_ids = request.form.getlist("ids")
    if not raw_ids:
        return _refuse(400, msg("convene-bulk-none-selected"))
    if not all(i.isdigit() and len(i) < 13 for i in raw_ids):
        return _refuse(400, "ids: not comment ids")
    try:
        change = _form_change(request.form, bulk=True)
        with get_db().session() as s:
            check_assignee(s, change)
            entries = triage.bulk_triage(
                s,
                [int(i) for i in raw_ids],
                change,
                access.name,
                access.visible_ids,
                access.triage_ids,
            )
    except triage.TriageError as exc:
        return _refuse(400, str(exc))
    except triage.NotPermitted as exc:
        return _refuse(403, str(exc))
    except triage.NotFound as exc:
        return _refuse(404, str(exc))
    flash(msg("convene-bulk-done", len(entries), len(set(raw_ids))), "success")
    return redirect(back)


# One comment -----------------------------------------------------------------------------


@bp.route("/dashboard/comments/<int:comment_id>", methods=["GET", "POST"])
@page_login_required
def comment(comment_id: int):
    access = current_access()
    error, status = None, 200
    if request.method == "POST":
        try:
            change = _form_change(request.form, bulk=False)
            with get_db().session() as s:
                check_assignee(s, change)
                entry = triage.triage(
                    s, comment_id, change, access.name, access.visible_ids, access.triage_ids
                )
            flash(msg("convene-triage-saved" if entry else "convene-triage-unchanged"), "success")
            return redirect(url_for("dashboard.comment", comment_id=comment_id))
        except triage.TriageError as exc:
            error, status = str(exc), 400
        except triage.NotPermitted as exc:
            return _refuse(403, str(exc))
        except triage.NotFound:
            abort(404)
    with get_db().session() as s:
        c = queries.get_comment(s, comment_id, access.visible_ids)
        if c is None:
            abort(404)
        consultation = s.get(Consultation, c.consultation_id)
        unit_texts = {
            u.key: unit_plain(u.text)
            for u in s.scalars(
                select(Unit).where(
                    Unit.key.in_([a.unit_key for a in c.anchors]),
                    Unit.revision_id.in_(
                        {a.revision_id or consultation.revision_id for a in c.anchors} or {0}
                    ),
                )
            )
        }
        context = {
            "c": c,
            "consultation": consultation,
            "html": None if c.hidden_reason else clean_comment_html(c.text_html, wiki_url()),
            "thread": queries.thread_of(s, c),
            "audit": queries.audit_of(s, c.id),
            "wiki_link": comment_wiki_link(c),
            "wiki_diff": comment_wiki_diff(c),
            "unit_texts": unit_texts,
            "can_triage": access.can_triage(c.consultation_id),
            "users": s.scalars(
                select(User.name).where(User.disabled.is_(False)).order_by(User.name)
            ).all(),
            "duplicate": s.get(Comment, c.duplicate_of_id) if c.duplicate_of_id else None,
        }
        return render_template("comment.html", error=error, form=request.form, **context), status


# The document view -----------------------------------------------------------------------


@bp.get("/dashboard/consultations/<int:consultation_id>")
@page_login_required
def consultation(consultation_id: int):
    access = current_access()
    if not access.can_view(consultation_id):
        abort(404)
    rtl = g.get("ui_dir") == "rtl"
    with get_db().session() as s:
        c = s.scalar(
            select(Consultation)
            .where(Consultation.id == consultation_id)
            .options(selectinload(Consultation.pages))
        )
        if c is None:
            abort(404)
        document = s.get(Document, c.document_id)
        units = list(
            s.scalars(select(Unit).where(Unit.revision_id == c.revision_id).order_by(Unit.position))
        )
        counts = aggregates.unit_status_counts(s, c.id)
        heat = {h.key: h for h in aggregates.unit_heat([u.key for u in units], counts)}
        other_units = sorted(set(counts) - {u.key for u in units})
        by_status = aggregates.by_status(s, c.id)
        by_language = aggregates.by_language(s, c.id)
        over_time = aggregates.over_time(s, c.id)
        themes = s.execute(
            select(Theme.name, func.count())
            .join(comment_themes, comment_themes.c.theme_id == Theme.id)
            .where(Theme.consultation_id == c.id)
            .group_by(Theme.name)
            .order_by(func.count().desc())
            .limit(20)
        ).all()
    rows = [
        {
            "unit": u,
            "text": unit_plain(u.text),
            "heat": heat[u.key],
            "mix": charts.mix_bar(
                heat[u.key].mix,
                title=msg("convene-chart-unit-mix", u.key),
                label=status_label,
                rtl=rtl,
            ),
        }
        for u in units
    ]
    return render_template(
        "consultation.html",
        c=c,
        document=document,
        rows=rows,
        other_units=other_units,
        by_status=by_status,
        by_language=by_language,
        over_time=over_time,
        themes=themes,
        time_chart=charts.column_chart(over_time, title=msg("convene-chart-over-time"), rtl=rtl),
        language_chart=charts.bar_chart(
            by_language, title=msg("convene-chart-by-language"), rtl=rtl
        ),
        status_chart=charts.bar_chart(
            by_status,
            title=msg("convene-chart-by-status"),
            label=status_label,
            rtl=rtl,
            css_class=lambda v: f"convene-status-{v}",
        ),
        can_triage=access.can_triage(c.id),
    )
