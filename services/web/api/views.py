"""``/api/v1``: documents, revisions, consultations, feedback (filter, search, page), triage,
export. Every route is declared with its OpenAPI description (see ``spec``).

Authentication is the session cookie (then changes need the ``X-CSRFToken`` header) or an
API token in ``Authorization: Bearer`` (then CSRF does not apply: a browser never sends it
on its own). A consultation a user has no role on answers 404, as if it did not exist.
"""

from __future__ import annotations

import orjson
from flask import Response, abort, current_app, g, jsonify, request, stream_with_context, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from services.analysis import aggregates
from services.consultations.models import Consultation
from services.documents.models import Document, Revision, Unit
from services.feedback import export as export_mod
from services.feedback import queries, triage
from services.feedback.models import Theme
from services.web import get_db
from services.web.api import schemas
from services.web.api.spec import DescribedBlueprint, Param, openapi_document
from services.web.auth.guard import api_login_required, current_access
from services.web.auth.users import get_user
from services.web.auth.views import csrf
from services.web.dashboard.context import (
    comment_base,
    comment_page,
    comment_wiki_diff,
    comment_wiki_link,
    cursor_key,
    wiki_url,
)
from services.web.dashboard.links import wiki_permalink
from services.web.dashboard.sanitize import clean_comment_html
from services.web.jsonerror import http_error, json_error
from services.web.queueread import QueueRead
from services.web.resultcache import result_cache

bp = DescribedBlueprint("api", __name__, url_prefix="/api/v1")
# CSRF is checked below, for cookie-authenticated calls only.
csrf.exempt(bp)

QUEUE_PARAMS = [
    Param("consultation", "consultation ids", {"type": "integer"}, many=True),
    Param("unit", "unit keys the comment is anchored to", many=True),
    Param("language", "language codes", many=True),
    Param(
        "status", "triage statuses", {"type": "string", "enum": schemas.STATUS_VALUES}, many=True
    ),
    Param("theme", "theme ids", {"type": "integer"}, many=True),
    Param("author", "author user names (exact)", many=True),
    Param("assignee", "assignee user name; '-' for unassigned"),
    Param("from", "posted on or after (YYYY-MM-DD)", {"type": "string", "format": "date"}),
    Param("to", "posted on or before (YYYY-MM-DD)", {"type": "string", "format": "date"}),
    Param(
        "q",
        'full-text search; all terms must match; "quoted phrase"',
        {"type": "string", "maxLength": 200},
    ),
    Param(
        "hidden",
        "1 to include comments hidden on the wiki (without their text)",
        {"type": "string", "enum": ["0", "1"]},
    ),
    Param(
        "sort",
        "newest (default), oldest or updated",
        {"type": "string", "enum": [s.value for s in queries.Sort]},
    ),
    Param(
        "limit",
        f"page size, clamped to 1..{queries.MAX_PAGE_SIZE}",
        {"type": "integer", "default": queries.DEFAULT_PAGE_SIZE},
    ),
    Param("cursor", "next_cursor of the previous page"),
    Param(
        "count",
        f"1 to also count the matches, up to {queries.COUNT_CAP}",
        {"type": "string", "enum": ["0", "1"]},
    ),
]
_QUEUE_PARAM_NAMES = {p.name for p in QUEUE_PARAMS}


@bp.before_request
def _csrf_unless_token():
    if not g.get("via_token"):
        csrf.protect()


@bp.errorhandler(queries.FilterError)
def _filter_error(exc: queries.FilterError):
    return json_error(400, "bad_parameter", str(exc), exc.parameter)


@bp.errorhandler(triage.TriageError)
def _triage_error(exc: triage.TriageError):
    return json_error(400, "bad_change", str(exc), exc.field)


@bp.errorhandler(triage.NotPermitted)
def _not_permitted(exc):
    return json_error(403, "forbidden", str(exc))


@bp.errorhandler(triage.NotFound)
def _not_found(exc):
    return json_error(404, "not_found", str(exc))


bp.register_error_handler(HTTPException, http_error)


def _visible_consultation(session, consultation_id: int) -> Consultation:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None or not current_access().can_view(consultation_id):
        abort(404, f"no consultation {consultation_id}")
    return consultation


def _json_body() -> dict:
    if not request.is_json:
        abort(415, "send the body as JSON with Content-Type: application/json")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "the body is not a JSON object")
    return data


