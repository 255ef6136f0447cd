"""Human-editable content files: YAML front matter between ``---`` lines, then the body.

Public API:
    read_source(path) -> SourceFile        (raises SourceError naming file and line)
    parse_source(text, name) -> SourceFile
    bundled_sources() -> list[Path]         the files shipped in services/documents/content/

Front matter keys: slug, title, wiki_title, label, attribution, licence (required);
language (default "en"), summary, author, source_url (optional). ``attribution`` may use
the units' inline markup (an external link to the source page, say).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from services.documents.units import SourceError, UnitDraft, check_inline, parse_units

REQUIRED = ("slug", "title", "wiki_title", "label", "attribution", "licence")
OPTIONAL = {"language": "en", "summary": "", "author": "", "source_url": ""}
MAX_LENGTH = {
    "slug": 100,
    "title": 255,
    "wiki_title": 255,
    "label": 100,
    "author": 255,
    "language": 20,
}

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")
# Characters MediaWiki never allows in a page title.
TITLE_FORBIDDEN = re.compile(r"[#<>\[\]{}|\x00-\x1f\x7f]")


@dataclass(frozen=True)
class SourceFile:
    """One parsed content file."""

    path: str
    slug: str
    title: str
    wiki_title: str
    language: str
    label: str
    summary: str
    author: str
    attribution: str
    licence: str
    source_url: str
    units: list[UnitDraft]

    @property
    def attribution_text(self) -> str:
        """The attribution line stored on the document (unit inline markup allowed)."""
        parts = [self.attribution]
        if self.source_url and self.source_url not in self.attribution:
            parts.append(self.source_url)
        parts.append(f"licence: {self.licence}")
        return "; ".join(parts)


def bundled_sources() -> list[Path]:
    """The content files shipped with Convene, sorted by name."""
    folder = resources.files("services.documents") / "content"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".wiki"))


def read_source(path: str | Path) -> SourceFile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(str(path), 1, f"not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise SourceError(str(path), 0, f"cannot read the file ({exc.strerror})") from exc
    return parse_source(text, str(path))


def parse_source(text: str, name: str) -> SourceFile:
    """Parse front matter and body; every error names ``name`` and the line."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise SourceError(name, 1, "expected front matter: the first line must be '---'")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise SourceError(name, len(lines), "front matter is not closed by a '---' line") from None
    meta = _front_matter("\n".join(lines[1:end]), name)
    body = "\n".join(lines[end + 1 :])
    units = parse_units(body, source=name, first_line=end + 2)
    if not units:
        raise SourceError(name, end + 2, "the body holds no text")
    return SourceFile(path=name, units=units, **meta)


def _front_matter(text: str, name: str) -> dict[str, str]:
    # Front matter starts on line 2 of the file; YAML counts lines from 0.
    first = 2
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first + (mark.line if mark else 0)
        raise SourceError(name, line, f"front matter is not valid YAML: {exc.problem}") from exc
    if node is None:
        raise SourceError(name, first, "front matter is empty")
    if not isinstance(node, yaml.MappingNode):
        raise SourceError(
            name, first + node.start_mark.line, "front matter must be 'key: value' lines"
        )
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        line = first + key_node.start_mark.line
        if key not in REQUIRED and key not in OPTIONAL:
            known = ", ".join(sorted((*REQUIRED, *OPTIONAL)))
            raise SourceError(name, line, f"unknown front matter key {key!r} (known: {known})")
        if key in values:
            raise SourceError(name, line, f"front matter key {key!r} appears twice")
        if not isinstance(value_node, yaml.ScalarNode):
            raise SourceError(name, line, f"{key!r} must be text, not a list or mapping")
        values[key] = str(value_node.value).strip()
        lines[key] = line
    for key in REQUIRED:
        if not values.get(key):
            raise SourceError(name, lines.get(key, first), f"front matter needs {key!r}")
    for key, default in OPTIONAL.items():
        values.setdefault(key, default)
        lines.setdefault(key, first)
    _validate(values, lines, name)
    return values


def _validate(values: dict[str, str], lines: dict[str, int], name: str) -> None:
    for key, limit in MAX_LENGTH.items():
        if len(values[key]) > limit:
            raise SourceError(name, lines[key], f"{key!r} is longer than {limit} characters")
    if not SLUG_RE.match(values["slug"]):
        raise SourceError(
            name,
            lines["slug"],
            "'slug' may hold only a-z, 0-9 and '-', starting with a letter or digit",
        )
    if not LANGUAGE_RE.match(values["language"]):
        raise SourceError(
            name,
            lines["language"],
            f"'language' {values['language']!r} is not a language code like 'en'",
        )
    bad = TITLE_FORBIDDEN.search(values["wiki_title"])
    if bad:
        raise SourceError(
            name,
            lines["wiki_title"],
            f"'wiki_title' holds {bad.group(0)!r}, which a page title cannot",
        )
    if values["source_url"] and not re.match(r"^https?://\S+$", values["source_url"]):
        raise SourceError(name, lines["source_url"], "'source_url' must be an http(s) URL")
    check_inline(values["attribution"], name, lines["attribution"])
