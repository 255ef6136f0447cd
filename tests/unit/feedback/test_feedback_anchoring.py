from datetime import datetime

import pytest

from services.feedback.anchoring import (
    UnitIndex,
    UnitText,
    find_anchors,
    normalize,
    revision_current_at,
)
from services.feedback.models import AnchorMethod

UNITS = [
    UnitText("u000001", "Broad overarching definition", "heading"),
    UnitText(
        "u000002",
        "Leadership can be understood as the ability to guide, inspire, build "
        "autonomy, encourage and motivate a group of people towards a shared "
        "goal or common vision.",
    ),
    UnitText("u000003", "Qualities of leaders", "heading"),
    UnitText(
        "u000004",
        "Resilience: Ability to push through difficulties and challenges by "
        "reassessing strategies, changing methods and/or slowing down.",
        "list_item",
    ),
    UnitText("u000005", "Integrity: Adherence to agreed-upon values and norms.", "list_item"),
    UnitText(
        "u000006",
        "Effective Communication: Ability to listen to understand, and share "
        "necessary information through the appropriate channels.",
        "list_item",
    ),
    UnitText(
        "u000005", "Intégrité : adhésion aux valeurs et aux normes convenues.", "list_item", "fr"
    ),
]


@pytest.fixture(scope="module")
def index():
    return UnitIndex(UNITS)


def anchors(index, **kwargs):
    return [(m.unit_key, m.method, m.confidence) for m in find_anchors(index, **kwargs)]


def test_a_link_to_a_unit_anchor_is_explicit(index):
    html = (
        '<p>See <a href="/index.php/Leadership#convene-u000004">this item</a> and '
        '<a href="#convene-unknown">that</a>.</p>'
    )
    assert anchors(index, text="See this item and that.", html=html) == [
        ("u000004", AnchorMethod.LINK, 1.0)
    ]


@pytest.mark.parametrize(
    "heading, expected",
    [
        ("Qualities of leaders", [("u000003", AnchorMethod.HEADING, 1.0)]),
        ("Comment on qualities of leaders", [("u000003", AnchorMethod.HEADING, 0.9)]),
        ("Integrity", [("u000005", AnchorMethod.HEADING, 0.85)]),
    ],
)
def test_a_section_heading_naming_a_unit(index, heading, expected):
    assert anchors(index, text="I have a remark.", heading=heading) == expected


def test_a_quotation_of_a_unit(index):
    text = 'You write "ability to push through difficulties and challenges" but that is not enough.'
    ((key, method, confidence),) = anchors(index, text=text)
    assert (key, method) == ("u000004", AnchorMethod.QUOTE)
    assert 0.7 <= confidence < 1.0


def test_quoting_the_whole_unit_is_full_confidence(index):
    text = UNITS[4].text + " Is this really a quality?"
    assert anchors(index, text=text)[0] == ("u000005", AnchorMethod.QUOTE, 1.0)


def test_a_quotation_of_a_translation_anchors_the_same_unit(index):
    text = "« adhésion aux valeurs et aux normes convenues » me semble vague."
    assert [a[:2] for a in anchors(index, text=text)] == [("u000005", AnchorMethod.QUOTE)]


def test_similarity_when_nothing_is_explicit(index):
    text = "Good leaders should hear people out and pass information through the right channels."
    ((key, method, confidence),) = anchors(index, text=text)
    assert (key, method) == ("u000006", AnchorMethod.SIMILARITY)
    assert 0.15 <= confidence <= 0.95


def test_unrelated_text_is_not_anchored(index):
    assert anchors(index, text="Thanks for organising the meeting yesterday!") == []
    assert anchors(UnitIndex([]), text="anything") == []


def test_explicit_anchors_win_over_similarity(index):
    found = anchors(index, text="Listen to understand, share information.", heading="Integrity")
    assert [a[1] for a in found] == [AnchorMethod.HEADING]


def test_normalize_folds_case_punctuation_and_width():
    assert (
        normalize("  Ｌeadership—is   a   «collective» EFFORT! ")
        == "leadership is a collective effort"
    )


def test_revision_current_when_written():
    published = [(1, datetime(2022, 9, 1)), (2, datetime(2022, 10, 15)), (3, None)]
    assert revision_current_at(published, datetime(2022, 10, 1), default=9) == 1
    assert revision_current_at(published, datetime(2022, 10, 15), default=9) == 2
    assert revision_current_at(published, datetime(2022, 8, 1), default=9) == 9
    assert revision_current_at(published, None, default=9) == 9
