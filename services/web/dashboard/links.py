"""Links to the wiki for a comment: the permalink of the page revision it was seen in, its diff.

A comment hidden on the wiki gets no links: its id carries its author's name. A reply to
one keeps its link but not its anchor: its id was replaced for the same reason
(``services.feedback.models.hidden_item_id``), so the wiki has no element with the stored one.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote, quote_plus, urlencode

from services.feedback.models import Comment, is_hidden_id


def _index(wiki_url: str) -> str:
    return f"{wiki_url.rstrip('/')}/index.php"


def wiki_permalink(wiki_url: str, comment: Comment) -> str | None:
    """The talk page at the revision the comment was last seen in, scrolled to the comment."""
    if not wiki_url or not comment.page_title or comment.hidden_reason is not None:
        return None
    query = f"title={_quoted(comment.page_title)}"
    if comment.wiki_revid:
        query += f"&oldid={int(comment.wiki_revid)}"
    if is_hidden_id(comment.item_id):
        return f"{_index(wiki_url)}?{query}"
    return f"{_index(wiki_url)}?{query}#{quote(comment.item_id, safe='')}"


@lru_cache(maxsize=4096)
def _quoted(title: str) -> str:
    return quote_plus(title)


def wiki_diff(wiki_url: str, comment: Comment) -> str | None:
    """The diff of that revision against the one before it."""
    if not wiki_url or not comment.wiki_revid or comment.hidden_reason is not None:
        return None
    return f"{_index(wiki_url)}?{urlencode({'title': comment.page_title, 'diff': 'prev', 'oldid': comment.wiki_revid})}"
