"""Restricted source wikitext → unit drafts: headings, paragraphs and list items.

Public API:
    parse_units(text, *, source="<text>", first_line=1) -> list[UnitDraft]
        Raises SourceError(source, line, problem) on anything outside the restricted syntax.
    UnitDraft(kind, text, level=0, ordered=False, key=None, fallback="")
        One unit before it is stored; ``key`` is set only when it is already known (a
        rendered page parsed back); ``fallback`` is "missing"/"outdated" for a span that
        showed the source text on a language page.
    SourceError(source, line, problem): str(err) == "source:line: problem".
    text_hash(text) -> str, content_hash(drafts_or_units) -> str
    inline_tokens(text) -> list[InlineToken]: the allowed inline markup and the literal text
        between it (shared with rendering, so parsing and rendering agree on what a link is).

The syntax: ``== heading ==`` (levels 2-6) on a line of its own; paragraphs of consecutive
lines (joined by one space) separated by blank lines; list items ``*`` / ``#`` with nesting
(``**``, ``#*``...). Inside a unit, only wikilinks ``[[target|label]]``, external links
``[https://x label]`` and ``'''bold'''`` / ``''italic''`` are markup; everything else is text.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from services.documents.models import UnitKind

MAX_HEADING_LEVEL = 6


class SourceError(ValueError):
    """A problem in a source text, naming the file (or page) and the line."""

    def __init__(self, source: str, line: int, problem: str):
        super().__init__(f"{source}:{line}: {problem}")
        self.source = source
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class UnitDraft:
    """A unit before it is stored: what it is, where it sits in a list, and its text."""

    kind: UnitKind
    text: str
    level: int = 0
    ordered: bool = False
    key: str | None = None
    fallback: str = ""

    @property
    def signature(self) -> tuple[str, int, bool, str]:
        """What makes two units' content the same (the key is not content)."""
        return (self.kind.value, self.level, self.ordered, self.text)


def normalize_text(text: str) -> str:
    """The form a wiki stores: NFC, no surrounding whitespace."""
    return unicodedata.normalize("NFC", text).strip()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(units: Iterable) -> str:
    """Hash of the ordered units' kind, level, list type and text (keys excluded)."""
    rows = [[u.kind.value, u.level, bool(u.ordered), u.text] for u in units]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()


# --- inline markup -----------------------------------------------------------------------

# A link target: characters a page title may hold, never markup the parser acts on first.
_TARGET = r"[^\[\]{}|<>\n]+"
# A URL: no whitespace, brackets, quotes, braces or pipes.
_URL = r"(?:https?:|mailto:)?//[^\s\[\]<>\"{}|']+|mailto:[^\s\[\]<>\"{}|']+"
_LINK_RE = re.compile(
    rf"\[\[(?P<target>{_TARGET})(?:\|(?P<label>[^\[\]\n]+))?\]\]"
    rf"|\[(?P<url>{_URL})(?: (?P<xlabel>[^\[\]\n]*))?\]"
)
_APOSTROPHES = re.compile(r"'{2,}")


@dataclass(frozen=True)
class InlineToken:
    """A piece of unit text: ``literal`` text, a ``wikilink``, an ``extlink``, or ``quotes``."""

    type: str
    text: str
    target: str = ""
    label: str | None = None


# Links with these prefixes embed or categorise instead of linking (unless written [[:X]]).
_EMBEDDING_PREFIX = re.compile(r"^\s*(?:category|file|image|media)\s*:", re.IGNORECASE)


def _safe_target(target: str) -> bool:
    return (
        target.strip() == target
        and not _EMBEDDING_PREFIX.match(target)
        and not any(bad in target for bad in ("''", "~~~", "__"))
    )


def _safe_url(url: str) -> bool:
    return "__" not in url and "~~~" not in url


def inline_tokens(text: str) -> list[InlineToken]:
    """Split unit text into literal runs and the allowed inline markup."""
    tokens: list[InlineToken] = []
    pos = 0
    for match in _LINK_RE.finditer(text):
        if match.group("target") is not None:
            target, label = match.group("target"), match.group("label")
            if not _safe_target(target):
                continue
            token = InlineToken("wikilink", match.group(0), target, label)
        else:
            url, label = match.group("url"), match.group("xlabel")
            if not _safe_url(url):
                continue
            token = InlineToken("extlink", match.group(0), url, label)
        if match.start() > pos:
            tokens.extend(_split_quotes(text[pos : match.start()]))
        tokens.append(token)
        pos = match.end()
    if pos < len(text):
        tokens.extend(_split_quotes(text[pos:]))
    return tokens


def _split_quotes(text: str) -> list[InlineToken]:
    tokens: list[InlineToken] = []
    pos = 0
    for match in _APOSTROPHES.finditer(text):
        if match.start() > pos:
            tokens.append(InlineToken("literal", text[pos : match.start()]))
        tokens.append(InlineToken("quotes", match.group(0)))
        pos = match.end()
    if pos < len(text):
        tokens.append(InlineToken("literal", text[pos:]))
    return tokens


def plain_text(text: str) -> str:
    """Unit text without its markup: link labels (or targets) and no bold/italic quotes."""
    out = []
    for token in inline_tokens(text):
        if token.type == "literal":
            out.append(token.text)
        elif token.type in {"wikilink", "extlink"}:
            out.append(token.label if token.label is not None else token.target)
        else:
            # As the wiki reads them: four apostrophes are one plus bold, six or more
            # are the extra ones plus bold italic.
            n = len(token.text)
            out.append("'" if n == 4 else "'" * (n - 5) if n > 5 else "")
    return "".join(out)


