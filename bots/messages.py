"""Edit summaries and other text the bots write on a wiki, looked up by key and language.

Messages live in ``bots/i18n/<lang>.json`` (``qqq.json`` documents each key), the way
pywikibot's scripts keep theirs; a language without a message falls back to English.
Parameters are written ``%(name)s``. Besides edit summaries: what a published page says
around the document (``convene-page-*``) and what a changelog says (``convene-changelog-*``),
in the page's own language.
"""

from __future__ import annotations

import json
from dataclasses import fields
from functools import cache
from importlib import resources

from services.documents.render import ChangelogWords, PageWords

FALLBACK = "en"


class MessageError(KeyError):
    """A message key that no language file defines, or a parameter it needs is missing."""


@cache
def _bundle(lang: str) -> dict[str, str]:
    try:
        raw = resources.files("bots.i18n").joinpath(f"{lang}.json").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return {}
    return {key: value for key, value in json.loads(raw).items() if not key.startswith("@")}


def template(key: str, lang: str = FALLBACK) -> str:
    """The message ``key`` in ``lang`` (else English) as written, parameters unfilled."""
    for candidate in (lang, lang.split("-")[0], FALLBACK):
        found = _bundle(candidate).get(key)
        if found is not None:
            return found
    raise MessageError(f"no message {key!r} in bots/i18n/{FALLBACK}.json")


def message(key: str, lang: str = FALLBACK, **params: object) -> str:
    """The message ``key`` in ``lang`` (else English) with its parameters filled in."""
    try:
        return template(key, lang) % params
    except KeyError as exc:
        raise MessageError(f"message {key!r} needs the parameter {exc.args[0]!r}") from None


def documented_keys() -> tuple[set[str], set[str]]:
    """The keys English defines and the keys ``qqq.json`` documents (they must agree)."""
    return set(_bundle(FALLBACK)), set(_bundle("qqq"))


def page_words(lang: str) -> PageWords:
    """What a page in ``lang`` says around the document (``PageWords``), from the messages
    ``convene-page-<field>``."""
    return _words(PageWords, "convene-page-", lang)


def changelog_words(lang: str) -> ChangelogWords:
    """What a changelog page in ``lang`` says, from the messages ``convene-changelog-<field>``."""
    return _words(ChangelogWords, "convene-changelog-", lang)


def _words(kind, prefix: str, lang: str):
    return kind(**{f.name: template(prefix + f.name.replace("_", "-"), lang) for f in fields(kind)})
