"""Search text folding: the same on both databases, kind to accents and scripts."""

import pytest

from services.feedback.searchtext import fold, query_terms, search_document


@pytest.mark.parametrize(
    "text, folded",
    [
        ("École", "ecole"),
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),
        ("  many\n\tspaces  ", "many spaces"),
        ("ﬁne", "fine"),  # compatibility ligature
        ("القِيادَة", "القيادة"),  # Arabic harakat dropped
        ("Łódź", "łodz"),  # ł is a letter, not an accent
        ("", ""),
        (None, ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_search_document_joins_text_heading_author():
    doc = search_document("Mentoring", "Élodie", "Un texte")
    assert doc.split("\n") == ["un texte", "mentoring", "elodie"]


@pytest.mark.parametrize(
    "query, terms",
    [
        ("mentoring newcomers", ["mentoring", "newcomers"]),
        ('"shared goal" Leadership', ["shared goal", "leadership"]),
        ("école ECOLE", ["ecole"]),
        ('""', []),
        ("   ", []),
        ("50%_off", ["50%_off"]),
    ],
)
def test_query_terms(query, terms):
    assert query_terms(query) == terms
