"""The signature-based talk page parser: DiscussionTools' CommentParser, on a token stream.

A comment ends with a signature: a link to a user's page, talk page or contributions,
followed (within 100 characters of the same paragraph) by a timestamp in the wiki's format.
It starts where the previous comment or heading ended. Indentation (``dl/dd``, ``ul/li``)
gives its level; the closest less indented item before it is its parent. Everything here
mirrors DiscussionTools so that ids agree with wikis that run it; where we differ it is
said (timestamps in code samples are not signatures; unattributed text is reported).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from lxml import etree
from lxml import html as lxml_html

from bots.talkparser import ItemType, ParseResult, Signature, ThreadItem
from bots.talkparser.dom import (
    BLOCK,
    END,
    HTML_WHITESPACE,
    START,
    TEXT,
    TokenStream,
    parse_html,
)
from bots.talkparser.ids import (
    author_part,
    comment_name,
    heading_name,
    timestamp_string,
    truncate_for_id,
)
from bots.talkparser.locale import WikiLocale

# How far back from a timestamp a signature's user link may be (in characters of text).
SIGNATURE_SCAN_LIMIT = 100
PLACEHOLDER_HEADING_LEVEL = 99
EXCERPT = 80
# After a user link: something shaped like a time or a date that the wiki's format missed.
_TIMESTAMP_LIKE = re.compile(
    r"\d{1,2}\s*[:h.]\s*\d{2}|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}"
)


@dataclass
class _Signature:
    author: str | None
    first: int  # first token of the signature (a user link or what wraps it)
    walk_from: int  # the node holding the timestamp, where the rest of the line starts
    until: int  # last token of that node: the next signature search stops here


@dataclass(eq=False)
class _Draft:
    type: ItemType
    level: int
    start: int
    end: int
    author: str | None = None
    when: datetime | None = None
    heading_level: int = PLACEHOLDER_HEADING_LEVEL
    anchor: str = ""
    html: str = ""
    text: str = ""
    signatures: list[Signature] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    parent: _Draft | None = None
    replies: list[_Draft] = field(default_factory=list)
    section: _Draft | None = None
    placeholder: bool = False
    id: str = ""
    name: str = ""


class TalkPageParser:
    """Parses rendered talk pages of one wiki."""

    def __init__(self, locale: WikiLocale, title: str = "") -> None:
        self.locale = locale
        self.title = title
        self._users: dict[str, str | None] = {}

    def parse(self, html: str) -> ParseResult:
        problems: list[str] = []
        try:
            root = parse_html(html)
        except (etree.ParserError, ValueError) as exc:
            return ParseResult([], [f"page {self.title!r}: its HTML cannot be read: {exc}"])
        if root is None:
            return ParseResult([], [])
        tokens = TokenStream(root, self.locale.matcher.search)
        drafts, signature_spans = self._build_items(tokens, problems)
        _build_threads(drafts)
        _compute_ids(drafts)
        self._report_unknown_timestamps(tokens, signature_spans, problems)
        return ParseResult([_finish(d) for d in drafts], problems)

    # -- users --------------------------------------------------------------------------

    def _link_user(self, el) -> str | None:
        href = el.get("href")
        if href is None:
            classes = (el.get("class") or "").split()
            if "mw-selflink" in classes and self.title:
                return self.locale.user_from_title(self.title)
            return None
        if href not in self._users:
            self._users[href] = self.locale.user_from_href(href)
        return self._users[href]

    # -- items ----------------------------------------------------------------------------

    def _build_items(self, ts: TokenStream, problems: list[str]):
        drafts: list[_Draft] = []
        spans: list[tuple[int, int]] = []
        cur_end = 0  # the root's start token
        last_sig = -1
        skip_upto = -1
        section: _Draft | None = None
        for ev in ts.events:
            if ev <= skip_upto:
                continue
            if ts.kinds[ev] == START:
                self._report_unsigned(ts, cur_end + 1, ev, section, problems)
                section = self._heading(ts, ev)
                drafts.append(section)
                cur_end = ts.match[ev]
                continue

            found = ts.timestamps[ev]
            sig = self._find_signature(ts, ev, last_sig)
            last_sig = sig.until
            if sig.author is None:
                problems.append(
                    f"{_where(section)}: a timestamp with no link to a user before "
                    f"it, so no author: {_excerpt(ts.nodes[ev])!r}"
                )
                continue

            end, extra, skip = self._line_end(ts, ev, sig)
            skip_upto = max(skip_upto, skip)
            start = ts.next_leaf(cur_end + 1, stop=ev + 1)
            if start is None or start > sig.first:
                start = sig.first
            warnings = [w for w in (found.warning,) if w]
            start_level = ts.indent[start] + 1
            level = ts.indent[ev] + 1
            if start_level != level:
                warnings.append("Comment starts and ends with different indentation")
                problems.append(
                    f"{_where(section)}: text at another indentation before the comment by "
                    f"{sig.author} at {found.when:%Y-%m-%d %H:%M} UTC (probably unsigned) is "
                    f"counted as part of it: {_excerpt(ts.text(start, sig.first - 1))!r}"
                )
                level = min(level, start_level)

            cuts = [(sig.first, ev, found.end)]
            signatures = [Signature(sig.author, found.when)]
            for other, other_found, other_ev in extra:
                cuts.append((other.first, other_ev, other_found.end))
                signatures.append(Signature(other.author, other_found.when))
            for first, last, _ in cuts:
                spans.append((first, last))

            if not drafts:  # comments before the first heading: DiscussionTools' "h-"
                section = _Draft(ItemType.HEADING, 0, 0, 0, placeholder=True)
                section.section = section
                drafts.append(section)
            drafts.append(
                _Draft(
                    ItemType.COMMENT,
                    level,
                    start,
                    end,
                    author=sig.author,
                    when=found.when,
                    html=ts.html(start, end),
                    text=ts.text(start, end, cuts),
                    signatures=signatures,
                    warnings=warnings,
                    section=section,
                )
            )
            cur_end = end
        self._report_unsigned(ts, cur_end + 1, len(ts), section, problems)
        return drafts, spans

    def _heading(self, ts: TokenStream, t: int) -> _Draft:
        el = ts.nodes[t]
        headline = el
        if not (el.get("id") or el.get("data-mw-anchor")):
            # Legacy parser: <hN><span class="mw-headline" id="…">…</span><span class=
            # "mw-editsection">…</span></hN>
            for child in el:
                if "mw-headline" in (child.get("class") or "").split():
                    headline = child
                    break
        html_parts = [escape(headline.text or "", quote=False)]
        text_parts = [headline.text or ""]
        for child in headline:
            if (
                not isinstance(child.tag, str)
                or "mw-headline-number" in (child.get("class") or "").split()
            ):
                html_parts.append(escape(child.tail or "", quote=False))
                text_parts.append(child.tail or "")
                continue
            html_parts.append(lxml_html.tostring(child, encoding="unicode"))
            text_parts.append(child.text_content() + (child.tail or ""))
        html = "".join(html_parts).strip()
        text = " ".join("".join(text_parts).split())
        draft = _Draft(
            ItemType.HEADING,
            0,
            t,
            ts.match[t],
            heading_level=int(el.tag[1]),
            anchor=headline.get("id") or headline.get("data-mw-anchor") or "",
            html=html,
            text=text,
        )
        draft.section = draft
        return draft

    def _find_signature(self, ts: TokenStream, t: int, until: int) -> _Signature:
        """The user link that signs the timestamp in text token ``t`` (CommentParser::
        findSignature): the closest one before it in the same paragraph, within 100
        characters; then further links to the same user, which start the signature."""
        kinds, nodes, flags = ts.kinds, ts.nodes, ts.flags
        author: str | None = None
        last_link: int | None = None
        length = 0
        j = t - 1
        while j > until and length < SIGNATURE_SCAN_LIMIT:
            k = kinds[j]
            if k == TEXT:
                length += len(nodes[j].strip(HTML_WHITESPACE))
            elif flags[j] & BLOCK:
                break
            elif k == START and nodes[j].tag == "a":
                user = self._link_user(nodes[j])
                if user:
                    if author is None:
                        author = user
                    if user == author:
                        last_link = j
            j -= 1
        if last_link is None:
            return _Signature(None, t, t, t)
        # Widen to the siblings that hold the link and the timestamp under their common
        # ancestor, so formatting around a signature belongs to it.
        first = nodes[last_link]
        parent = first.getparent()
        while parent is not None and not ts.contains(parent, t):
            first, parent = parent, parent.getparent()
        owner = ts.owner(t)
        if owner is parent:
            return _Signature(author, ts.pos[first], t, t)
        holder = owner
        while holder.getparent() is not parent:
            holder = holder.getparent()
        start = ts.pos[holder]
        return _Signature(author, ts.pos[first], start, ts.match[start])

    def _line_end(self, ts: TokenStream, t: int, sig: _Signature):
        """Where the comment signed at ``t`` ends: the end of its paragraph or list item.
        More signatures on the same line belong to the same comment (DiscussionTools)."""
        kinds, flags = ts.kinds, ts.flags
        end = t
        skip = t
        extra = []
        u = sig.walk_from
        n = len(kinds)
        while u < n:
            k = kinds[u]
            if k != TEXT and flags[u] & BLOCK:
                break
            if k == TEXT:
                if u != t and u in ts.timestamps:
                    skip = u
                    other = self._find_signature(ts, u, t)
                    if other.author:
                        extra.append((other, ts.timestamps[u], u))
                end = u
            elif k == END:
                end = u
            u += 1
        return end, extra, skip

    # -- what could not be attributed ---------------------------------------------------

    def _report_unsigned(
        self, ts: TokenStream, a: int, b: int, section: _Draft | None, problems: list[str]
    ) -> None:
        leaf = ts.next_leaf(a, stop=b)
        if leaf is None:
            return
        text = ts.text(leaf, b - 1)
        if text:
            problems.append(
                f"{_where(section)}: text outside any signed comment (unsigned, "
                f"or signed in a way this wiki does not): {_excerpt(text)!r}"
            )

    def _report_unknown_timestamps(
        self, ts: TokenStream, spans: list[tuple[int, int]], problems: list[str]
    ) -> None:
        """User links outside every signature, followed in their paragraph by something
        that looks like a date or time: probably a signature in a format we cannot read."""
        spans = sorted(spans)
        s = 0
        reported_until = -1
        kinds, nodes, flags = ts.kinds, ts.nodes, ts.flags
        for link in ts.links:
            while s < len(spans) and spans[s][1] < link:
                s += 1
            if link <= reported_until or (s < len(spans) and spans[s][0] <= link <= spans[s][1]):
                continue
            user = self._link_user(nodes[link])
            if not user:
                continue
            # The rest of the paragraph, up to the next signature we did recognise.
            stop = spans[s][0] if s < len(spans) else len(kinds)
            pieces = []
            u = ts.match[link] + 1
            while u < stop and not (kinds[u] != TEXT and flags[u] & BLOCK):
                if kinds[u] == TEXT:
                    pieces.append(nodes[u])
                u += 1
            after = "".join(pieces)
            if _TIMESTAMP_LIKE.search(after):
                reported_until = u
                problems.append(
                    f"a link to user {user} is followed by what may be a timestamp "
                    f"in a format this wiki does not write: {_excerpt(after)!r}"
                )


def _build_threads(drafts: list[_Draft]) -> None:
    """Parents and replies (CommentParser::buildThreads)."""
    replies: list[_Draft] = []
    last_heading: _Draft | None = None
    for item in drafts:
        if len(replies) < item.level:
            item.warnings.append("Comment skips indentation level")
            while replies and len(replies) < item.level:
                replies.append(replies[-1])
        if item.type is ItemType.HEADING:
            candidate = last_heading
            while candidate is not None and candidate.heading_level >= item.heading_level:
                candidate = candidate.parent
            if candidate is not None:
                item.parent = candidate
                candidate.replies.append(item)
            last_heading = item
        elif len(replies) >= item.level:
            item.parent = replies[item.level - 1]
            item.parent.replies.append(item)
        else:
            item.warnings.append("Comment could not be connected to a thread")
        del replies[item.level :]
        replies.append(item)


def _when(comment: _Draft) -> datetime:
    """A comment's time: every comment is made at a signature, so it has one."""
    assert comment.when is not None, comment
    return comment.when


