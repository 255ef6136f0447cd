"""The endpoints the wiki's Convene extension calls: comments, page saves, per-unit status.

Only the wiki calls them, server to server, each call signed with the shared secret
(``services.web.widget_signature``): so no cookie, no session and no CSRF token apply. With no
``widget_shared_secret`` configured every endpoint answers 503 and says what to set.

    POST /api/v1/widget/comments     a comment from the per-paragraph button -> 201 (200 if
                                     the same comment was taken in before)
    POST /api/v1/widget/page-saved   a talk page was saved -> 202; the open consultations that
                                     watch it get a harvest, sent after the commit
    GET  /api/v1/widget/status?document=<slug>
                                     per-unit counts and triage-status mix, nothing private
"""

from __future__ import annotations

from flask import current_app, jsonify, request

from services.feedback.intake import (
    MAX_TEXT_CHARS,
    Refusal,
    WidgetCommentRejected,
    WidgetSubmission,
    consultations_watching,
    document_status,
    take_widget_comment,
)
from services.web import get_db
from services.web.api.spec import DescribedBlueprint, Param
from services.web.auth.views import csrf
from services.web.jsonerror import json_error
from services.web.widget_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

_STRING = {"type": "string"}
_INTEGER = {"type": "integer"}
_COUNTS = {"type": "object", "additionalProperties": _INTEGER}
SCHEMAS = {
    "WidgetComment": {
        "type": "object",
        "required": ["document", "unit", "text", "user", "page"],
        "properties": {
            "document": _STRING,
            "unit": _STRING,
            "text": {"type": "string", "maxLength": MAX_TEXT_CHARS},
            "user": _STRING,
            "page": _STRING,
            "language": _STRING,
            "document_revision": _INTEGER,
            "wiki_revid": _INTEGER,
            "item_id": {"type": "string", "pattern": "^w-[0-9a-f-]{36}$"},
        },
    },
    "WidgetCommentTaken": {
        "type": "object",
        "properties": {
            "comment": {
                "type": "object",
                "properties": {
                    "id": _STRING,
                    "consultation": _INTEGER,
                    "unit": _STRING,
                    "created": {"type": "boolean"},
                },
            }
        },
    },
    "WidgetPageSaved": {
        "type": "object",
        "required": ["title"],
        "properties": {"title": _STRING, "canonical_title": _STRING, "revid": _INTEGER},
    },
    "WidgetHarvests": {
        "type": "object",
        "properties": {"title": _STRING, "harvests": {"type": "array", "items": _INTEGER}},
    },
    "WidgetStatus": {
        "type": "object",
        "properties": {
            "document": _STRING,
            "total": _INTEGER,
            "consultation": {
                "type": "object",
                "nullable": True,
                "properties": {
                    "id": _INTEGER,
                    "title": _STRING,
                    "open": {"type": "boolean"},
                    "closes_at": {"type": "string", "format": "date-time", "nullable": True},
                },
            },
            "units": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "properties": {"count": _INTEGER, "statuses": _COUNTS},
                },
            },
        },
    },
}
SIGNED = [{"wikiSignature": []}]

bp = DescribedBlueprint(
    "widget",
    __name__,
    url_prefix="/api/v1/widget",
    schemas=SCHEMAS,
    security_schemes={
        "wikiSignature": {
            "type": "apiKey",
            "in": "header",
            "name": SIGNATURE_HEADER,
            "description": f"v1=<hex HMAC-SHA256 with the shared secret>, with {TIMESTAMP_HEADER}; "
            f"see services/web/widget_signature.py. Only the wiki's extension calls.",
        }
    },
)
# Authenticated by the HMAC signature of the shared secret, not by a browser session.
csrf.exempt(bp)

_STATUS_OF = {
    Refusal.UNKNOWN_DOCUMENT: 404,
    Refusal.NO_OPEN_CONSULTATION: 409,
    Refusal.DUPLICATE_ID: 409,
    Refusal.UNKNOWN_UNIT: 422,
}
# Answers the shared error table of the API does not describe.
_MORE_ERRORS = {
    409: "No open consultation takes comments, or the item id is taken",
    422: "The document has no such unit",
    503: "The widget is disabled here (no shared secret), or the queue is down",
}