@bp.operation(
    "/openapi.json",
    "GET",
    summary="This API's OpenAPI document",
    tag="meta",
    response=None,
    public=True,
)
def openapi():
    # Paths in the document are absolute (/api/v1/...), so the server is the site root.
    return jsonify(openapi_document(current_app, request.url_root.rstrip("/")))


@bp.operation(
    "/me",
    "GET",
    summary="Who is asking, and their role on each consultation",
    tag="meta",
    response="Me",
)
@api_login_required
def me():
    access = current_access()
    return jsonify(
        {
            "name": access.name,
            "role": access.role.value,
            "via_token": g.via_token,
            "consultations": {str(cid): role.value for cid, role in sorted(access.roles.items())},
        }
    )


# Documents -------------------------------------------------------------------------------


def _latest(session, document_id: int) -> Revision | None:
    return session.scalar(
        select(Revision)
        .where(Revision.document_id == document_id)
        .order_by(Revision.number.desc())
        .limit(1)
    )


def _document_or_404(session, slug: str) -> Document:
    doc = session.scalar(select(Document).where(Document.slug == slug))
    if doc is None:
        abort(404, f"no document {slug!r}")
    return doc


@bp.operation("/documents", "GET", summary="The documents", tag="documents", response=None)
@api_login_required
def documents():
    with get_db().session() as s:
        docs = s.scalars(select(Document).order_by(Document.slug)).all()
        return jsonify({"items": [schemas.document(d, _latest(s, d.id)) for d in docs]})


@bp.operation(
    "/documents/<slug>",
    "GET",
    summary="One document",
    tag="documents",
    response="Document",
    errors=(404,),
)
@api_login_required
def document(slug: str):
    with get_db().session() as s:
        doc = _document_or_404(s, slug)
        return jsonify(schemas.document(doc, _latest(s, doc.id)))


@bp.operation(
    "/documents/<slug>/revisions",
    "GET",
    summary="A document's revisions, newest first",
    tag="documents",
    response=None,
    errors=(404,),
)
@api_login_required
def document_revisions(slug: str):
    with get_db().session() as s:
        doc = _document_or_404(s, slug)
        revs = s.scalars(
            select(Revision).where(Revision.document_id == doc.id).order_by(Revision.number.desc())
        ).all()
        return jsonify({"items": [schemas.revision_summary(r) for r in revs]})


@bp.operation(
    "/revisions/<int:revision_id>",
    "GET",
    summary="A revision with its units",
    tag="documents",
    response="Revision",
    errors=(404,),
)
@api_login_required
def revision(revision_id: int):
    with get_db().session() as s:
        rev = s.get(Revision, revision_id)
        if rev is None:
            abort(404, f"no revision {revision_id}")
        units = s.scalars(
            select(Unit).where(Unit.revision_id == rev.id).order_by(Unit.position)
        ).all()
        return jsonify(schemas.revision(rev, list(units)))


# Consultations ---------------------------------------------------------------------------


@bp.operation(
    "/consultations",
    "GET",
    summary="The consultations you may see",
    tag="consultations",
    response=None,
)
@api_login_required
def consultations():
    access = current_access()
    with get_db().session() as s:
        rows = s.execute(
            select(Consultation, Document.slug)
            .join(Document, Document.id == Consultation.document_id)
            .where(Consultation.id.in_(sorted(access.visible_ids)))
            .options(selectinload(Consultation.pages))
            .order_by(Consultation.id.desc())
        ).all()
        return jsonify(
            {
                "items": [
                    schemas.consultation(c, slug, access.role_on(c.id).value) for c, slug in rows
                ]
            }
        )


@bp.operation(
    "/consultations/<int:consultation_id>",
    "GET",
    summary="One consultation",
    tag="consultations",
    response="Consultation",
    errors=(404,),
)
@api_login_required
def consultation(consultation_id: int):
    with get_db().session() as s:
        c = _visible_consultation(s, consultation_id)
        slug = s.get(Document, c.document_id).slug
        return jsonify(schemas.consultation(c, slug, current_access().role_on(c.id).value))


