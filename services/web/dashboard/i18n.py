"""The dashboard's messages: JSON catalogues per language (en, qqq documents each key), as on
MediaWiki and translatewiki.net, with ``$1`` parameters and ``{{PLURAL:$1|…}}``, whose forms
follow the language's CLDR plural rules in CLDR's order, as MediaWiki's do (Arabic lists
six: zero, one, two, few, many, other; a message may give fewer, the last serving the rest).

Missing translations fall back to English. Text direction follows the language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "i18n"
DEFAULT_LANGUAGE = "en"
# Languages (and scripts) written right to left, by code as MediaWiki spells them.
RTL_LANGUAGES = frozenset(
    {
        "ar",
        "arc",
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
        "ks",
        "ks-arab",
        "ku-arab",
        "lki",
        "lrc",
        "luz",
        "mzn",
        "nqo",
        "pnb",
        "ps",
        "sd",
        "sdh",
        "skr",
        "skr-arab",
        "ug",
        "ug-arab",
        "ur",
        "yi",
    }
)
_PARAM = re.compile(r"\$(\d+)")
_PLURAL = re.compile(r"\{\{PLURAL:\$(\d+)\|([^{}]*)\}\}")
_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


def direction(language: str | None) -> str:
    """``rtl`` or ``ltr`` for a language code; ``auto`` when the language is unknown."""
    if not language or language in ("und", "mul", "zxx"):
        return "auto"
    code = language.lower()
    return "rtl" if code in RTL_LANGUAGES or code.split("-")[0] in RTL_LANGUAGES else "ltr"


@cache
def catalogue(language: str) -> dict[str, str]:
    path = CATALOGUE_DIR / f"{language}.json"
    if not _CODE.match(language) or not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("@")}


@lru_cache(maxsize=1)
def available_languages() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in CATALOGUE_DIR.glob("*.json") if p.stem != "qqq"))


def load_all() -> int:
    """Read every catalogue and its language's plural rule now (a server warming up: CLDR
    data takes tens of milliseconds per language to load); how many languages."""
    for language in available_languages():
        catalogue(language)
        _plural_rule(language)
    return len(available_languages())


def choose_language(requested: str | None, accepted: Iterable[str] = ()) -> str:
    """The UI language: ``uselang`` if we have it, else the browser's best, else English."""
    available = available_languages()
    for code in ([requested] if requested else []) + list(accepted):
        code = (code or "").lower()
        if code in available:
            return code
        if code.split("-")[0] in available:
            return code.split("-")[0]
    return DEFAULT_LANGUAGE


# CLDR's plural categories in the order MediaWiki's PLURAL forms follow.
_CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")


@cache
def _plural_rule(language: str):
    """The language's CLDR plural rule, and its categories in PLURAL's order."""
    try:
        rule = Locale.parse(language.replace("-", "_")).plural_form
    except (ValueError, TypeError, UnknownLocaleError):
        rule = Locale("en").plural_form
    return rule, [tag for tag in _CLDR_ORDER if tag in rule.tags or tag == "other"]


def _plural(language: str, match: re.Match, params: tuple) -> str:
    index = int(match.group(1)) - 1
    forms = match.group(2).split("|")
    try:
        n = float(str(params[index]).replace(",", ""))
    except (IndexError, ValueError):
        n = 0
    return forms[min(_plural_form(language, int(n) if n.is_integer() else n), len(forms) - 1)]


@lru_cache(maxsize=4096)
def _plural_form(language: str, n: float) -> int:
    """Which of PLURAL's forms ``n`` takes (CLDR rules are slow to evaluate, and a page
    asks for the same few numbers again and again)."""
    rule, categories = _plural_rule(language)
    return categories.index(rule(n))


@lru_cache(maxsize=4096)
def _pieces(text: str) -> tuple:
    """A message without PLURAL split into literal text (str) and parameter numbers (int)."""
    parts = _PARAM.split(text)
    return tuple(part if i % 2 == 0 else int(part) for i, part in enumerate(parts))


def status_key(value: str) -> str:
    """The key of a triage status's label: ``in_review`` → ``convene-status-in-review``."""
    return f"convene-status-{value.replace('_', '-')}"


def message(language: str, key: str, *params) -> str:
    """The text of ``key`` in ``language`` (or English), with parameters filled in."""
    text = catalogue(language).get(key)
    if text is None:
        language, text = DEFAULT_LANGUAGE, catalogue(DEFAULT_LANGUAGE).get(key)
    if text is None:
        return f"⧼{key}⧽"  # as MediaWiki shows a missing message: visible, not fatal
    if "$" not in text:  # most messages: nothing to fill in
        return text
    if "{{PLURAL:" in text:
        text = _PLURAL.sub(lambda m: _plural(language, m, params), text)
    # Parameters are filled in one pass, so a value that looks like "$2" stays as it is.
    return "".join(
        piece
        if isinstance(piece, str)
        else (str(params[piece - 1]) if 0 < piece <= len(params) else f"${piece}")
        for piece in _pieces(text)
    )
