"""Which unit(s) of the document a comment speaks of, and which document revision it answers.

Pure functions, no database:
    UnitIndex(units)                       built once per document revision (plus translations)
    find_anchors(index, text=, html=, heading=) -> list[AnchorMatch]
        explicit first: a link to a unit's anchor (``#convene-<key>`` / ``data-convene-unit``),
        the section heading naming a unit, or a quotation of a unit's text; only when nothing
        is explicit, the most similar unit(s) by TF-IDF cosine, with that score as confidence
    revision_current_at(revisions, when, default) -> revision id
        the document revision that was published (current) when the comment was written
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.feedback.models import AnchorMethod

# Five words in a row are a quotation, not a coincidence, unless many units share them.
QUOTE_WORDS = 5
# A shingle found in more units than this is a stock phrase, not a quotation of one unit.
QUOTE_MAX_UNITS = 2
# Below this cosine a "similar" unit is noise (measured on the definition's own units: unrelated
# comments score under 0.1, comments paraphrasing a unit score 0.2 and up).
SIMILARITY_FLOOR = 0.15
# Other units within this share of the best score are anchored too (a comment on two items).
SIMILARITY_TIE = 0.9
MAX_SIMILAR = 2
# Words shorter than this are mostly function words ("the", "les", "und"): not evidence.
MIN_TOKEN_LENGTH = 4
# A unit is similar only if it shares at least this many distinct words with the comment.
MIN_SHARED_WORDS = 2

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_LINK_RE = re.compile(r"""(?:#convene-|data-convene-unit=["']|id=["']convene-)([A-Za-z0-9_-]+)""")


def normalize(text: str) -> str:
    """Case-folded words separated by single spaces: the form texts are compared in."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_WORD_RE.findall(text.replace("_", " ")))


def _tokens(normalized: str) -> list[str]:
    return [w for w in normalized.split() if len(w) >= MIN_TOKEN_LENGTH and not w.isdigit()]


@dataclass(frozen=True)
class UnitText:
    """A unit's plain text; translations of a unit carry the same key and their language."""

    key: str
    text: str
    kind: str = "paragraph"  # "heading" | "paragraph" | "list_item"
    language: str = ""  # "" for the source text


@dataclass(frozen=True)
class AnchorMatch:
    unit_key: str
    method: AnchorMethod
    confidence: float


class UnitIndex:
    """The units of one document revision, prepared for matching many comments quickly."""

    def __init__(self, units: Iterable[UnitText]):
        self.units = [u for u in units if u.key and u.text.strip()]
        self.keys = {u.key for u in self.units}
        self._normalized = [(u, normalize(u.text)) for u in self.units]
        # Heading units and list-item labels ("Integrity: ...") name a unit by their words.
        self._names: list[tuple[str, str, float]] = []
        for unit, norm in self._normalized:
            if unit.kind == "heading" and norm:
                self._names.append((norm, unit.key, 1.0))
            elif ":" in unit.text[:60]:
                label = normalize(unit.text.split(":", 1)[0])
                if label and len(label) >= 4:
                    self._names.append((label, unit.key, 0.85))
        self._shingles: dict[tuple[str, ...], set[str]] = defaultdict(set)
        self._shingle_count: Counter[str] = Counter()
        self._short: list[tuple[str, str]] = []
        for unit, norm in self._normalized:
            words = norm.split()
            if len(words) >= QUOTE_WORDS:
                grams = {
                    tuple(words[i : i + QUOTE_WORDS]) for i in range(len(words) - QUOTE_WORDS + 1)
                }
                for gram in grams:
                    self._shingles[gram].add(unit.key)
                self._shingle_count[unit.key] = max(self._shingle_count[unit.key], len(grams))
            elif len(words) >= 2:
                self._short.append((norm, unit.key))
        # TF-IDF vectors, one per unit text (a translation is one more text of the same key).
        docs = [Counter(_tokens(norm)) for _, norm in self._normalized]
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.keys())
        n = max(len(docs), 1)
        self._idf = {term: math.log((1 + n) / (1 + count)) + 1.0 for term, count in df.items()}
        self._vectors: list[tuple[str, dict[str, float], float]] = []
        for (unit, _), doc in zip(self._normalized, docs):
            vec = {t: c * self._idf[t] for t, c in doc.items()}
            norm = math.sqrt(sum(v * v for v in vec.values()))
            if norm:
                self._vectors.append((unit.key, vec, norm))

    def __bool__(self) -> bool:
        return bool(self.units)

    # -- explicit anchors --------------------------------------------------------------------

    def by_link(self, html: str) -> list[AnchorMatch]:
        keys = dict.fromkeys(k for k in _LINK_RE.findall(html or "") if k in self.keys)
        return [AnchorMatch(k, AnchorMethod.LINK, 1.0) for k in keys]

    def by_heading(self, heading: str) -> list[AnchorMatch]:
        head = normalize(heading)
        if not head:
            return []
        best: dict[str, float] = {}
        padded = f" {head} "
        for name, key, weight in self._names:
            if head == name:
                score = weight
            elif len(name) >= 6 and f" {name} " in padded:
                score = weight * 0.9  # "Comment on Qualities of leaders"
            elif len(head.split()) >= 2 and f" {head} " in f" {name} ":
                score = weight * 0.8  # a shortened heading
            else:
                continue
            best[key] = max(best.get(key, 0.0), score)
        return [AnchorMatch(k, AnchorMethod.HEADING, round(c, 3)) for k, c in best.items()]

    def by_quote(self, text: str) -> list[AnchorMatch]:
        words = normalize(text).split()
        hits: Counter[str] = Counter()
        for i in range(len(words) - QUOTE_WORDS + 1):
            owners = self._shingles.get(tuple(words[i : i + QUOTE_WORDS]))
            if owners and len(owners) <= QUOTE_MAX_UNITS:
                hits.update(owners)
        found = {
            key: 0.7 + 0.3 * min(1.0, count / max(self._shingle_count[key], 1))
            for key, count in hits.items()
        }
        if len(words) >= 2:
            padded = f" {' '.join(words)} "
            for norm, key in self._short:
                if key not in found and f" {norm} " in padded:
                    found[key] = 0.6
        return [AnchorMatch(k, AnchorMethod.QUOTE, round(c, 3)) for k, c in found.items()]

    # -- similarity -------------------------------------------------------------------------

    def by_similarity(self, text: str) -> list[AnchorMatch]:
        counts = Counter(t for t in _tokens(normalize(text)) if t in self._idf)
        if not counts:
            return []
        query = {t: c * self._idf[t] for t, c in counts.items()}
        qnorm = math.sqrt(sum(v * v for v in query.values()))
        best: dict[str, float] = {}
        for key, vec, norm in self._vectors:
            shared = [t for t in query if t in vec]
            if len(shared) >= MIN_SHARED_WORDS:
                dot = sum(query[t] * vec[t] for t in shared)
                score = dot / (qnorm * norm)
                if score > best.get(key, 0.0):
                    best[key] = score
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        if not ranked or ranked[0][1] < SIMILARITY_FLOOR:
            return []
        top = ranked[0][1]
        return [
            AnchorMatch(k, AnchorMethod.SIMILARITY, round(min(s, 0.95), 3))
            for k, s in ranked[:MAX_SIMILAR]
            if s >= top * SIMILARITY_TIE
        ]


def find_anchors(
    index: UnitIndex, *, text: str, html: str = "", heading: str = ""
) -> list[AnchorMatch]:
    """The units a comment speaks of: explicit anchors if any, else the most similar units."""
    if not index:
        return []
    explicit: dict[str, AnchorMatch] = {}
    for match in (*index.by_link(html), *index.by_heading(heading), *index.by_quote(text)):
        held = explicit.get(match.unit_key)
        if held is None or match.confidence > held.confidence:
            explicit[match.unit_key] = match
    if explicit:
        return sorted(explicit.values(), key=lambda m: (-m.confidence, m.unit_key))
    return index.by_similarity(f"{heading}\n{text}" if heading else text)


def revision_current_at(
    revisions: Sequence[tuple[int, datetime | None]], when: datetime | None, default: int | None
) -> int | None:
    """The revision published most recently at or before ``when``; ``default`` if none was."""
    if when is None:
        return default
    published = [(at, rid) for rid, at in revisions if at is not None and at <= when]
    return max(published)[1] if published else default