@bp.operation(
    "/consultations/<int:consultation_id>/themes",
    "GET",
    summary="The themes of a consultation",
    tag="consultations",
    response=None,
    errors=(404,),
)
@api_login_required
def themes(consultation_id: int):
    with get_db().session() as s:
        _visible_consultation(s, consultation_id)
        rows = s.scalars(
            select(Theme).where(Theme.consultation_id == consultation_id).order_by(Theme.name)
        ).all()
        return jsonify({"items": [{"id": t.id, "name": t.name} for t in rows]})


@bp.operation(
    "/consultations/<int:consultation_id>/aggregates",
    "GET",
    summary="Feedback per unit, over time, by language and by status",
    tag="consultations",
    response="Aggregates",
    errors=(404,),
)
@api_login_required
def consultation_aggregates(consultation_id: int):
    with get_db().session() as s:
        c = _visible_consultation(s, consultation_id)
        keys = s.scalars(
            select(Unit.key).where(Unit.revision_id == c.revision_id).order_by(Unit.position)
        ).all()
        counts = aggregates.unit_status_counts(s, c.id)
        extra = sorted(set(counts) - set(keys))  # units of older revisions still commented on
        heat = aggregates.unit_heat([*keys, *extra], counts)
        return jsonify(
            {
                "by_status": dict(aggregates.by_status(s, c.id)),
                "by_language": dict(aggregates.by_language(s, c.id)),
                "over_time": [
                    {"date": d.isoformat(), "count": n} for d, n in aggregates.over_time(s, c.id)
                ],
                "units": [
                    {"key": h.key, "total": h.total, "heat": h.level, "by_status": dict(h.mix)}
                    for h in heat
                ],
            }
        )


@bp.operation(
    "/consultations/<int:consultation_id>/export",
    "GET",
    summary="All feedback of a consultation and its triage, as CSV or JSON",
    tag="consultations",
    response=None,
    content="text/csv",
    params=[Param("format", "csv (default) or json", {"type": "string", "enum": ["csv", "json"]})],
    errors=(404,),
)
@api_login_required
def export(consultation_id: int):
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "json"):
        abort(400, "format must be csv or json")
    with get_db().session() as s:
        c = _visible_consultation(s, consultation_id)
        meta = {
            "consultation": {"id": c.id, "title": c.title, "status": c.status.value},
            "exported_by": current_access().name,
            "fields": export_mod.FIELDS,
        }
    base = wiki_url()

    def generate():
        with get_db().session() as s:
            rows = export_mod.records(s, consultation_id, lambda cm: wiki_permalink(base, cm))
            chunks = export_mod.to_csv(rows) if fmt == "csv" else export_mod.to_json(rows, meta)
            yield from chunks

    mimetype = "text/csv" if fmt == "csv" else "application/json"
    response = Response(stream_with_context(generate()), mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="consultation-{consultation_id}-feedback.{fmt}"'
    )
    return response


# Feedback --------------------------------------------------------------------------------


def queue_request(args) -> tuple[queries.QueueFilter, int, str | None]:
    """The filter, page size and cursor of a queue request; FilterError if any is bad."""
    params = args.to_dict(flat=False)
    unknown = sorted(set(params) - _QUEUE_PARAM_NAMES - {"uselang"})
    if unknown:
        raise queries.FilterError(unknown[0], "not a parameter of the feedback list")
    flt = queries.parse_filter(params)
    limit = queries.clamp_page_size(args.get("limit"))
    if args.get("count") not in (None, "0", "1"):
        raise queries.FilterError("count", "use 1 to count the matches, or 0")
    cursor = args.get("cursor") or None
    if cursor is not None:
        queries.decode_cursor(cursor_key(), cursor, flt.sort)  # refuse a forged one up front
    for cid in flt.consultation_ids:
        if not current_access().can_view(cid):
            raise triage.NotFound(f"no consultation {cid}")
    return flt, limit, cursor


@bp.operation(
    "/feedback",
    "GET",
    summary="Filter, search and page through feedback",
    tag="feedback",
    response="FeedbackPage",
    params=QUEUE_PARAMS,
    errors=(404,),
)
@api_login_required
def feedback():
    flt, limit, cursor = queue_request(request.args)
    # Counting walks every match, so it is done only when asked for.
    want_count = request.args.get("count") == "1"
    read = QueueRead(flt)

    def compute() -> bytes:
        with get_db().lazy_session() as s:
            return _feedback_body(s, read, flt, limit, cursor, want_count)

    body = result_cache().fetch_packed(
        ("api-feedback", read.scope, flt, limit, cursor, want_count, request.script_root), compute
    )
    return Response(body, mimetype="application/json")


