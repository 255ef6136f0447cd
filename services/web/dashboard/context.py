"""Small request-time helpers the API and the dashboard share."""

from __future__ import annotations

import hashlib

from flask import current_app, request, url_for

from services.feedback.models import Comment
from services.web.dashboard.links import wiki_diff, wiki_permalink


def cursor_key() -> bytes:
    """The key that signs pagination cursors, derived from (never equal to) the app secret."""
    secret = current_app.config["SECRET_KEY"]
    return hashlib.sha256(b"convene cursor key\0" + str(secret).encode()).digest()


def wiki_url() -> str:
    config = current_app.config.get("CONVENE")
    return getattr(config, "wiki_base_url", "") if config else ""


def comment_base() -> str:
    """The dashboard URL of a comment without its id (cheaper than url_for on every row)."""
    return url_for("dashboard.comment", comment_id=0)[:-1]


def comment_page(comment) -> str:
    return f"{request.script_root}/dashboard/comments/{comment.id}"


def comment_wiki_link(comment: Comment) -> str | None:
    return wiki_permalink(wiki_url(), comment)


def comment_wiki_diff(comment: Comment) -> str | None:
    return wiki_diff(wiki_url(), comment)
