"""Revisions → wikitext pages (source page, language pages, changelog), and back.

Public API:
    render_document(revision, *, consultation=None, translate=False, changelog=None,
                    date=None, words=PageWords()) -> str
        The source-language page. ``consultation`` is a ConsultationLink (or None);
        ``translate`` adds Extension:Translate markup (<languages/>, one <translate> block
        per unit with a <!--T:key--> marker); ``changelog`` overrides the changelog title.
    render_language_page(revision, language, translations, *, consultation=None,
                         changelog=None, date=None, words=PageWords()) -> str
        The page ``Title/xx``. ``translations`` maps unit key → an object with ``.text`` and
        ``.source_hash`` (a UnitTranslation, say). A unit whose translation is missing or was
        made from another text (source_hash != unit.text_hash) shows the source text, marked.
    render_changelog(document, revisions, words=ChangelogWords()) -> str
        Every published (or since superseded) revision, newest first: label, date, summary
        and a unit-level "what changed" list against the previously published one.
    parse_rendered(wikitext, *, source="<page>") -> list[UnitDraft]
        The inverse of the renderers: units with the keys of the anchors that survived;
        text a human added outside anchors becomes units without a key.
    changelog_title(document), language_page_title(document, language), text_direction(lang)
    ConsultationLink(target, label=...): target is a page title or an http(s) URL.
    PageWords(...): what a page says around the document (its header, the attribution), as
        ``%(name)s`` templates in the page's language; English unless given (the bots give
        them from ``bots/i18n``). ChangelogWords(...): the same for the changelog page.
    render_inline(text) / decode_inline(wikitext): one unit's text ↔ safe wikitext.

Every unit sits in <span class="convene-unit" id="convene-KEY" data-convene-unit="KEY">,
which every MediaWiki keeps (headings, paragraphs and list items alike), so links
(Title#convene-KEY), the on-wiki widget and harvesting can find one unit. Unit text keeps
its allowed inline markup (links, bold, italic); every other character the parser would act
on is written as an HTML entity, so hostile text is shown, never interpreted, and
decode_inline gives back the exact text.
"""

from __future__ import annotations

import html
import html.entities
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date as Date
from typing import Any

from services.documents.lineage import LineageStatus, compare
from services.documents.models import RevisionStatus, UnitKind
from services.documents.units import UnitDraft, inline_tokens, plain_text
from services.translations.status import TranslationState, unit_state

UNIT_CLASS = "convene-unit"
ID_PREFIX = "convene-"
CHANGELOG_SUFFIX = "Changelog"
KEY_RE = re.compile(r"^[A-Za-z0-9-]{1,32}$")
EXCERPT_LENGTH = 80

# Languages written right to left (MediaWiki's own list, codes in use on Wikimedia wikis).
RTL_LANGUAGES = frozenset(
    [
        "aeb",
        "aeb-arab",
        "ar",
        "arc",
        "arq",
        "ary",
        "arz",
        "azb",
        "bcc",
        "bgn",
        "bqi",
        "ckb",
        "dv",
        "fa",
        "glk",
        "he",
        "khw",
        "kk-arab",
        "kk-cn",
        "ks",
        "ks-arab",
        "ku-arab",
        "lki",
        "lrc",
        "luz",
        "mzn",
        "nqo",
        "ota",
        "pnb",
        "ps",
        "sd",
        "sdh",
        "skr",
        "skr-arab",
        "syc",
        "ug",
        "ug-arab",
        "ur",
        "uz-arab",
        "ydd",
        "yi",
    ]
)

# The characters the wiki parser acts on somewhere, written as entities in unit text.
_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "[": "&#91;",
    "]": "&#93;",
    "{": "&#123;",
    "}": "&#125;",
    "|": "&#124;",
    "~": "&#126;",
    "_": "&#95;",
    "=": "&#61;",
}
_ESCAPE_RE = re.compile("[" + re.escape("".join(_ESCAPES)) + "\x00-\x08\x0a-\x1f\x7f]")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_NOWIKI_RE = re.compile(r"<nowiki>(.*?)</nowiki>|<nowiki\s*/>", re.DOTALL)
_TRANSLATE_RE = re.compile(r"</?translate\s*>|<!--T:[^>]*?--> ?|<languages\s*/>")
_COMMENT_RE = re.compile(r"<!--.*?-->")
_HEADING_RE = re.compile(r"^(={1,6})(.+?)\1\s*$")
_LIST_RE = re.compile(r"^([*#:;]+)\s*(.*)$")
_ANCHOR_OPEN_RE = re.compile(r'<span\b[^>]*?\bdata-convene-unit="([A-Za-z0-9-]{1,32})"[^>]*>')
_ATTR_RE = re.compile(r'([a-zA-Z-]+)\s*=\s*"([^"]*)"')
# Lines the renderers write around the units, skipped when a page is parsed back.
_FRAME_RE = re.compile(
    r'^(?:<div class="convene-(?:header|document|page|attribution)\b.*'
    r"|</div>)$"
)