def _feedback_body(
    s, read: QueueRead, flt: queries.QueueFilter, limit: int, cursor: str | None, want_count: bool
) -> bytes:
    base, wiki = comment_base(), wiki_url()

    def render(items) -> list[bytes]:
        return [_json(schemas.comment(c, f"{base}{c.id}", wiki_permalink(wiki, c))) for c in items]

    keys = read.keys(s, limit, cursor)
    total, capped = (
        read.count(s, first_page=None if cursor else keys) if want_count else (None, None)
    )
    items = read.shown(s, keys, "api-item", lambda _: base, render)
    next_url = None
    if keys.next_cursor:
        next_url = url_for("api.feedback", **flt.as_params(), limit=limit, cursor=keys.next_cursor)
    # The items are JSON already (cached one by one); only the page around them is encoded.
    rest = _json(
        {
            "limit": keys.limit,
            "next_cursor": keys.next_cursor,
            "next": next_url,
            "total": total,
            "total_is_lower_bound": capped,
        }
    )
    return b'{"items":[' + b",".join(items) + b"]," + rest[1:]


def _json(data) -> bytes:
    # orjson writes the same bytes as json.dumps(ensure_ascii=False, separators=(",", ":"))
    # a twentieth of the time: a page of feedback not cached yet encodes each of its items.
    return orjson.dumps(data)


def _detail(s, comment_id: int) -> dict:
    access = current_access()
    c = queries.get_comment(s, comment_id, access.visible_ids)
    if c is None:
        raise triage.NotFound(f"no comment {comment_id}")
    html = None if c.hidden_reason else str(clean_comment_html(c.text_html, wiki_url()))
    return schemas.comment_detail(
        c,
        url=comment_page,
        wiki_url=comment_wiki_link,
        diff_url=comment_wiki_diff(c),
        html=html,
        thread=queries.thread_of(s, c),
        audit=queries.audit_of(s, c.id),
        can_triage=access.can_triage(c.consultation_id),
    )


@bp.operation(
    "/feedback/<int:comment_id>",
    "GET",
    summary="One comment: its thread, anchors, earlier versions and audit log",
    tag="feedback",
    response="CommentDetail",
    errors=(404,),
)
@api_login_required
def feedback_item(comment_id: int):
    with get_db().session() as s:
        return jsonify(_detail(s, comment_id))


def check_assignee(session, change: triage.TriageChange) -> None:
    if change.assignee and get_user(session, change.assignee) is None:
        raise triage.TriageError("assignee", f"no user named {change.assignee!r}")


@bp.operation(
    "/feedback/<int:comment_id>",
    "PATCH",
    summary="Triage one comment (status, assignee, themes, note, response)",
    tag="feedback",
    response="TriageResult",
    body="TriageChange",
    errors=(403, 404, 415),
)
@api_login_required
def triage_item(comment_id: int):
    change = triage.TriageChange.from_mapping(_json_body())
    access = current_access()
    with get_db().session() as s:
        check_assignee(s, change)
        entry = triage.triage(
            s, comment_id, change, access.name, access.visible_ids, access.triage_ids
        )
    with get_db().session() as s:
        return jsonify({"changed": 0 if entry is None else 1, "comment": _detail(s, comment_id)})


@bp.operation(
    "/feedback/bulk",
    "POST",
    summary="Apply one triage change to many comments (all or none)",
    tag="feedback",
    response="BulkResult",
    body="BulkTriage",
    errors=(403, 404, 415),
)
@api_login_required
def triage_bulk():
    data = _json_body()
    unknown = sorted(set(data) - {"ids", "change"})
    if unknown:
        raise triage.TriageError(unknown[0], "not a field of a bulk triage request")
    ids = data.get("ids")
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids
    ):
        raise triage.TriageError("ids", "must be a list of comment ids")
    change = triage.TriageChange.from_mapping(data.get("change") or {}, bulk=True)
    access = current_access()
    with get_db().session() as s:
        check_assignee(s, change)
        entries = triage.bulk_triage(
            s, ids, change, access.name, access.visible_ids, access.triage_ids
        )
        changed = [e.comment_id for e in entries]
    return jsonify({"changed": len(changed), "ids": changed})
