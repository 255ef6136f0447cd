"""Edit summaries and page words are messages: every key documented, every language filling
the parameters English fills, English fallback."""

import dataclasses
import json
import re
from importlib import resources

import pytest

from bots.messages import (
    MessageError,
    changelog_words,
    documented_keys,
    message,
    page_words,
    template,
)
from services.documents.render import ChangelogWords, PageWords

PARAMS = {
    "label": "October 2022",
    "date": "2022-10-01",
    "document": "Leadership definition",
    "language": "fr",
    "summary": "S",
    "user": "Alice",
    "revid": 42,
    "number": 3,
    "source": "[[Leadership/Definition|Definition]]",
    "current": 2,
    "total": 9,
    "attribution": "the working group",
    "title": "Round 1",
    "heading": "Revision 3",
    "units": 12,
    "unchanged": 10,
}
_PARAM = re.compile(r"%\((\w+)\)s")


def test_every_english_message_is_documented_in_qqq():
    english, documented = documented_keys()
    assert english and english == documented


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in resources.files("bots.i18n").iterdir() if p.name.endswith(".json")),
)
def test_every_language_file_fills_the_same_parameters(name):
    messages = json.loads(resources.files("bots.i18n").joinpath(name).read_text("utf-8"))
    english, _ = documented_keys()
    assert set(messages) - {"@metadata"} <= english
    if name != "qqq.json":
        for key, text in messages.items():
            if key != "@metadata":
                assert text % PARAMS  # no parameter the callers do not give
                # ... and every one English fills: a translation drops nothing.
                assert set(_PARAM.findall(text)) == set(_PARAM.findall(template(key, "en"))), key


def test_summary_names_the_revision_in_the_wiki_language():
    en = message("convene-publish-source-summary", "en", **PARAMS)
    fr = message("convene-publish-source-summary", "fr", **PARAMS)
    assert "October 2022" in en and "2022-10-01" in en and "Leadership definition" in en
    assert "October 2022" in fr and fr != en and "révision" in fr


@pytest.mark.parametrize("lang", ["xx", "zu", "pt-br"])
def test_a_language_without_messages_falls_back_to_english(lang):
    assert message("convene-publish-changelog-summary", lang, **PARAMS) == message(
        "convene-publish-changelog-summary", "en", **PARAMS
    )


def test_unknown_key_and_missing_parameter_name_the_problem():
    with pytest.raises(MessageError, match="convene-nope"):
        message("convene-nope")
    with pytest.raises(MessageError, match="'label'"):
        message("convene-publish-source-summary", "en", document="D", date="x")


def test_a_regional_variant_falls_back_to_its_language_first():
    assert (
        message("convene-page-what-changed", "de-formal")
        == message("convene-page-what-changed", "de")
        != message("convene-page-what-changed", "en")
    )


def test_the_renderers_english_words_are_the_english_messages():
    # Pages rendered without the bots (convene content render) read as the bots' would.
    assert page_words("en") == PageWords() and changelog_words("en") == ChangelogWords()


@pytest.mark.parametrize("lang", ["fr", "de", "es", "ar", "pl"])
def test_page_and_changelog_words_are_translated(lang):
    for words, english in (
        (page_words(lang), PageWords()),
        (changelog_words(lang), ChangelogWords()),
    ):
        for field in dataclasses.fields(english):
            assert getattr(words, field.name) != getattr(english, field.name) or (
                field.name == "attribution" and lang == "de"
            ), field.name