def _oldest_reply(item: _Draft) -> _Draft | None:
    """The oldest comment below ``item`` (the first one on ties), walking the reply tree."""
    oldest = None
    stack = list(reversed(item.replies))
    while stack:
        node = stack.pop()
        if node.type is ItemType.COMMENT and (oldest is None or _when(node) < _when(oldest)):
            oldest = node
        stack.extend(reversed(node.replies))
    return oldest


def _compute_ids(drafts: list[_Draft]) -> None:
    """Names and page-unique ids (CommentParser::computeId / computeName)."""
    taken: set[str] = set()
    for item in drafts:
        if item.type is ItemType.HEADING:
            oldest = _oldest_reply(item)
            item.name = heading_name(
                oldest.author if oldest else None, _when(oldest) if oldest else None
            )
            ident = "h-" if item.placeholder else "h-" + truncate_for_id(item.anchor)
        else:
            oldest = None
            item.name = comment_name(item.author or "", _when(item))
            ident = item.name
        parent = item.parent
        if parent is not None and parent.type is ItemType.HEADING and not parent.placeholder:
            ident += "-" + truncate_for_id(parent.anchor)
        elif parent is not None and parent.type is ItemType.COMMENT:
            ident += f"-{author_part(parent.author or '')}-{timestamp_string(_when(parent))}"
        if item.type is ItemType.HEADING and oldest is not None:
            ident += "-" + timestamp_string(_when(oldest))
        if ident in taken:
            item.warnings.append("Duplicate comment ID")
            number = 1
            while f"{ident}-{number}" in taken:
                number += 1
            ident = f"{ident}-{number}"
        taken.add(ident)
        item.id = ident


def _finish(item: _Draft) -> ThreadItem:
    section = item.section
    return ThreadItem(
        type=item.type,
        id=item.id,
        name=item.name,
        level=item.level,
        parent_id=item.parent.id if item.parent is not None else None,
        heading_id=section.id if section is not None else None,
        author=item.author,
        timestamp=item.when,
        html=item.html,
        text=item.text,
        heading_text=section.text if section is not None else "",
        heading_level=None
        if item.type is ItemType.COMMENT or item.placeholder
        else item.heading_level,
        signatures=tuple(item.signatures),
        warnings=tuple(item.warnings),
    )


def _where(section: _Draft | None) -> str:
    if section is None or section.placeholder:
        return "before the first heading"
    return f"section {section.text!r}"


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
