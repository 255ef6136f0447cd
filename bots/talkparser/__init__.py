"""Talk pages as thread items: headings and signed comments with DiscussionTools-style ids.

The API the harvest builds on::

    locale = fetch_locale(site, cache_dir)            # bots.talkparser.fetch, once per wiki
    result = parse_talk_page(html, locale, title)     # legacy parser or Parsoid HTML
    for item in result.comments: item.id, item.author, item.timestamp, item.text …
    result.problems                                   # what could not be attributed

or, on a wiki with DiscussionTools, ``bots.talkparser.discussiontools.items_from_api`` gives
the same ``ParseResult`` from ``action=discussiontoolspageinfo&prop=threaditemshtml``.

Conventions (the same on both paths):
- ``timestamp`` is an aware ``datetime`` in UTC (``tzinfo=timezone.utc``), to the minute.
- ``level`` is DiscussionTools' level: 0 for headings, 1 for an unindented comment, 2 for a
  reply indented once, and so on.
- ``html`` is the comment's HTML *including* its signature (what DiscussionTools returns);
  ``text`` is its plain text *without* the signature(s): what the comment says.
- ``id``/``name`` follow DiscussionTools: ``c-<author>-<timestamp>-<parent>``,
  ``h-<heading id>-<timestamp of the thread's oldest comment>``; timestamps in ids are
  ``YYYYMMDDhhmmss`` (ISO with milliseconds before DiscussionTools' 2022-07-12 switch).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bots.talkparser.locale import WikiLocale


class ItemType(str, enum.Enum):
    """What a thread item is; compares equal to the plain strings "heading" and "comment"."""

    HEADING = "heading"
    COMMENT = "comment"


@dataclass(frozen=True)
class Signature:
    """One signature in a comment: who signed and when (UTC)."""

    author: str
    timestamp: datetime


@dataclass(frozen=True)
class ThreadItem:
    """A heading or a comment of a talk page."""

    type: ItemType
    # DiscussionTools form: c-<author>-<timestamp>-<parent> / h-<heading>-<timestamp>.
    id: str
    # The id without the parent part: stable when a comment moves (e.g. to an archive).
    name: str
    # 0 for headings; 1 + the number of list indentations for comments.
    level: int
    parent_id: str | None
    # The section the item is in (a heading's own id for headings; "h-" before any heading).
    heading_id: str | None
    author: str | None
    # Aware datetime in UTC; None for headings.
    timestamp: datetime | None
    # The item's HTML; for comments the signature is included (as in DiscussionTools).
    html: str
    # Plain text; for comments without the signature(s).
    text: str
    # The heading's text for headings, the section heading's text for comments.
    heading_text: str
    # 1-6 for real headings; None for comments and for the placeholder heading "h-".
    heading_level: int | None = None
    # Every signature of a comment, first (the author's) first.
    signatures: tuple[Signature, ...] = ()
    # DiscussionTools-style doubts: "Comment skips indentation level", "Duplicate comment ID" …
    warnings: tuple[str, ...] = ()

    @property
    def is_comment(self) -> bool:
        return self.type is ItemType.COMMENT

    @property
    def is_heading(self) -> bool:
        return self.type is ItemType.HEADING


@dataclass
class ParseResult:
    """The thread items of a page in document order, and what could not be attributed."""

    items: list[ThreadItem]
    problems: list[str] = field(default_factory=list)

    @property
    def comments(self) -> list[ThreadItem]:
        return [i for i in self.items if i.type is ItemType.COMMENT]

    @property
    def headings(self) -> list[ThreadItem]:
        return [i for i in self.items if i.type is ItemType.HEADING]

    def by_id(self) -> dict[str, ThreadItem]:
        return {i.id: i for i in self.items}


def parse_talk_page(html: str, locale: WikiLocale, title: str = "") -> ParseResult:
    """Thread items of a rendered talk page (``action=parse`` HTML or Parsoid HTML).

    ``title`` is the page's title; it is needed only to recognise self-links (a signature
    on the signer's own user talk page links to that page).
    """
    from bots.talkparser.parser import TalkPageParser

    return TalkPageParser(locale, title).parse(html)


def __getattr__(name: str):
    # WikiLocale lives in its own module; offered here so callers need one import.
    if name in ("WikiLocale", "TimestampSample", "LocaleError"):
        from bots.talkparser import locale

        return getattr(locale, name)
    raise AttributeError(name)


__all__ = [
    "ItemType",
    "LocaleError",
    "ParseResult",
    "Signature",
    "ThreadItem",
    "TimestampSample",
    "WikiLocale",
    "parse_talk_page",
]
