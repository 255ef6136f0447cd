"""Content files: front matter and body, the bundled documents, errors with file and line."""

import re
from pathlib import Path

import pytest

from services.documents.models import UnitKind
from services.documents.source import bundled_sources, parse_source, read_source
from services.documents.units import SourceError, plain_text

# The Meta-Wiki page as rendered text (CC BY-SA 4.0, Leadership Development Working Group):
# the transcription is checked against it.
SEED = Path(__file__).parent / "data" / "meta_ldwg_content.txt"
META_URL = "https://meta.wikimedia.org/wiki/Leadership_Development_Working_Group/Content"

FRONT = """\
---
slug: demo
title: Demo
wiki_title: Demo page
label: First
attribution: The authors
licence: CC BY-SA 4.0
---
"""


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_bundled_files_are_the_definition_and_the_plan():
    sources = {read_source(p).slug: read_source(p) for p in bundled_sources()}
    assert set(sources) == {"leadership-definition", "leadership-development-plan"}
    for source in sources.values():
        assert source.licence == "CC BY-SA 4.0"
        assert META_URL in source.attribution_text
        assert "CC BY-SA 4.0" in source.attribution_text
        assert source.language == "en"


def test_definition_has_its_sections_and_lists():
    source = read_source(next(p for p in bundled_sources() if "definition" in p.name))
    headings = [u.text for u in source.units if u.kind is UnitKind.HEADING]
    assert headings == [
        "Broad overarching definition",
        "Three categories through which leadership could be further qualified",
        "1. Actions of leaders",
        "2.Qualities of leaders",
        "3.Outcomes achieved because of leadership",
        "How to make sense of the “leadership” definition",
        "What is the intention and background of the definition?",
        "Universality or culturally determined - what does this definition address?",
        "How can the definition be used?",
        "What is next for LDWG?",
    ]
    items = [u for u in source.units if u.kind is UnitKind.LIST_ITEM]
    # 7 actions, 8 qualities, 4 outcomes, 6 examples each with its question.
    assert len(items) == 7 + 8 + 4 + 12
    assert sum(1 for u in items if u.level == 2 and u.text.startswith("Ask:")) == 6


def test_plan_has_its_highlights_and_ordered_steps():
    source = read_source(next(p for p in bundled_sources() if "plan" in p.name))
    steps = [u.text.split(":")[0] for u in source.units if u.ordered]
    assert steps == ["Define", "Prepare", "Deliver", "Follow up"]
    assert [u.text for u in source.units if u.kind is UnitKind.HEADING] == [
        "What to Expect",
        "Highlights from Section 1",
        "Highlights from Section 2",
        "Highlights from Section 3",
    ]


@pytest.mark.parametrize("path", bundled_sources(), ids=lambda p: p.name)
def test_every_unit_is_transcribed_verbatim_from_the_seed(path):
    # The seed is the rendered Meta-Wiki page; footnote markers like [1] were left out.
    seed = _flat(re.sub(r"\[\d\]", "", SEED.read_text(encoding="utf-8")))
    for unit in read_source(path).units:
        assert _flat(plain_text(unit.text)) in seed, unit.text[:60]


def test_body_errors_carry_file_line_numbers():
    with pytest.raises(SourceError) as caught:
        parse_source(FRONT + "Fine.\n\n<b>bold</b>\n", "demo.wiki")
    assert (caught.value.source, caught.value.line) == ("demo.wiki", 11)


BODY = "Some text.\n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("slug: x\n" + BODY, 1, "first line must be '---'"),
        ("---\nslug: x\n", 2, "not closed"),
        ("---\nslug: x\ntitle: a: b\n---\n" + BODY, 3, "not valid YAML"),
        ("---\n- a list\n---\n" + BODY, 2, "'key: value' lines"),
        ("---\n---\n" + BODY, 2, "front matter is empty"),
        (
            FRONT.replace("label: First\n", "label: First\ncolour: blue\n") + BODY,
            6,
            "unknown front matter key 'colour'",
        ),
        (
            FRONT.replace("label: First\n", "label: First\nlabel: Second\n") + BODY,
            6,
            "appears twice",
        ),
        (FRONT.replace("title: Demo\n", "") + BODY, 2, "needs 'title'"),
        (FRONT.replace("label: First\n", "label:\n  - a\n") + BODY, 5, "must be text"),
        (FRONT.replace("slug: demo", "slug: Not A Slug") + BODY, 2, "'slug' may hold only"),
        (
            FRONT.replace("label: First\n", "label: First\nlanguage: English\n") + BODY,
            6,
            "not a language code",
        ),
        (
            FRONT.replace("wiki_title: Demo page", "wiki_title: Demo [page]") + BODY,
            4,
            "which a page title cannot",
        ),
        (
            FRONT.replace("label: First\n", "label: First\nsource_url: ftp://x\n") + BODY,
            6,
            "http(s) URL",
        ),
        (
            FRONT.replace("attribution: The authors", "attribution: '{{Credit}}'") + BODY,
            6,
            "template",
        ),
        (FRONT.replace("label: First", "label: " + "x" * 101) + BODY, 5, "longer than 100"),
        (FRONT + "\n", 9, "holds no text"),
    ],
)
def test_bad_front_matter_names_file_line_and_problem(text, line, message):
    with pytest.raises(SourceError) as caught:
        parse_source(text, "bad.wiki")
    assert caught.value.source == "bad.wiki"
    assert message in caught.value.problem
    assert caught.value.line == line


def test_unreadable_files_are_source_errors(tmp_path):
    path = tmp_path / "latin1.wiki"
    path.write_bytes(FRONT.encode() + "Caf\xe9".encode("latin-1"))
    with pytest.raises(SourceError, match="not UTF-8"):
        read_source(path)
    with pytest.raises(SourceError, match="cannot read"):
        read_source(tmp_path / "missing.wiki")


def test_optional_keys_have_defaults():
    source = parse_source(FRONT + "Hello.\n", "ok.wiki")
    assert (source.language, source.summary, source.author, source.source_url) == ("en", "", "", "")
    assert source.attribution_text == "The authors; licence: CC BY-SA 4.0"
