"""One row of the triage queue as HTML, written in Python rather than a Jinja macro.

A queue page that is not cached yet renders up to 200 rows, and a Jinja macro call costs
several times what the same markup costs as an f-string; everything interpolated is
escaped here as autoescaping would. The row is cached (``services.web.queueread``), so it
may depend only on the comment, its consultation's title, whether the viewer may triage
it and the interface language: never on the session (no CSRF token here).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from jinja2.filters import do_truncate
from markupsafe import escape

from services.feedback.queries import QueueItem
from services.web.dashboard import i18n

EXCERPT_CHARS = 240


@lru_cache(maxsize=8192, typed=True)  # typed: Markup("a&b") == "a&b", but stays as it is
def _escaped(text: str) -> str:
    """``escape`` for the short texts rows repeat (titles, pages, headings, authors, languages,
    themes): each is escaped once, not on every row that shows it."""
    return str(escape(text))


def render_row(
    c: QueueItem,
    *,
    title: str,
    can_triage: bool,
    comment_base: str,
    status_chip: str,
    msg: Callable[..., str],
    environment,
) -> str:
    """The row's <tr>: checkbox, excerpt and where it was said, status, author, time, themes.

    ``status_chip`` is markup already; ``msg`` gives interface messages (plain text);
    ``environment`` is the Jinja environment whose ``truncate`` the excerpt follows."""
    href = f"{_escaped(comment_base)}{c.id}"
    checkbox = ""
    if can_triage:
        label = escape(msg("convene-select-comment", c.id))
        checkbox = (
            '<span class="cdx-checkbox"><span class="cdx-checkbox__wrapper">'
            f'<input class="cdx-checkbox__input" type="checkbox" id="cb-{c.id}" name="ids" '
            f'value="{c.id}"><span class="cdx-checkbox__icon"></span><span class="cdx-checkbox__label '
            'cdx-label cdx-label--visually-hidden"><label class="cdx-label__label" '
            f'for="cb-{c.id}"><span class="cdx-label__label__text">{label}</span></label></span>'
            "</span></span>"
        )
    language = _escaped(c.language)
    if c.hidden_reason:
        hidden = escape(msg(f"convene-comment-hidden-{c.hidden_reason.value}"))
        link = f'<a href="{href}" class="convene-hidden-note">{hidden}</a>'
    else:
        excerpt = escape(do_truncate(environment, c.excerpt or "", EXCERPT_CHARS))
        link = (
            f'<a href="{href}" class="convene-excerpt" lang="{language}" '
            f'dir="{i18n.direction(c.language)}">{excerpt}</a>'
        )
    heading = f" · <bdi>{_escaped(c.heading)}</bdi>" if c.heading else ""
    units = f" · {escape(msg('convene-units', ', '.join(c.units)))}" if c.units else ""
    meta = f"{_escaped(title)} · {_escaped(c.page_title)}{heading} · {language}{units}"
    assignee = (
        f'<div class="convene-meta">{escape(msg("convene-assigned-to", c.assignee))}</div>'
        if c.assignee
        else ""
    )
    author = (
        "–"
        if c.hidden_reason
        else f"<bdi>{_escaped(c.author) if c.author else escape(msg('convene-unsigned'))}</bdi>"
    )
    if c.posted_at:
        posted = (
            f'<time dir="ltr" datetime="{c.posted_at.isoformat()}Z">'
            f"{c.posted_at.isoformat(' ', 'minutes')}</time>"
        )
    else:
        posted = '<time dir="ltr" datetime="">–</time>'
    themes = "".join(
        f'<span class="cdx-info-chip"><span class="cdx-info-chip__text">{_escaped(t)}</span></span>'
        for t in c.themes
    )
    return (
        f'<tr data-comment-id="{c.id}"><td>{checkbox}</td>\n<td>{link} '
        f'<span class="convene-meta">{meta}</span></td>\n'
        f"<td>{status_chip}{assignee}</td>\n<td>{author}</td>\n<td>{posted}</td>\n"
        f'<td><span class="convene-chips">{themes}</span></td></tr>\n'
    )
