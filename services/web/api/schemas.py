"""What the API returns: JSON Schemas (for the OpenAPI document) and the functions that
turn models into data of exactly those shapes.

Comments hidden on the wiki are served without text or author, whatever the database holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.consultations.models import Consultation
from services.documents.models import Document, Revision, Unit
from services.feedback.models import AuditEntry, Comment, CommentVersion, TriageStatus
from services.feedback.queries import QueueItem

STATUS_VALUES = [s.value for s in TriageStatus]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


STRING, INTEGER, BOOLEAN, NUMBER = (
    {"type": "string"},
    {"type": "integer"},
    {"type": "boolean"},
    {"type": "number"},
)
DATETIME = {"type": "string", "format": "date-time"}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


SCHEMAS: dict[str, dict] = {
    "Error": _object(
        {
            "error": _object(
                {"code": STRING, "message": STRING, "parameter": STRING},
                required=["code", "message"],
            )
        }
    ),
    "Me": _object(
        {
            "name": STRING,
            "role": STRING,
            "via_token": BOOLEAN,
            "consultations": {"type": "object", "additionalProperties": STRING},
        }
    ),
    "Document": _object(
        {
            "slug": STRING,
            "title": STRING,
            "wiki_title": STRING,
            "language": STRING,
            "attribution": STRING,
            "latest_revision": _nullable(INTEGER),
        }
    ),
    "RevisionSummary": _object(
        {
            "id": INTEGER,
            "number": INTEGER,
            "label": STRING,
            "status": STRING,
            "summary": STRING,
            "author": STRING,
            "created_at": DATETIME,
            "published_at": _nullable(DATETIME),
            "parent_id": _nullable(INTEGER),
        }
    ),
    "Unit": _object(
        {
            "key": STRING,
            "position": INTEGER,
            "kind": STRING,
            "level": INTEGER,
            "ordered": BOOLEAN,
            "text": STRING,
        }
    ),
    "Revision": {
        "allOf": [
            _ref("RevisionSummary"),
            _object({"document": STRING, "units": {"type": "array", "items": _ref("Unit")}}),
        ]
    },
    "Consultation": _object(
        {
            "id": INTEGER,
            "title": STRING,
            "document": STRING,
            "revision_id": INTEGER,
            "status": STRING,
            "prompts": {"type": "array"},
            "opens_at": _nullable(DATETIME),
            "closes_at": _nullable(DATETIME),
            "pages": {"type": "array", "items": STRING},
            "your_role": STRING,
        }
    ),
    "Theme": _object({"id": INTEGER, "name": STRING}),
    "Anchor": _object(
        {
            "unit_key": STRING,
            "revision_id": _nullable(INTEGER),
            "method": STRING,
            "confidence": NUMBER,
        }
    ),
    "Comment": _object(
        {
            "id": INTEGER,
            "consultation_id": INTEGER,
            "page_title": STRING,
            "item_id": _nullable(STRING),
            "parent_item_id": _nullable(STRING),
            "heading": STRING,
            "author": _nullable(STRING),
            "posted_at": _nullable(DATETIME),
            "language": STRING,
            "excerpt": _nullable(STRING),
            "status": {"type": "string", "enum": STATUS_VALUES},
            "assignee": STRING,
            "themes": {"type": "array", "items": STRING},
            "units": {"type": "array", "items": STRING},
            "hidden": _nullable(STRING),
            "updated_at": DATETIME,
            "url": STRING,
            "wiki_url": _nullable(STRING),
        }
    ),
    "CommentVersion": _object(
        {"text": _nullable(STRING), "wiki_revid": _nullable(INTEGER), "seen_at": DATETIME}
    ),
    "AuditEntry": _object(
        {
            "id": INTEGER,
            "actor": STRING,
            "action": STRING,
            "before": {"type": "object"},
            "after": {"type": "object"},
            "at": DATETIME,
        }
    ),
    "CommentDetail": {
        "allOf": [
            _ref("Comment"),
            _object(
                {
                    "text": _nullable(STRING),
                    "html": _nullable(STRING),
                    "note": STRING,
                    "response": STRING,
                    "duplicate_of": _nullable(INTEGER),
                    "wiki_revid": _nullable(INTEGER),
                    "diff_url": _nullable(STRING),
                    "anchors": {"type": "array", "items": _ref("Anchor")},
                    "versions": {"type": "array", "items": _ref("CommentVersion")},
                    "thread": {"type": "array", "items": _ref("Comment")},
                    "audit": {"type": "array", "items": _ref("AuditEntry")},
                    "can_triage": BOOLEAN,
                }
            ),
        ]
    },
    "FeedbackPage": _object(
        {
            "items": {"type": "array", "items": _ref("Comment")},
            "limit": INTEGER,
            "next_cursor": _nullable(STRING),
            "next": _nullable(STRING),
            "total": _nullable(INTEGER),
            "total_is_lower_bound": _nullable(BOOLEAN),
        }
    ),
    "TriageChange": {
        **_object(
            {
                "status": {"type": "string", "enum": STATUS_VALUES},
                "assignee": STRING,
                "themes": {"type": "array", "items": STRING},
                "add_themes": {"type": "array", "items": STRING},
                "remove_themes": {"type": "array", "items": STRING},
                "note": STRING,
                "response": STRING,
                "duplicate_of": INTEGER,
            },
            required=[],
        ),
        "minProperties": 1,
    },
    "BulkTriage": _object(
        {
            "ids": {"type": "array", "items": INTEGER, "minItems": 1, "maxItems": 500},
            "change": _object(
                {
                    "status": {"type": "string", "enum": STATUS_VALUES},
                    "assignee": STRING,
                    "add_themes": {"type": "array", "items": STRING},
                    "remove_themes": {"type": "array", "items": STRING},
                },
                required=[],
            ),
        }
    ),
    "TriageResult": _object(
        {"changed": INTEGER, "comment": _ref("CommentDetail")}, required=["changed"]
    ),
    "BulkResult": _object({"changed": INTEGER, "ids": {"type": "array", "items": INTEGER}}),
    "Aggregates": _object(
        {
            "by_status": {"type": "object", "additionalProperties": INTEGER},
            "by_language": {"type": "object", "additionalProperties": INTEGER},
            "over_time": {"type": "array", "items": _object({"date": STRING, "count": INTEGER})},
            "units": {
                "type": "array",
                "items": _object(
                    {
                        "key": STRING,
                        "total": INTEGER,
                        "heat": INTEGER,
                        "by_status": {"type": "object", "additionalProperties": INTEGER},
                    }
                ),
            },
        }
    ),
}


def iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


def document(doc: Document, latest: Revision | None) -> dict[str, Any]:
    return {
        "slug": doc.slug,
        "title": doc.title,
        "wiki_title": doc.wiki_title,
        "language": doc.language,
        "attribution": doc.attribution,
        "latest_revision": latest.id if latest else None,
    }


def revision_summary(rev: Revision) -> dict[str, Any]:
    return {
        "id": rev.id,
        "number": rev.number,
        "label": rev.label,
        "status": rev.status.value,
        "summary": rev.summary,
        "author": rev.author,
        "created_at": iso(rev.created_at),
        "published_at": iso(rev.published_at),
        "parent_id": rev.parent_id,
    }


def unit(u: Unit) -> dict[str, Any]:
    return {
        "key": u.key,
        "position": u.position,
        "kind": u.kind.value,
        "level": u.level,
        "ordered": u.ordered,
        "text": u.text,
    }


def revision(rev: Revision, units: list[Unit]) -> dict[str, Any]:
    return {
        **revision_summary(rev),
        "document": rev.document.slug,
        "units": [unit(u) for u in units],
    }


def consultation(c: Consultation, document_slug: str, your_role: str) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "document": document_slug,
        "revision_id": c.revision_id,
        "status": c.status.value,
        "prompts": list(c.prompts or []),
        "opens_at": iso(c.opens_at),
        "closes_at": iso(c.closes_at),
        "pages": [p.title for p in c.pages],
        "your_role": your_role,
    }


def comment(c: QueueItem, url: str, wiki_url: str | None) -> dict[str, Any]:
    hidden = c.hidden_reason is not None
    return {
        # The DiscussionTools id names the author, so a hidden comment does not show it.
        "id": c.id,
        "consultation_id": c.consultation_id,
        "page_title": c.page_title,
        "item_id": None if hidden else c.item_id,
        "parent_item_id": c.parent_item_id,
        "heading": c.heading,
        "author": None if hidden else c.author,
        "posted_at": iso(c.posted_at),
        "language": c.language,
        "excerpt": None if hidden else (c.excerpt or ""),
        "status": c.status.value,
        "assignee": c.assignee or "",
        "themes": list(c.themes),
        "units": list(c.units),
        "hidden": c.hidden_reason.value if hidden else None,
        "updated_at": iso(c.updated_at),
        "url": url,
        "wiki_url": wiki_url,
    }


def version(v: CommentVersion, hidden: bool) -> dict[str, Any]:
    return {
        "text": None if hidden else v.text_plain,
        "wiki_revid": v.wiki_revid,
        "seen_at": iso(v.seen_at),
    }


def audit_entry(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "actor": e.actor,
        "action": e.action,
        "before": dict(e.before or {}),
        "after": dict(e.after or {}),
        "at": iso(e.at),
    }


def comment_detail(
    c: Comment,
    *,
    url: Callable[[Comment], str],
    wiki_url: Callable[[Comment], str | None],
    diff_url: str | None,
    html: str | None,
    thread: list[QueueItem],
    audit: list[AuditEntry],
    can_triage: bool,
) -> dict[str, Any]:
    hidden = c.hidden_reason is not None
    return {
        **comment(QueueItem.from_comment(c), url(c), wiki_url(c)),
        "text": None if hidden else (c.text_plain or ""),
        "html": None if hidden else html,
        "note": c.note or "",
        "response": c.response or "",
        "duplicate_of": c.duplicate_of_id,
        "wiki_revid": c.wiki_revid,
        "diff_url": diff_url,
        "anchors": [
            {
                "unit_key": a.unit_key,
                "revision_id": a.revision_id,
                "method": a.method.value,
                "confidence": a.confidence,
            }
            for a in c.anchors
        ],
        "versions": [version(v, hidden) for v in c.versions],
        "thread": [comment(t, url(t), wiki_url(t)) for t in thread],
        "audit": [audit_entry(e) for e in audit],
        "can_triage": can_triage,
    }