@dataclass(frozen=True)
class PageWords:
    """What a page says around the document, in the page's language: ``%(name)s`` templates,
    filled with wikitext that is escaped already. These are the English ones; a language
    page gets its own from the bots' messages (``bots/i18n``, key ``convene-page-<field>``)."""

    revision: str = "Revision %(number)s: %(label)s"
    what_changed: str = "what changed"
    translation_of: str = (
        "translation of %(source)s (%(language)s): %(current)s of %(total)s units current"
    )
    attribution: str = "Text: %(attribution)s"


@dataclass(frozen=True)
class ConsultationLink:
    """Where readers give feedback: a wiki page title or an http(s) URL."""

    target: str
    label: str = "Give your feedback in the open consultation"


# --- inline text ---------------------------------------------------------------------------


def _escape_char(match: re.Match) -> str:
    char = match.group(0)
    return _ESCAPES.get(char) or f"&#{ord(char)};"


def escape_literal(text: str) -> str:
    """Text the parser must show as is (apostrophes are left alone: they are bold/italic)."""
    return _ESCAPE_RE.sub(_escape_char, text)


def escape_plain(text: str) -> str:
    """Text with no markup at all, apostrophes included (labels, excerpts)."""
    return escape_literal(text).replace("'", "&#39;")


def render_inline(text: str) -> str:
    """One unit's text as wikitext: allowed inline markup kept, everything else escaped."""
    out = []
    for token in inline_tokens(text):
        if token.type == "literal":
            out.append(escape_literal(token.text))
        elif token.type == "quotes":
            out.append(token.text)
        elif token.type == "wikilink":
            label = "" if token.label is None else "|" + _render_label(token.label)
            out.append(f"[[{token.target}{label}]]")
        else:
            label = "" if token.label is None else " " + _render_label(token.label)
            out.append(f"[{token.target}{label}]")
    return "".join(out)


def _render_label(label: str) -> str:
    # A label holds no brackets, so its only markup is bold/italic quotes.
    return "".join(
        t.text if t.type == "quotes" else escape_literal(t.text) for t in inline_tokens(label)
    )


def _decode_entity(match: re.Match) -> str:
    ref = match.group(1)
    if ref[0] == "#":
        code = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return match.group(0)
        return chr(code)
    return html.entities.html5.get(ref + ";", match.group(0))


def decode_literal(wikitext: str) -> str:
    """Entities and <nowiki> (as a wiki editor may write them) back to plain characters."""
    parts = []
    pos = 0
    for match in _NOWIKI_RE.finditer(wikitext):
        parts.append(_ENTITY_RE.sub(_decode_entity, wikitext[pos : match.start()]))
        parts.append(_ENTITY_RE.sub(_decode_entity, match.group(1) or ""))
        pos = match.end()
    parts.append(_ENTITY_RE.sub(_decode_entity, wikitext[pos:]))
    return "".join(parts)


def decode_inline(wikitext: str) -> str:
    """The inverse of render_inline: decode_inline(render_inline(t)) == t for any text."""
    out = []
    for token in inline_tokens(wikitext):
        if token.type == "literal":
            out.append(decode_literal(token.text))
        elif token.type == "quotes":
            out.append(token.text)
        elif token.type == "wikilink":
            label = "" if token.label is None else "|" + decode_literal(token.label)
            out.append(f"[[{token.target}{label}]]")
        else:
            label = "" if token.label is None else " " + decode_literal(token.label)
            out.append(f"[{token.target}{label}]")
    return "".join(out)


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _check_key(key: str) -> str:
    if not KEY_RE.match(key or ""):
        raise ValueError(f"unit key {key!r} cannot be an anchor (1-32 of A-Z, a-z, 0-9, '-')")
    return key


