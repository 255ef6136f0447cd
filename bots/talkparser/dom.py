"""Rendered HTML as one flat stream of tokens: element starts, element ends and text.

DiscussionTools walks the DOM with ranges and tree walkers; the same walks are index
arithmetic on a flat stream (a text node is one token, an element a start/end pair), which
keeps a 10,000-comment page fast in Python. lxml (libxml2) reads broken HTML the way browsers
mostly do, and ``huge_tree`` lifts its limits on depth and size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from lxml import etree
from lxml import html as lxml_html

from bots.talkparser.dateformat import TimestampMatch

START, END, TEXT = 0, 1, 2

# Token flags.
BLOCK = 1  # start/end of a block element: comments and signatures stop there
REJECT = 2  # inside something that never holds signatures (quotes, code, headings…)
SKIP = 4  # start of a subtree that is not comment content (separators, HTML comments)
LEAF = 8  # start of an element that is content without text (an image, a formula)
BLANK = 16  # whitespace-only text
HEADING = 32  # start of a heading where headings count
COMMENT_NODE = 64  # an HTML comment
QUOTING = 128  # start of an element whose content holds no signatures

HTML_WHITESPACE = "\t\n\f\r "

# DiscussionTools' CommentUtils::$blockElementTypes.
BLOCK_TAGS = frozenset(
    [
        "div",
        "p",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "caption",
        "th",
        "tr",
        "td",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hgroup",
        "article",
        "aside",
        "body",
        "nav",
        "section",
        "footer",
        "header",
        "figure",
        "figcaption",
        "fieldset",
        "details",
        "blockquote",
        "hr",
        "button",
        "canvas",
        "center",
        "col",
        "colgroup",
        "embed",
        "map",
        "object",
        "pre",
        "progress",
        "video",
        "html",
    ]
)
HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
INDENT_TAGS = frozenset(("li", "dd"))
# Quotes never hold signatures (DiscussionTools, T275881); neither do code samples.
QUOTE_TAGS = frozenset(
    (
        "blockquote",
        "cite",
        "q",
        "code",
        "pre",
        "kbd",
        "samp",
        "tt",
        "var",
        "script",
        "style",
        "textarea",
        "math",
        "svg",
    )
)
# Elements that are content although they hold no text (cantHaveElementChildren).
LEAF_TAGS = frozenset(
    (
        "area",
        "base",
        "col",
        "embed",
        "img",
        "input",
        "param",
        "source",
        "track",
        "wbr",
        "textarea",
        "title",
        "math",
        "svg",
        "noscript",
        "audio",
        "canvas",
        "iframe",
        "object",
        "video",
    )
)
# Separators and rendering-transparent nodes: never the start of a comment.
SEPARATOR_TAGS = frozenset(("br", "hr", "meta", "link", "script", "style"))
VOID_TAGS = frozenset(
    (
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    )
)
SKIP_CLASSES = ("outdent-template", "mw-editsection", "toc")


def parse_html(html: str):
    """The content root of a rendered page (``.mw-parser-output`` or ``<body>``), or None."""
    parser = lxml_html.HTMLParser(encoding="utf-8", huge_tree=True)
    document = etree.fromstring(html.encode("utf-8", "surrogatepass"), parser)
    if document is None:
        return None
    roots = document.xpath(
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' mw-parser-output ')][1]"
    )
    body = document.find("body")
    root = roots[0] if roots else (body if body is not None else document)
    if root.getparent() is body and body is not None and root.getnext() is not None:
        # A stray </div> in the wikitext closed the content root early: the rest of the
        # page landed after it, and still belongs to the page.
        root = body
    # Parsoid wraps entities (&nbsp; …) in spans; DiscussionTools stitches them back into
    # the text around them so timestamps match, which unwrapping does once for all.
    for span in root.xpath(".//span[@typeof='mw:Entity']"):
        span.drop_tag()
    return root


class TokenStream:
    """The tokens of one content root, with what the thread parser asks about them."""

    def __init__(self, root, find_timestamp: Callable[[str], object]) -> None:
        self.kinds: list[int] = []
        self.nodes: list = []  # element for START/END, str for TEXT
        self.match: list[int] = []  # START ↔ END partner index; -1 for TEXT
        self.indent: list[int] = []  # enclosing <li>/<dd> count
        self.flags: list[int] = []
        self.pos: dict = {}  # element → index of its START
        # In document order: heading starts and text tokens holding a timestamp.
        self.events: list[int] = []
        self.timestamps: dict[int, TimestampMatch] = {}
        self.links: list[int] = []  # starts of <a> elements outside quotes and code
        self._build(root, find_timestamp)

    def _build(self, root, find_timestamp) -> None:
        kinds, nodes, match, indent, flags, pos = (
            self.kinds,
            self.nodes,
            self.match,
            self.indent,
            self.flags,
            self.pos,
        )
        events, timestamps, links = self.events, self.timestamps, self.links
        stack: list[int] = []
        depth = 0
        quoted = 0

        def text(value: str) -> None:
            i = len(kinds)
            kinds.append(TEXT)
            nodes.append(value)
            match.append(-1)
            indent.append(depth)
            f = 0 if value.strip(HTML_WHITESPACE) else BLANK
            if quoted:
                f |= REJECT
            elif not f and ")" in value:
                found = find_timestamp(value)
                if found is not None:
                    timestamps[i] = found
                    events.append(i)
            flags.append(f)

        for event, el in etree.iterwalk(root, events=("start", "end", "comment")):
            if event == "start":
                tag = el.tag
                i = len(kinds)
                f = REJECT if quoted else 0
                if tag in BLOCK_TAGS:
                    f |= BLOCK
                if tag in HEADING_TAGS and not quoted:
                    f |= HEADING
                    events.append(i)
                elif tag == "a" and not quoted:
                    links.append(i)
                if tag in HEADING_TAGS or tag in QUOTE_TAGS or _holds_no_signatures(el, tag):
                    f |= QUOTING
                    quoted += 1
                if tag in SEPARATOR_TAGS or _is_skipped(el, tag):
                    f |= SKIP
                elif tag in LEAF_TAGS:
                    f |= LEAF
                kinds.append(START)
                nodes.append(el)
                match.append(-1)
                indent.append(depth)
                flags.append(f)
                pos[el] = i
                stack.append(i)
                if tag in INDENT_TAGS:
                    depth += 1
                if el.text:
                    text(el.text)
            elif event == "end":
                tag = el.tag
                start = stack.pop()
                i = len(kinds)
                match[start] = i
                if tag in INDENT_TAGS:
                    depth -= 1
                if flags[start] & QUOTING:
                    quoted -= 1
                kinds.append(END)
                nodes.append(el)
                match.append(start)
                indent.append(depth)
                flags.append(flags[start] & (BLOCK | REJECT))
                if el.tail and el is not root:
                    text(el.tail)
            else:  # an HTML comment: a start/end pair to skip, then its tail
                i = len(kinds)
                kinds.extend((START, END))
                nodes.extend((el, el))
                match.extend((i + 1, i))
                indent.extend((depth, depth))
                flags.extend((SKIP | COMMENT_NODE, COMMENT_NODE))
                if el.tail:
                    text(el.tail)

    def __len__(self) -> int:
        return len(self.kinds)

    # -- questions the parser asks ------------------------------------------------------

    def owner(self, t: int):
        """The element a text token is a child of."""
        before = self.nodes[t - 1]
        return before if self.kinds[t - 1] == START else before.getparent()

    def contains(self, el, t: int) -> bool:
        start = self.pos.get(el)
        return start is not None and start < t < self.match[start]

    def next_leaf(self, t: int, stop: int | None = None) -> int | None:
        """The first token at or after ``t`` that is comment content (DiscussionTools'
        ``nextInterestingLeafNode``): non-blank text or a content element, skipping
        separators, edit links and HTML comments."""
        kinds, flags, match = self.kinds, self.flags, self.match
        end = len(kinds) if stop is None else stop
        while t < end:
            k = kinds[t]
            if k == TEXT:
                if not flags[t] & BLANK:
                    return t
            elif k == START:
                f = flags[t]
                if f & SKIP:
                    t = match[t] + 1
                    continue
                if f & LEAF:
                    return t
            t += 1
        return None

    def html(self, a: int, b: int) -> str:
        """HTML of tokens ``a``..``b``: tags opened before ``a`` are left out, tags still open
        at ``b`` are closed, trailing whitespace is trimmed (like a cloned DOM range)."""
        kinds, nodes, match, flags = self.kinds, self.nodes, self.match, self.flags
        out: list[str] = []
        open_starts: list[int] = []
        t = a
        while t <= b:
            k = kinds[t]
            node = nodes[t]
            if k == TEXT:
                out.append(escape(node.rstrip(HTML_WHITESPACE) if t == b else node, quote=False))
            elif k == START:
                if flags[t] & COMMENT_NODE or node.tag in ("script", "style"):
                    t = match[t] + 1
                    continue
                if match[t] <= b:  # the whole element is in range: libxml2 writes it
                    out.append(lxml_html.tostring(node, encoding="unicode", with_tail=False))
                    t = match[t] + 1
                    continue
                attrs = "".join(f' {name}="{escape(value)}"' for name, value in node.items())
                out.append(f"<{node.tag}{attrs}>")
                if node.tag not in VOID_TAGS:
                    open_starts.append(t)
            elif open_starts and open_starts[-1] == match[t]:
                open_starts.pop()
                out.append(f"</{node.tag}>")
            t += 1
        for start in reversed(open_starts):
            out.append(f"</{nodes[start].tag}>")
        return "".join(out)

    def text(self, a: int, b: int, cut: Sequence[tuple[int, int, int]] = ()) -> str:
        """Plain text of tokens ``a``..``b``; each ``(first, last, offset)`` in ``cut`` leaves
        out tokens ``first``..``last`` except the text of ``last`` from ``offset`` on."""
        kinds, nodes, flags, match = self.kinds, self.nodes, self.flags, self.match
        pieces: list[str] = []
        cuts = sorted(cut)
        c = 0
        t = a
        while t <= b:
            while c < len(cuts) and cuts[c][1] < t:
                c += 1
            if c < len(cuts) and cuts[c][0] <= t <= cuts[c][1]:
                first, last, offset = cuts[c]
                if t == last and kinds[t] == TEXT:
                    pieces.append(nodes[t][offset:])
                t += 1
                continue
            k = kinds[t]
            if k == TEXT:
                pieces.append(nodes[t])
            elif flags[t] & COMMENT_NODE or (k == START and nodes[t].tag in ("script", "style")):
                if k == START:
                    t = match[t]
            elif flags[t] & BLOCK or nodes[t].tag == "br":
                pieces.append("\n")
            t += 1
        lines = (" ".join(line.split()) for line in "".join(pieces).split("\n"))
        return "\n".join(line for line in lines if line)


def _holds_no_signatures(el, tag: str) -> bool:
    """The table of contents and reference lists (DiscussionTools skips both, T301213)."""
    if el.get("id") == "toc":
        return True
    return tag == "ol" and "references" in (el.get("class") or "").split()


def _is_skipped(el, tag: str) -> bool:
    """Separators DiscussionTools does not count as comment content."""
    if el.get("id") == "toc":
        return True
    classes = el.get("class")
    if classes and any(c in classes.split() for c in SKIP_CLASSES):
        return True
    if (
        tag == "dl"
        and len(el) == 1
        and el[0].tag == "dt"
        and not (el.text or "").strip(HTML_WHITESPACE)
    ):
        return True  # a ";term" line used as a fake heading
    if (
        tag == "span"
        and "mw:Transclusion" in (el.get("typeof") or "").split()
        and not len(el)
        and not (el.text or "").strip(HTML_WHITESPACE)
    ):
        return True  # an empty template (tracking templates)
    return False
