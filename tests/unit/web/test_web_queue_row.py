"""One queue row as the dashboard shows it: what a comment, a hidden comment, an Arabic
comment and hostile text look like, with and without the right to triage."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from jinja2 import Environment
from markupsafe import Markup

from services.feedback.models import HiddenReason, TriageStatus
from services.feedback.queries import QueueItem
from services.web.dashboard import i18n
from services.web.dashboard.queuerow import EXCERPT_CHARS, render_row

CHIP = '<span class="cdx-info-chip" data-status="new">New</span>'


def _item(**changes) -> QueueItem:
    fields = {
        "id": 7,
        "consultation_id": 1,
        "page_title": "Talk:Leadership",
        "item_id": "c-A-1",
        "parent_item_id": None,
        "heading": "Actions",
        "author": "Ada",
        "posted_at": datetime(2024, 5, 1, 9, 30),
        "level": 1,
        "language": "en",
        "excerpt": "Leaders listen first.",
        "status": TriageStatus.NEW,
        "assignee": None,
        "hidden_reason": None,
        "updated_at": datetime(2024, 5, 2),
        "wiki_revid": 12,
        "themes": ["listening"],
        "units": ["u1", "u2"],
    }
    return QueueItem(**{**fields, **changes})


def _row(
    item: QueueItem, *, can_triage: bool = True, language: str = "en", title: str = "Round 1"
) -> str:
    return render_row(
        item,
        title=title,
        can_triage=can_triage,
        comment_base="/dashboard/comments/",
        status_chip=CHIP,
        msg=lambda key, *p: i18n.message(language, key, *p),
        environment=Environment(autoescape=True),
    )


def test_a_row_shows_the_comment_where_it_was_said_and_its_triage():
    row = _row(_item(assignee="Grace"))
    assert row.startswith('<tr data-comment-id="7">') and row.endswith("</tr>\n")
    assert (
        '<a href="/dashboard/comments/7" class="convene-excerpt" lang="en" dir="ltr">'
        "Leaders listen first.</a>"
    ) in row
    assert "Round 1 · Talk:Leadership · <bdi>Actions</bdi> · en · Parts: u1, u2" in row
    assert CHIP in row and "Assigned to Grace" in row and "<bdi>Ada</bdi>" in row
    assert '<time dir="ltr" datetime="2024-05-01T09:30:00Z">2024-05-01 09:30</time>' in row
    assert '<span class="cdx-info-chip__text">listening</span>' in row
    # The checkbox carries a label a screen reader reads.
    assert 'name="ids" value="7"' in row and "Select comment 7" in row


def test_a_viewer_who_may_not_triage_gets_no_checkbox():
    row = _row(_item(), can_triage=False)
    assert 'type="checkbox"' not in row and '<tr data-comment-id="7"><td></td>' in row


@pytest.mark.parametrize("reason", list(HiddenReason))
def test_a_hidden_comment_shows_why_and_neither_its_text_nor_its_author(reason):
    row = _row(_item(hidden_reason=reason, excerpt="secret words", author="Hidden Name"))
    assert "secret words" not in row and "Hidden Name" not in row
    note = i18n.message("en", f"convene-comment-hidden-{reason.value}")
    assert f'class="convene-hidden-note">{note}</a>' in row
    assert "<td>–</td>" in row


def test_arabic_text_runs_right_to_left_and_the_interface_follows_its_language():
    row = _row(_item(language="ar", excerpt="القيادة خدمة"), language="ar")
    assert 'lang="ar" dir="rtl">القيادة خدمة</a>' in row
    assert i18n.message("ar", "convene-select-comment", 7) in row


def test_everything_a_user_wrote_is_escaped():
    hostile = '<script>alert(1)</script>"onmouseover="x'
    row = _row(
        _item(
            excerpt=hostile,
            heading=hostile,
            author=hostile,
            page_title=hostile,
            themes=[hostile],
            units=[hostile],
            assignee=hostile,
            language='en" onclick="x',
        ),
        title=hostile,
    )
    assert "<script>" not in row and '"onmouseover="' not in row and '" onclick="' not in row
    assert row.count("&lt;script&gt;") == 8


def test_long_excerpts_are_cut_at_a_word_and_undated_comments_say_so():
    row = _row(_item(excerpt="word " * 100, posted_at=None, author=None))
    shown = re.search(r'class="convene-excerpt"[^>]*>([^<]*)</a>', row).group(1)
    assert len(shown) <= EXCERPT_CHARS and shown.endswith("word...")
    assert '<time dir="ltr" datetime="">–</time>' in row and "<bdi>(unsigned)</bdi>" in row


def test_texts_escaped_once_and_kept_stay_as_they_were_given():
    # The same text as plain text (escaped) and as markup (kept) in one process: what is
    # remembered of the one is not given for the other.
    plain = _row(_item(author="Tom & Jerry"), title="R&D <round>")
    marked = _row(_item(author="Tom & Jerry"), title=Markup("R&amp;D <b>round</b>"))
    assert "R&amp;D &lt;round&gt;" in plain and "<bdi>Tom &amp; Jerry</bdi>" in plain
    assert "R&amp;D <b>round</b>" in marked and "<bdi>Tom &amp; Jerry</bdi>" in marked
    again = _row(_item(author="Tom & Jerry"), title="R&amp;D <b>round</b>")
    assert "R&amp;amp;D &lt;b&gt;round&lt;/b&gt;" in again