def _check_title(title: str, what: str) -> str:
    if not title or re.search(r"[\[\]{}|<>\n]", title):
        raise ValueError(f"{what} {title!r} is not a usable page title")
    return title


# --- page titles and directions --------------------------------------------------------------


def changelog_title(document: Any) -> str:
    return f"{document.wiki_title}/{CHANGELOG_SUFFIX}"


def language_page_title(document: Any, language: str) -> str:
    return f"{document.wiki_title}/{language}"


def text_direction(language: str) -> str:
    return "rtl" if language.lower() in RTL_LANGUAGES else "ltr"


# --- units ---------------------------------------------------------------------------------


def _anchor(key: str, inner: str, *, state: str = "", language: str = "") -> str:
    key = _check_key(key)
    classes = UNIT_CLASS + (f" convene-fallback convene-{state}" if state else "")
    attrs = f'class="{classes}" id="{ID_PREFIX}{key}" data-convene-unit="{key}"'
    if state:
        attrs += f' data-convene-state="{_attr(state)}"'
    if language:
        attrs += f' lang="{_attr(language)}" dir="{text_direction(language)}"'
    return f"<span {attrs}>{inner}</span>"


def _unit_lines(units: Sequence[Any], render_unit) -> list[str]:
    """Wikitext lines for units: blank lines between blocks, list items kept together."""
    lines: list[str] = []
    prefixes: list[str] = []  # list prefixes of the current list by depth
    previous_kind = None
    for unit in units:
        body = render_unit(unit)
        if unit.kind is UnitKind.LIST_ITEM:
            depth = max(1, unit.level)
            marker = "#" if unit.ordered else "*"
            if previous_kind is not UnitKind.LIST_ITEM:
                prefixes = []
                if lines:
                    lines.append("")
            parent = prefixes[depth - 2] if 1 < depth <= len(prefixes) + 1 else None
            if depth == 1:
                prefix = marker
            elif parent is not None:
                prefix = parent + marker
            else:
                prefix = "*" * (depth - 1) + marker
            prefixes = prefixes[: depth - 1] + [prefix]
            lines.append(f"{prefix} {body}")
        elif unit.kind is UnitKind.HEADING:
            if lines:
                lines.append("")
            marks = "=" * min(max(unit.level, 2), 6)
            lines.append(f"{marks} {body} {marks}")
        else:
            if lines:
                lines.append("")
            lines.append(body)
        previous_kind = unit.kind
    return lines


def _translatable(key: str, inner: str) -> str:
    return f"<translate><!--T:{key}--> {inner}</translate>"


def _revision_date(revision: Any, date: Date | None) -> str:
    if date is not None:
        return date.isoformat()
    when = revision.published_at or revision.created_at
    return when.date().isoformat() if when else ""


def _link(target: str, label: str) -> str:
    if re.match(r"^https?://\S+$", target) and not re.search(r"[\[\]<>\"{}|]", target):
        return f"[{target} {escape_plain(label)}]"
    return f"[[{_check_title(target, 'link target')}|{escape_plain(label)}]]"


def _header(
    revision: Any,
    *,
    changelog: str,
    consultation: ConsultationLink | None,
    date: Date | None,
    words: PageWords,
    extra: Sequence[str] = (),
    language: str | None = None,
) -> str:
    document = revision.document
    parts = [
        words.revision % {"number": revision.number, "label": f"''{escape_plain(revision.label)}''"}
    ]
    when = _revision_date(revision, date)
    if when:
        parts[0] += f", {when}"
    parts.extend(extra)
    parts.append(_link(changelog, words.what_changed))
    if consultation is not None:
        parts.append(_link(consultation.target, consultation.label))
    return (
        f'<div class="convene-header"{_spoken(language)} data-convene-document="{_attr(document.slug)}" '
        f'data-convene-revision="{revision.number}">' + " · ".join(parts) + "</div>"
    )


def _attribution(document: Any, words: PageWords, language: str | None = None) -> list[str]:
    if not document.attribution:
        return []
    text = words.attribution % {"attribution": render_inline(document.attribution)}
    return [f'<div class="convene-attribution"{_spoken(language)}>{text}</div>']


def _spoken(language: str | None) -> str:
    """The lang and dir attributes of a page's own words (a language page speaks its
    language, whatever the wiki's is); none on a source page."""
    return f' lang="{_attr(language)}" dir="{text_direction(language)}"' if language else ""