def _describe_more(
    path: str, method: str, codes: tuple[int, ...], success: dict[int, str] | None = None
) -> None:
    responses = bp.operations[bp.url_prefix + path][method.lower()]["responses"]
    if success:
        ok = responses.pop("200")
        for code, description in success.items():
            responses[str(code)] = {**ok, "description": description}
    for code in codes:
        responses[str(code)] = {
            "description": _MORE_ERRORS[code],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }


@bp.before_request
def _signed_by_the_wiki():
    secret = current_app.config["CONVENE"].widget_shared_secret
    if not secret:
        return json_error(
            503,
            "widget_disabled",
            "the wiki widget is disabled on this service: set widget_shared_secret "
            "(CONVENE_WIDGET_SHARED_SECRET) here and the same value as "
            "$wgConveneSharedSecret on the wiki",
        )
    problem = verify(
        secret,
        method=request.method,
        path=request.path,
        params=request.args.items(multi=True),
        body=request.get_data(cache=True),
        timestamp=request.headers.get(TIMESTAMP_HEADER),
        signature=request.headers.get(SIGNATURE_HEADER),
    )
    if problem:
        current_app.logger.warning(
            "widget call refused: %s %s: %s", request.method, request.path, problem
        )
        return json_error(401, "bad_signature", problem)
    return None


@bp.errorhandler(WidgetCommentRejected)
def _rejected(exc: WidgetCommentRejected):
    return json_error(_STATUS_OF.get(exc.reason, 400), exc.reason.value, str(exc), exc.field)


def _json_object() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise WidgetCommentRejected(
            Refusal.BAD_FIELD, "the body must be a JSON object (Content-Type: application/json)"
        )
    return data


@bp.operation(
    "/comments",
    "POST",
    summary="Take a comment made with the wiki's widget",
    tag="widget",
    body="WidgetComment",
    response="WidgetCommentTaken",
    errors=(401, 404),
    security=SIGNED,
)
def comments():
    submission = WidgetSubmission.from_json(_json_object())
    with get_db().session() as session:
        taken = take_widget_comment(session, submission)
    response = jsonify(
        {
            "comment": {
                "id": taken.item_id,
                "consultation": taken.consultation_id,
                "unit": taken.unit_key,
                "created": taken.created,
            }
        }
    )
    response.status_code = 201 if taken.created else 200
    return response


@bp.operation(
    "/page-saved",
    "POST",
    summary="A watched talk page was saved: harvest it",
    tag="widget",
    body="WidgetPageSaved",
    response="WidgetHarvests",
    errors=(401,),
    security=SIGNED,
)
def page_saved():
    from services.worker.after_commit import TaskNotSent, enqueue_after_commit
    from services.worker.tasks.harvest import harvest_consultation

    data = _json_object()
    titles = [
        t
        for t in (data.get("title"), data.get("canonical_title"))
        if isinstance(t, str) and 0 < len(t) <= 255
    ]
    if not titles:
        raise WidgetCommentRejected(
            Refusal.BAD_FIELD, "field 'title' must be a page title", "title"
        )
    try:
        with get_db().session() as session:
            ids = sorted(
                {cid for title in titles for cid in consultations_watching(session, title)}
            )
            for consultation_id in ids:
                enqueue_after_commit(session, harvest_consultation, consultation_id)
    except TaskNotSent as exc:
        return json_error(503, "queue_unavailable", f"the harvest could not be queued: {exc}")
    response = jsonify({"title": titles[0], "harvests": ids})
    response.status_code = 202
    return response


@bp.operation(
    "/status",
    "GET",
    summary="Per-unit comment counts and triage-status mix",
    tag="widget",
    response="WidgetStatus",
    errors=(401, 404),
    security=SIGNED,
    params=[Param("document", "the document's slug", required=True)],
)
def status():
    slug = request.args.get("document", "")
    if not slug or len(slug) > 100:
        raise WidgetCommentRejected(
            Refusal.BAD_FIELD, "parameter 'document' must be a document slug", "document"
        )
    with get_db().session() as session:
        return jsonify(document_status(session, slug))


_describe_more(
    "/comments",
    "POST",
    (409, 422, 503),
    {201: "Taken in", 200: "Taken in before (the same call again): nothing new"},
)
_describe_more("/page-saved", "POST", (503,), {202: "Harvests queued (after the commit)"})
_describe_more("/status", "GET", (503,))
