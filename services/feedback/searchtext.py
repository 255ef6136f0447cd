"""Text normalised for search, the same way on SQLite and PostgreSQL.

Neither database folds case and accents the same way (SQLite's lower() knows only ASCII),
so Convene folds in Python: a comment's searchable text is stored folded, and a query is
folded the same way before it is matched. Substring matching rather than word splitting
keeps languages written without spaces (Chinese, Japanese, Thai) searchable.
"""

from __future__ import annotations

import re
import unicodedata

# Accents and vowel marks a reader does not type when searching: Latin/Greek/Cyrillic
# combining diacritics, Hebrew points, Arabic harakat and the superscript alef.
_IGNORED_MARKS = re.compile("[\u0300-\u036f\u0591-\u05c7\u064b-\u065f\u0670]")
_SPACE = re.compile(r"\s+")
_TERM = re.compile(r'"([^"]*)"|(\S+)')

MAX_QUERY_LENGTH = 200
MAX_TERMS = 10


def fold(text: str | None) -> str:
    """Case-folded, compatibility-normalised text without accents or Arabic vowel marks."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = _IGNORED_MARKS.sub("", decomposed)
    return _SPACE.sub(" ", unicodedata.normalize("NFC", stripped).casefold()).strip()


def search_document(heading: str | None, author: str | None, text: str | None) -> str:
    """What a comment is found by: its text, its section heading and its author, folded."""
    return "\n".join(part for part in (fold(text), fold(heading), fold(author)) if part)


def query_terms(query: str) -> list[str]:
    """The folded terms of a search query; ``"two words"`` is one term. All must match."""
    terms = []
    for phrase, word in _TERM.findall(query or ""):
        term = fold(phrase or word)
        if term and term not in terms:
            terms.append(term)
    return terms