def render_document(
    revision: Any,
    *,
    consultation: ConsultationLink | None = None,
    translate: bool = False,
    changelog: str | None = None,
    date: Date | None = None,
    words: PageWords = PageWords(),
) -> str:
    """The source-language page of ``revision`` as wikitext."""
    document = revision.document

    def body(unit: Any) -> str:
        inner = render_inline(unit.text)
        return _anchor(unit.key, _translatable(unit.key, inner) if translate else inner)

    lines = ["<languages/>"] if translate else []
    lines.append(
        _header(
            revision,
            changelog=changelog or changelog_title(document),
            consultation=consultation,
            date=date,
            words=words,
        )
    )
    lines.append(
        f'<div class="convene-document" lang="{_attr(document.language)}" '
        f'dir="{text_direction(document.language)}">'
    )
    lines.append("")
    lines.extend(_unit_lines(list(revision.units), body))
    lines.append("")
    lines.append("</div>")
    lines.extend(_attribution(document, words))
    return "\n".join(lines) + "\n"


def render_language_page(
    revision: Any,
    language: str,
    translations: Mapping[str, Any],
    *,
    consultation: ConsultationLink | None = None,
    changelog: str | None = None,
    date: Date | None = None,
    words: PageWords = PageWords(),
) -> str:
    """The page ``Title/language``: translations where current, marked source text elsewhere."""
    document = revision.document
    units = list(revision.units)
    states = {u.key: unit_state(u, translations.get(u.key)) for u in units}
    current = sum(1 for s in states.values() if s is TranslationState.CURRENT)

    def body(unit: Any) -> str:
        state = states[unit.key]
        if state is TranslationState.CURRENT:
            return _anchor(unit.key, render_inline(translations[unit.key].text))
        return _anchor(
            unit.key, render_inline(unit.text), state=state.value, language=document.language
        )

    source_link = (
        f"[[{_check_title(document.wiki_title, 'wiki_title')}|{escape_plain(document.title)}]]"
    )
    extra = [
        words.translation_of
        % {
            "source": source_link,
            "language": escape_plain(language),
            "current": current,
            "total": len(units),
        }
    ]
    lines = [
        _header(
            revision,
            changelog=changelog or changelog_title(document),
            consultation=consultation,
            date=date,
            words=words,
            extra=extra,
            language=language,
        )
    ]
    lines.append(
        f'<div class="convene-page" lang="{_attr(language)}" dir="{text_direction(language)}">'
    )
    lines.append("")
    lines.extend(_unit_lines(units, body))
    lines.append("")
    lines.append("</div>")
    lines.extend(_attribution(document, words, language))
    return "\n".join(lines) + "\n"


