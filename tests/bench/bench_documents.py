"""Benchmark of the document store's pure parts on a large generated document.

Times rendering, parsing a rendered page back, key matching after a heavy edit (every
tenth unit edited, a block moved, units inserted and deleted) and the unit/word diff.
Prints as its last line:
bench documents: units=N render_ms=… parse_ms=… match_ms=… match_worst_ms=… diff_ms=…
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.documents.diff import diff_units
from services.documents.lineage import match_units
from services.documents.models import RevisionStatus, UnitKind
from services.documents.render import parse_rendered, render_document
from services.documents.units import UnitDraft, text_hash

UNITS = 2000
WORDS = [
    "leadership",
    "community",
    "shared",
    "vision",
    "trust",
    "empathy",
    "courage",
    "focus",
    "growth",
    "accountability",
    "communication",
    "movement",
    "volunteers",
    "decision",
    "inclusion",
]


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def drafts_for(rng: random.Random, n: int) -> list[UnitDraft]:
    out = []
    for i in range(n):
        if i % 20 == 0:
            out.append(UnitDraft(UnitKind.HEADING, sentence(rng, 4), 2 + (i // 20) % 2))
        elif i % 3 == 0:
            out.append(UnitDraft(UnitKind.LIST_ITEM, sentence(rng, 15), 1))
        else:
            out.append(UnitDraft(UnitKind.PARAGRAPH, sentence(rng, 40) + " {{x}} ~~~~ <b>"))
    return out


def as_units(keys, drafts):
    return [
        SimpleNamespace(
            key=k,
            kind=d.kind,
            level=d.level,
            ordered=d.ordered,
            text=d.text,
            text_hash=text_hash(d.text),
        )
        for k, d in zip(keys, drafts)
    ]


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - start) * 1000


def main() -> None:
    rng = random.Random(42)
    drafts = drafts_for(rng, UNITS)
    units = as_units(match_units([], drafts), drafts)
    document = SimpleNamespace(
        slug="bench", title="Bench", wiki_title="Bench", language="en", attribution="Bench"
    )
    revision = SimpleNamespace(
        document=document,
        number=1,
        label="bench",
        units=units,
        created_at=None,
        published_at=None,
        summary="",
        status=RevisionStatus.DRAFT,
    )
    text, render_ms = timed(lambda: render_document(revision))
    parsed, parse_ms = timed(lambda: parse_rendered(text))
    assert [d.key for d in parsed] == [u.key for u in units]

    # The next draft: every tenth unit edited, a block of 50 moved, 20 inserted, 20 deleted.
    edited = [
        UnitDraft(
            d.kind,
            d.text.replace(".", ", indeed.", 1) if i % 10 == 5 else d.text,
            d.level,
            d.ordered,
        )
        for i, d in enumerate(drafts)
    ]
    edited = edited[:100] + edited[150:1000] + edited[100:150] + edited[1000:]
    del edited[500:520]
    for i in range(20):
        edited.insert(300 + i * 7, UnitDraft(UnitKind.PARAGRAPH, sentence(rng, 30)))
    keys, match_ms = timed(lambda: match_units(units, edited))
    kept = len(set(keys) & {u.key for u in units})
    new_units = as_units(keys, edited)
    result, diff_ms = timed(lambda: diff_units(units, new_units))

    # Worst case for matching: 200 units all rewritten a little, order reversed.
    small = units[:200]
    rewritten = [UnitDraft(u.kind, "Now " + u.text.lower(), u.level) for u in reversed(small)]
    _, worst_ms = timed(lambda: match_units(small, rewritten))

    print(f"kept {kept} keys of {len(units)}; diff counts {result.counts}")
    print(
        f"bench documents: units={UNITS} render_ms={render_ms:.1f} parse_ms={parse_ms:.1f} "
        f"match_ms={match_ms:.1f} match_worst_ms={worst_ms:.1f} diff_ms={diff_ms:.1f}"
    )


if __name__ == "__main__":
    main()
