"""Export of a consultation's feedback and its triage, as CSV or JSON, streamed in batches.

Comments hidden on the wiki keep their triage record but lose text and author, as
everywhere else. CSV cells that a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.feedback.models import Comment

BATCH = 500

FIELDS = [
    "id",
    "consultation_id",
    "page_title",
    "item_id",
    "parent_item_id",
    "heading",
    "author",
    "posted_at",
    "language",
    "text",
    "status",
    "assignee",
    "themes",
    "units",
    "note",
    "response",
    "duplicate_of",
    "hidden",
    "wiki_revid",
    "permalink",
    "updated_at",
]

# A leading = + - @ (or tab / carriage return) makes a spreadsheet evaluate the cell.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def record(comment: Comment, permalink: Callable[[Comment], str] | None = None) -> dict[str, Any]:
    """One comment and its triage as plain data; hidden comments without text or author."""
    hidden = comment.hidden_reason is not None
    return {
        "id": comment.id,
        "consultation_id": comment.consultation_id,
        "page_title": comment.page_title,
        "item_id": None if hidden else comment.item_id,  # DiscussionTools ids name the author
        "parent_item_id": comment.parent_item_id,
        "heading": comment.heading,
        "author": None if hidden else comment.author,
        "posted_at": comment.posted_at.isoformat() + "Z" if comment.posted_at else None,
        "language": comment.language,
        "text": None if hidden else comment.text_plain,
        "status": comment.status.value,
        "assignee": comment.assignee or "",
        "themes": sorted(t.name for t in comment.themes),
        "units": sorted(a.unit_key for a in comment.anchors),
        "note": comment.note or "",
        "response": comment.response or "",
        "duplicate_of": comment.duplicate_of_id,
        "hidden": comment.hidden_reason.value if hidden else None,
        "wiki_revid": comment.wiki_revid,
        "permalink": permalink(comment) if permalink and not hidden else None,
        "updated_at": comment.updated_at.isoformat() + "Z" if comment.updated_at else None,
    }


def records(
    session: Session, consultation_id: int, permalink: Callable[[Comment], str] | None = None
) -> Iterator[dict[str, Any]]:
    """Every comment of a consultation in id order, read BATCH at a time (keyset, no OFFSET)."""
    last_id = 0
    while True:
        batch = list(
            session.scalars(
                select(Comment)
                .where(Comment.consultation_id == consultation_id, Comment.id > last_id)
                .order_by(Comment.id)
                .limit(BATCH)
                .options(selectinload(Comment.themes), selectinload(Comment.anchors))
            )
        )
        if not batch:
            return
        for comment in batch:
            yield record(comment, permalink)
        last_id = batch[-1].id
        session.expunge_all()  # keep memory flat on large consultations


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """CSV text chunks: a header line, then one line per record."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELDS)
    for n, row in enumerate(rows, 1):
        writer.writerow([csv_cell(row[name]) for name in FIELDS])
        if n % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def to_json(rows: Iterator[dict[str, Any]], meta: dict[str, Any]) -> Iterator[str]:
    """A JSON document ``{...meta, "comments": [...]}`` in chunks, never all in memory."""
    head = json.dumps(meta, ensure_ascii=False)[:-1]
    yield head + (", " if meta else "") + '"comments": ['
    for n, row in enumerate(rows):
        yield ("," if n else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]}\n"
