"""Thread items from DiscussionTools' API, in the same form as our own parser's.

``action=discussiontoolspageinfo&prop=threaditemshtml`` returns the page's threads as a tree
(ApiDiscussionToolsPageInfo::getThreadItemsHtml): each item has ``type``, ``level``, ``id``,
``replies`` (the same shape, nested) and ``html``; headings add ``headingLevel`` (null for
the placeholder "h-" of text before the first heading), ``name`` and maybe ``othercontent``
(what a section holds besides comments); comments add ``author`` and ``timestamp``
(``YYYY-MM-DDThh:mm:ssZ``). This flattens that tree in document order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from lxml import html as lxml_html

from bots.talkparser import ItemType, ParseResult, Signature, ThreadItem
from bots.talkparser.ids import comment_name
from bots.talkparser.locale import WikiLocale


class DiscussionToolsError(ValueError):
    """An answer that is not DiscussionTools' thread items; says what is wrong with it."""


def items_from_api(
    answer: Mapping[str, Any], locale: WikiLocale | None = None, title: str = ""
) -> ParseResult:
    """Our ``ParseResult`` from a ``discussiontoolspageinfo`` answer (or its
    ``threaditemshtml`` list).

    With the wiki's ``locale``, ``text`` leaves the signatures out, as our parser does;
    without it, ``text`` is the whole comment's text.
    """
    threads = _threads(answer)
    items: list[ThreadItem] = []
    problems: list[str] = []
    # Depth-first, parents before replies: document order, as DiscussionTools built it.
    stack: list[tuple[Mapping, str | None, ThreadItem | None]] = [
        (t, None, None) for t in reversed(threads)
    ]
    while stack:
        raw, parent_id, section = stack.pop()
        item = _item(raw, parent_id, section, locale, title)
        placeholder = item.is_heading and item.heading_level is None
        if not (placeholder and not raw.get("replies")):
            items.append(item)  # a placeholder with nothing under it is nothing to keep
        if item.is_heading and raw.get("othercontent"):
            text = _plain(raw["othercontent"])
            if text:
                where = (
                    "before the first heading" if placeholder else f"section {item.heading_text!r}"
                )
                problems.append(f"{where}: text outside any signed comment: {text[:80]!r}")
        child_section = item if item.is_heading else section
        for reply in reversed(raw.get("replies") or []):
            if not isinstance(reply, Mapping):
                raise DiscussionToolsError(
                    "replies are ids, not items: ask for prop=threaditemshtml"
                )
            stack.append((reply, item.id, child_section))
    return ParseResult(items, problems)


def _threads(answer: Mapping[str, Any]) -> list:
    if "discussiontoolspageinfo" in answer:
        answer = answer["discussiontoolspageinfo"]
    threads = answer.get("threaditemshtml") if isinstance(answer, Mapping) else answer
    if threads is None and isinstance(answer, list):
        threads = answer
    if not isinstance(threads, list):
        raise DiscussionToolsError(
            "no 'threaditemshtml' in the answer: ask for "
            "action=discussiontoolspageinfo&prop=threaditemshtml"
        )
    return threads


def _item(
    raw: Mapping[str, Any],
    parent_id: str | None,
    section: ThreadItem | None,
    locale: WikiLocale | None,
    title: str,
) -> ThreadItem:
    try:
        kind = ItemType(raw["type"])
        ident = raw["id"]
        html = raw.get("html") or ""
    except (KeyError, ValueError) as exc:
        raise DiscussionToolsError(
            f"thread item without a valid type and id: {dict(raw)!r:.200}"
        ) from exc
    if kind is ItemType.HEADING:
        text = _plain(html)
        return ThreadItem(
            type=kind,
            id=ident,
            name=raw.get("name") or "h-",
            level=0,
            parent_id=parent_id,
            heading_id=ident,
            author=None,
            timestamp=None,
            html=html,
            text=text,
            heading_text=text,
            heading_level=raw.get("headingLevel"),
        )
    try:
        author = raw["author"]
        when = datetime.fromisoformat(raw["timestamp"].replace("Z", "+00:00"))
    except (KeyError, AttributeError, ValueError) as exc:
        raise DiscussionToolsError(f"comment {ident!r} has no valid author and timestamp") from exc
    when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return ThreadItem(
        type=kind,
        id=ident,
        name=comment_name(author, when),
        level=int(raw.get("level", 1)),
        parent_id=parent_id,
        heading_id=section.id if section else None,
        author=author,
        timestamp=when,
        html=html,
        text=_comment_text(html, locale, title),
        heading_text=section.heading_text if section else "",
        signatures=(Signature(author, when),),
    )


def _plain(html: str) -> str:
    if not html.strip():
        return ""
    text = lxml_html.fromstring(f"<div>{html}</div>").text_content()
    return " ".join(text.split())


def _comment_text(html: str, locale: WikiLocale | None, title: str) -> str:
    """The comment's words without its signature: our parser finds the signature in the
    comment's own HTML (it is the same signature either way)."""
    if locale is not None and html.strip():
        from bots.talkparser.parser import TalkPageParser

        parsed = TalkPageParser(locale, title).parse(f'<div class="mw-parser-output">{html}</div>')
        if len(parsed.comments) == 1:
            return parsed.comments[0].text
    return _plain(html)
