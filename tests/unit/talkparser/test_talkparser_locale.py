"""WikiLocale.from_api: a wiki's own names for users, talk pages and contributions."""

from __future__ import annotations

import pytest
from talkparser_support import locale_data, make_locale, utc

from bots.talkparser.locale import (
    LocaleError,
    TimestampSample,
    WikiLocale,
    message_keys,
)


def test_the_french_wiki_knows_its_namespaces_aliases_and_special_pages(locales):
    fr = locales["fr"]
    assert (fr.user_namespace, fr.user_talk_namespace, fr.special_namespace) == (
        "Utilisateur",
        "Discussion utilisateur",
        "Spécial",
    )
    for title in (
        "Utilisateur:Alice",
        "Utilisatrice:Alice",
        "User:Alice",
        "utilisateur:alice",
        "Discussion_utilisatrice:Alice",
        "User talk:Alice",
        "Spécial:Contributions/Alice",
        "Special:Contribs/Alice",
        "spécial:contributions/alice",
    ):
        assert fr.user_from_title(title) == "Alice", title
    for title in (
        "Utilisateur:Alice/Brouillon",
        "Aide:Alice",
        "Spécial:Journal/Alice",
        "Alice",
        "Spécial:Contributions/Alice/x",
        "Utilisateur:",
    ):
        assert fr.user_from_title(title) is None, title


@pytest.mark.parametrize(
    ("lang", "user_ns", "alias"),
    [
        ("pl", "Użytkownik", "Użytkowniczka"),
        ("ar", "مستخدم", "مستخدمة"),
        ("sr-ec", "Корисник", "Korisnik"),
        ("ckb", "بەکارھێنەر", None),
    ],
)
def test_localized_and_alias_namespaces_name_the_user(lang, user_ns, alias):
    locale = make_locale(lang)
    assert locale.user_namespace == user_ns
    assert locale.user_from_title(f"{user_ns}:Bob") == "Bob"
    if alias:
        assert locale.user_from_title(f"{alias}:Bob") == "Bob"
    contributions = f"{locale.special_namespace}:{locale.contributions_name}/Bob"
    assert locale.user_from_title(contributions) == "Bob"


@pytest.mark.parametrize(
    ("href", "title"),
    [
        ("/index.php/Utilisateur:Alice", "Utilisateur:Alice"),
        ("/index.php/Utilisateur:Alice#Projets", "Utilisateur:Alice"),
        ("/index.php?title=Utilisateur:Alice&action=edit&redlink=1", "Utilisateur:Alice"),
        ("/index.php/Sp%C3%A9cial:Contributions/Alice", "Spécial:Contributions/Alice"),
        ("http://127.0.0.1:8765/index.php/Utilisateur:Alice", "Utilisateur:Alice"),
        ("//127.0.0.1:8765/index.php/Utilisateur:Alice", "Utilisateur:Alice"),
        ("./Discussion_utilisateur:Alice", "Discussion_utilisateur:Alice"),
        ("./Utilisateur:Alice?action=edit&redlink=1", "Utilisateur:Alice"),
        ("https://fr.wikipedia.org/wiki/Utilisateur:Alice", None),
        ("#section", None),
        ("", None),
    ],
)
def test_links_of_both_renderers_are_read_as_titles(locales, href, title):
    assert locales["fr"].title_from_href(href) == title


def test_user_names_are_normalized_like_mediawiki_titles(locales):
    en = locales["en"]
    assert en.user_from_href("/index.php/User:big__bird_") == "Big bird"
    assert (
        en.user_from_href("/index.php/Special:Contributions/2001:db8::ff00:42:8329")
        == "2001:DB8::FF00:42:8329"
    )
    assert en.user_from_href("/index.php/Special:Contributions/192.0.2.7") == "192.0.2.7"


def test_messages_can_be_the_allmessages_answer_of_either_format_version():
    data = locale_data("pl")
    v1 = {
        "query": {
            "allmessages": [{"name": k, "*": v} for k, v in data["messages"].items()]
            + [{"name": "timezone-cet", "missing": ""}]
        }
    }
    locale = WikiLocale.from_api(
        {"query": data["siteinfo"]},
        v1,
        digits=data["digits"],
        timestamp_sample=TimestampSample.from_json(data["sample"]),
    )
    assert locale.calendar.months_short[10] == "lis"
    assert locale.date_format == "H:i, j M Y"


def test_a_date_format_can_be_given_instead_of_a_sample():
    data = locale_data("sr-ec")
    locale = WikiLocale.from_api(data["siteinfo"], data["messages"], date_format="H:i, d.m.Y")
    assert locale.matcher.search("10:04, 03.05.2025 (CEST)").when == utc(2025, 5, 3, 8, 4)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["siteinfo"].pop("general"), "general"),
        (lambda d: d["messages"].pop("may-gen"), "may-gen"),
        (lambda d: d["siteinfo"]["namespaces"].pop("3"), "User talk"),
        (lambda d: d.pop("sample"), "sample"),
        (lambda d: d.update(digits=["0", "1"]), "ten digits"),
        (
            lambda d: d.update(
                sample={"text": "no date here (UTC)", "taken_at": "2025-05-03T10:04:00Z"}
            ),
            "cannot read",
        ),
    ],
)
def test_missing_answers_are_named(change, message):
    data = locale_data("en")
    change(data)
    sample = TimestampSample.from_json(data["sample"]) if "sample" in data else None
    with pytest.raises(LocaleError, match=message):
        WikiLocale.from_api(
            data["siteinfo"], data["messages"], digits=data["digits"], timestamp_sample=sample
        )


def test_without_contributions_aliases_the_canonical_name_still_works_and_it_is_said():
    data = locale_data("en")
    data["siteinfo"]["specialpagealiases"] = []
    locale = WikiLocale.from_api(
        data["siteinfo"],
        data["messages"],
        timestamp_sample=TimestampSample.from_json(data["sample"]),
    )
    assert locale.user_from_title("Special:Contributions/Bob") == "Bob"
    assert any("Contributions" in p for p in locale.problems)


def test_the_messages_asked_for_include_the_local_zone_names():
    keys = message_keys("Europe/Warsaw")
    assert {"timezone-cet", "timezone-cest", "timezone-utc", "may-gen", "may_long", "may"} <= set(
        keys
    )
    assert len(keys) == len(set(keys))


def test_localized_zone_names_map_to_the_zone_abbreviations(locales):
    assert dict(locales["ar"].zone_names)["ت ع م"] == "UTC"
    assert dict(locales["fr"].zone_names)["CEST"] == "CEST"
    assert locales["ckb"].digits[3] == "٣"
