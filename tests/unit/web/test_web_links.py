"""Links from the dashboard to the wiki: a permalink scrolled to the comment, never an id
that names a hidden author."""

from __future__ import annotations

from types import SimpleNamespace

from services.feedback.models import HiddenReason, hidden_item_id
from services.web.dashboard.links import wiki_diff, wiki_permalink

WIKI = "http://wiki.example/w"


def _comment(**changes):
    fields = {
        "page_title": "Talk:Leadership/Definition",
        "wiki_revid": 42,
        "item_id": "c-Ada_Lovelace-20240501093000-h-Feedback",
        "hidden_reason": None,
    }
    return SimpleNamespace(**{**fields, **changes})


def test_a_permalink_opens_the_revision_at_the_comment():
    assert wiki_permalink(WIKI, _comment()) == (
        "http://wiki.example/w/index.php?title=Talk%3ALeadership%2FDefinition&oldid=42"
        "#c-Ada_Lovelace-20240501093000-h-Feedback"
    )
    assert wiki_diff(WIKI, _comment()).endswith("diff=prev&oldid=42")


def test_a_hidden_comment_gets_no_link_and_a_reply_to_one_no_anchor():
    assert wiki_permalink(WIKI, _comment(hidden_reason=HiddenReason.USER_HIDDEN)) is None
    assert wiki_diff(WIKI, _comment(hidden_reason=HiddenReason.SUPPRESSED)) is None
    reply = _comment(item_id=hidden_item_id("c-Bob-20240502-Ada_Lovelace-20240501093000"))
    assert wiki_permalink(WIKI, reply) == (
        "http://wiki.example/w/index.php?title=Talk%3ALeadership%2FDefinition&oldid=42"
    )