# --- changelog -----------------------------------------------------------------------------


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """A plain-text excerpt of unit text, on one line."""
    flat = " ".join(plain_text(text).split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


@dataclass(frozen=True)
class ChangelogWords:
    """What the changelog page says, in the document's language: ``%(name)s`` templates, as
    ``PageWords`` (``bots/i18n``, key ``convene-changelog-<field>``)."""

    intro: str = "Published revisions of %(document)s, newest first."
    none_yet: str = "No revision has been published yet."
    revision: str = "Revision %(number)s: %(label)s, %(date)s"
    current: str = "%(heading)s (current)"
    first: str = "First published revision (%(units)s units)."
    since: str = "What changed since revision %(number)s (%(unchanged)s units unchanged):"
    changed: str = "Changed"
    changed_and_moved: str = "Changed and moved"
    moved: str = "Moved"
    new: str = "New"
    removed: str = "Removed"
    empty: str = "(empty)"
    nothing_changed: str = "No unit changed."


_CHANGE_WORDS = {
    LineageStatus.CHANGED: "changed",
    LineageStatus.MOVED: "moved",
    LineageStatus.NEW: "new",
    LineageStatus.REMOVED: "removed",
}


def render_changelog(
    document: Any, revisions: Iterable[Any], words: ChangelogWords = ChangelogWords()
) -> str:
    """The changelog page: every published revision with what changed in it."""
    page = _check_title(document.wiki_title, "wiki_title")
    published = sorted(
        (r for r in revisions if r.status in (RevisionStatus.PUBLISHED, RevisionStatus.SUPERSEDED)),
        key=lambda r: r.number,
    )
    intro = words.intro % {"document": f"[[{page}|{escape_plain(document.title)}]]"}
    lines = [
        f'<div class="convene-header" data-convene-document="{_attr(document.slug)}" '
        f'data-convene-changelog="1">{intro}</div>'
    ]
    if not published:
        lines += ["", words.none_yet]
    for index in range(len(published) - 1, -1, -1):
        revision = published[index]
        heading = words.revision % {
            "number": revision.number,
            "label": escape_plain(revision.label),
            "date": _revision_date(revision, None),
        }
        if revision.status is RevisionStatus.PUBLISHED:
            heading = words.current % {"heading": heading}
        lines += ["", f"== {heading} =="]
        if revision.summary:
            lines += ["", render_inline(" ".join(revision.summary.split()))]
        if index == 0:
            lines += ["", words.first % {"units": len(revision.units)}]
            continue
        before = published[index - 1]
        changes = compare(list(before.units), list(revision.units))
        listed = [c for c in changes if c.status is not LineageStatus.UNCHANGED]
        unchanged = len(changes) - len(listed)
        lines += ["", words.since % {"number": before.number, "unchanged": unchanged}]
        for change in listed:
            label = getattr(words, _CHANGE_WORDS[change.status])
            if change.status is LineageStatus.CHANGED and change.moved:
                label = words.changed_and_moved
            text = escape_plain(excerpt(change.unit.text)) or words.empty
            if change.status is LineageStatus.REMOVED:
                lines.append(f"* {label}: “{text}”")
            else:
                lines.append(f"* {label}: [[{page}#{ID_PREFIX}{_check_key(change.key)}|{text}]]")
        if not listed:
            lines.append(f"* {words.nothing_changed}")
    return "\n".join(lines) + "\n"


# --- parsing a rendered page back ------------------------------------------------------------


def _anchored(content: str) -> tuple[str | None, str, str]:
    """(key, fallback state, text) of line content; key None when no anchor survived."""
    match = _ANCHOR_OPEN_RE.search(content)
    end = content.rfind("</span>")
    if not match or end < match.end():
        return None, "", decode_inline(_COMMENT_RE.sub("", content)).strip()
    attrs = dict(_ATTR_RE.findall(match.group(0)))
    inner = decode_inline(content[match.end() : end])
    before = decode_inline(_COMMENT_RE.sub("", content[: match.start()]))
    after = decode_inline(_COMMENT_RE.sub("", content[end + len("</span>") :]))
    if before.strip() or after.strip():  # a person wrote next to the anchor
        inner = (before + inner + after).strip()
    return match.group(1), attrs.get("data-convene-state", ""), inner


def parse_rendered(wikitext: str, *, source: str = "<page>") -> list[UnitDraft]:
    """Units of a page the renderers wrote, perhaps since edited by people on the wiki."""
    drafts: list[UnitDraft] = []
    paragraph: list[Any] = []  # [key, state, [texts]] of the paragraph being read

    def end_paragraph() -> None:
        if paragraph:
            key, state, texts = paragraph
            text = " ".join(t for t in texts if t)
            if text or key:
                drafts.append(UnitDraft(UnitKind.PARAGRAPH, text, key=key, fallback=state))
            paragraph.clear()

    for raw in wikitext.split("\n"):
        line = _TRANSLATE_RE.sub("", raw).rstrip()
        if (
            not line.strip()
            or _FRAME_RE.match(line.strip())
            or not _COMMENT_RE.sub("", line).strip()
        ):
            end_paragraph()
            continue
        heading = _HEADING_RE.match(line)
        if heading:
            end_paragraph()
            key, state, text = _anchored(heading.group(2).strip())
            drafts.append(
                UnitDraft(
                    UnitKind.HEADING, text, max(2, len(heading.group(1))), key=key, fallback=state
                )
            )
            continue
        listed = _LIST_RE.match(line)
        if listed and any(c in "*#" for c in listed.group(1)):
            end_paragraph()
            prefix = listed.group(1).replace(":", "").replace(";", "")
            key, state, text = _anchored(listed.group(2))
            drafts.append(
                UnitDraft(
                    UnitKind.LIST_ITEM,
                    text,
                    len(prefix),
                    prefix[-1] == "#",
                    key=key,
                    fallback=state,
                )
            )
            continue
        content = listed.group(2) if listed else line
        key, state, text = _anchored(content.lstrip())
        if key is not None or not paragraph:
            end_paragraph()
            paragraph.extend([key, state, [text]])
        else:
            paragraph[2].append(text)
    end_paragraph()
    return drafts