# --- source lines --------------------------------------------------------------------------

_HEADING_RE = re.compile(r"^(=+)(.*?)(=+)[ \t]*$")
_TAG_RE = re.compile(r"<\s*/?\s*[A-Za-z!]")
_MAGIC_RE = re.compile(r"__[A-Z_]+__")


def _list_prefix(line: str) -> str:
    """The run of list marks (``*#:;``) a line starts with."""
    return line[: len(line) - len(line.lstrip("*#:;"))]


def check_inline(text: str, source: str, line: int) -> None:
    """Refuse wikitext the restricted syntax does not allow inside a unit."""
    problems = [
        ("{{", "a template or parser function ('{{') is not allowed"),
        ("}}", "a template or parser function ('}}') is not allowed"),
        ("{|", "a table ('{|') is not allowed"),
        ("~~~", "a signature ('~~~') is not allowed"),
    ]
    for needle, problem in problems:
        if needle in text:
            raise SourceError(source, line, problem)
    tag = _TAG_RE.search(text)
    if tag:
        snippet = text[tag.start() : tag.start() + 12].split(">")[0] + ">"
        raise SourceError(
            source, line, f"HTML tags and comments are not allowed (found {snippet!r})"
        )
    magic = _MAGIC_RE.search(text)
    if magic:
        raise SourceError(source, line, f"magic words are not allowed (found {magic.group(0)!r})")
    # What is left once the well-formed links are taken out must hold no link syntax.
    rest = " ".join(t.text for t in inline_tokens(text) if t.type == "literal")
    if "[[" in rest or "]]" in rest:
        raise SourceError(
            source, line, "malformed or unclosed wikilink (expected [[target]] or [[target|label]])"
        )
    if re.search(r"\[(?:https?:|mailto:)?//|\[mailto:", rest):
        raise SourceError(
            source, line, "malformed or unclosed external link (expected [https://url label])"
        )


def parse_units(text: str, *, source: str = "<text>", first_line: int = 1) -> list[UnitDraft]:
    """Parse the restricted syntax into unit drafts; ``first_line`` numbers the first line."""
    units: list[UnitDraft] = []
    paragraph: list[str] = []
    # The list prefixes of the current list run by depth, to check nesting.
    list_prefixes: list[str] = []

    def end_paragraph() -> None:
        if paragraph:
            units.append(UnitDraft(UnitKind.PARAGRAPH, normalize_text(" ".join(paragraph))))
            paragraph.clear()

    for offset, raw in enumerate(text.splitlines()):
        lineno = first_line + offset
        line = raw.rstrip()
        if not line.strip():
            end_paragraph()
            list_prefixes = []
            continue
        if line[0] in " \t":
            raise SourceError(
                source,
                lineno,
                "a line may not start with whitespace "
                "(the wiki would show it as preformatted text)",
            )
        if line.startswith("----"):
            raise SourceError(source, lineno, "horizontal rules ('----') are not allowed")
        if line.startswith(("{|", "|}", "|-", "|", "!")):
            raise SourceError(source, lineno, "tables are not allowed")
        if line.startswith("="):
            end_paragraph()
            list_prefixes = []
            units.append(_heading(line, source, lineno))
            continue
        if line[0] in "*#:;":
            end_paragraph()
            prefix = _list_prefix(line)
            if any(c in ":;" for c in prefix):
                raise SourceError(
                    source, lineno, "indented and definition lines (':' and ';') are not allowed"
                )
            item = normalize_text(line[len(prefix) :])
            if not item:
                raise SourceError(source, lineno, f"empty list item ({prefix!r})")
            depth = len(prefix)
            if depth > 1 and (
                len(list_prefixes) < depth - 1 or list_prefixes[depth - 2] != prefix[:-1]
            ):
                parent = list_prefixes[depth - 2] if len(list_prefixes) >= depth - 1 else ""
                found = f"continues {parent!r}" if parent else "has no parent item"
                raise SourceError(
                    source,
                    lineno,
                    f"bad list nesting: {prefix!r} {found}; "
                    f"it needs an item {prefix[:-1]!r} right above",
                )
            check_inline(item, source, lineno)
            list_prefixes = list_prefixes[: depth - 1] + [prefix]
            units.append(UnitDraft(UnitKind.LIST_ITEM, item, depth, prefix[-1] == "#"))
            continue
        list_prefixes = []
        check_inline(line, source, lineno)
        paragraph.append(line.strip())
    end_paragraph()
    return units


def _heading(line: str, source: str, lineno: int) -> UnitDraft:
    match = _HEADING_RE.match(line)
    if not match or len(line.strip()) < 2:
        raise SourceError(source, lineno, "unclosed heading (expected '== text ==')")
    opening, body, closing = match.groups()
    title = normalize_text(body)
    if not title:
        raise SourceError(source, lineno, "empty heading")
    if len(opening) != len(closing):
        raise SourceError(
            source, lineno, f"heading opens with {len(opening)} '=' but closes with {len(closing)}"
        )
    level = len(opening)
    if level == 1:
        raise SourceError(
            source,
            lineno,
            "level-1 headings ('= x =') are not allowed; use '== x ==' for the top level",
        )
    if level > MAX_HEADING_LEVEL:
        raise SourceError(
            source, lineno, f"heading level {level} is deeper than {MAX_HEADING_LEVEL}"
        )
    check_inline(title, source, lineno)
    return UnitDraft(UnitKind.HEADING, title, level)
