"""Date formats: learned from the wikis' own signatures, matched and parsed back to UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from talkparser_support import LANGS, locale_data, make_locale, utc

from bots.talkparser.dateformat import (
    DateFormatError,
    LocalZone,
    TimestampMatcher,
    format_date,
    infer_date_format,
    split_format,
    zone_abbreviations,
)
from bots.talkparser.locale import TimestampSample, WikiLocale

# The "both" format of each language's default date preference, from MediaWiki 1.39's
# languages/messages/Messages*.php: what the wiki writes after ~~~~.
MEDIAWIKI_FORMATS = {
    "fr": "j F Y à H:i",
    "pl": "H:i, j M Y",
    "ar": "H:i، j xg Y",
    "sr-ec": "H:i, j. F Y.",
    "ckb": "\u200fH:i، jی xg Y",
    "en": "H:i, j F Y",
}


def instants_around_dst() -> list[datetime]:
    """Every 20 minutes across the 2025 daylight saving changes in Europe and America."""
    out = []
    for start in (utc(2025, 3, 8), utc(2025, 3, 29), utc(2025, 10, 25), utc(2025, 11, 1)):
        out += [start + timedelta(minutes=20 * n) for n in range(3 * 48)]
    out += [utc(2001, 1, 1, 0, 0), utc(2024, 2, 29, 23, 59), utc(2030, 12, 31, 12, 7)]
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_the_format_learned_from_a_real_signature_writes_what_mediawiki_writes(lang):
    locale = make_locale(lang)
    mediawiki = MEDIAWIKI_FORMATS[lang]
    for when in instants_around_dst():
        local = when.astimezone(locale.matcher.zone.tz)
        assert format_date(
            locale.date_format, local, locale.calendar, locale.digits
        ) == format_date(mediawiki, local, locale.calendar, locale.digits)
    if lang != "ar":  # Arabic month names are the same in both cases: F and xg coincide
        assert locale.date_format == mediawiki


@pytest.mark.parametrize("lang", LANGS)
def test_every_rendered_timestamp_parses_back_to_its_instant(lang):
    locale = make_locale(lang)
    for when in instants_around_dst():
        text = f"Texte {locale.format_timestamp(when)} suite"
        found = locale.matcher.search(text)
        assert found is not None, text
        assert found.when == when
        assert found.warning is None
        assert text[found.start : found.end] == locale.format_timestamp(when)


def test_the_repeated_hour_when_daylight_saving_ends_is_told_apart_by_the_zone_name(locales):
    fr = locales["fr"]
    summer, winter = utc(2025, 10, 26, 0, 30), utc(2025, 10, 26, 1, 30)
    assert fr.format_timestamp(summer) == "26 octobre 2025 à 02:30 (CEST)"
    assert fr.format_timestamp(winter) == "26 octobre 2025 à 02:30 (CET)"
    assert fr.matcher.search(fr.format_timestamp(summer)).when == summer
    assert fr.matcher.search(fr.format_timestamp(winter)).when == winter


def test_a_zone_name_that_does_not_fit_the_date_is_read_in_local_time_with_a_warning(locales):
    found = locales["fr"].matcher.search("15 janvier 2025 à 10:00 (CEST)")
    assert found.when == utc(2025, 1, 15, 9, 0)  # CET, as DiscussionTools reads it
    assert "CEST" in found.warning


def test_a_signature_in_utc_on_a_wiki_in_another_zone_is_read_as_utc(locales):
    found = locales["pl"].matcher.search("10:00, 15 sty 2025 (UTC)")
    assert found.when == utc(2025, 1, 15, 10, 0)


def test_arabic_and_kurdish_digits_and_names_are_read(locales):
    ar = locales["ar"].matcher.search("قال ٠٣:٢٩، ٢٢ نوفمبر ٢٠٢٦ (+03)")
    assert ar.when == utc(2026, 11, 22, 0, 29)
    ckb = locales["ckb"].matcher.search("\u200f٠٣:٣٤، ٢٢ی تشرینی دووەمی ٢٠٢٦ (+03)")
    assert ckb.when == utc(2026, 11, 22, 0, 34)
    # The localized name of UTC on the Arabic wiki.
    assert locales["ar"].matcher.search("١٠:٠٠، ٢ مايو ٢٠٢٥ (ت ع م)").when == utc(2025, 5, 2, 10)


def test_copy_pasted_bidi_marks_do_not_hide_a_timestamp(locales):
    text = "19:34, 21\u200e November 2026\u200f (EST)"
    assert locales["en"].matcher.search(text).when == utc(2026, 11, 22, 0, 34)


def test_dates_that_do_not_exist_are_not_timestamps(locales):
    assert locales["en"].matcher.search("10:00, 31 February 2025 (EST)") is None
    assert locales["en"].matcher.search("10:00, 3 May 2025") is None  # no zone: not a signature


@pytest.mark.parametrize(
    ("sample", "taken_at", "expected", "signed_at"),
    [
        # Hour and day, or minute and day, are the same number: the layout decides.
        ("05:05, 5 May 2025 (UTC)", utc(2025, 5, 5, 5, 5), "H:i, j F Y", utc(2025, 5, 5, 5, 5)),
        # The weekday's name is also the literal after the month number.
        (
            "2025年5月12日 (月) 05:05 (UTC)",
            utc(2025, 5, 12, 5, 5),
            "Y年n月j日 (D) H:i",
            utc(2025, 5, 12, 5, 5),
        ),
        # Signed a minute before the API read its clock.
        (
            "10:59, 3 May 2025 (UTC)",
            utc(2025, 5, 3, 11, 0, 1),
            "H:i, j F Y",
            utc(2025, 5, 3, 10, 59),
        ),
        (
            "3.5.2025 kello 9.04 (UTC)",
            utc(2025, 5, 3, 9, 4),
            "j.n.Y \\k\\e\\l\\l\\o G.i",
            utc(2025, 5, 3, 9, 4),
        ),
    ],
)
def test_formats_are_learned_from_awkward_samples(sample, taken_at, expected, signed_at):
    names = make_locale("en").calendar
    if "月" in sample:
        names = type(names)(
            names.months,
            names.months_genitive,
            names.months_short,
            names.weekdays,
            ("日", "月", "火", "水", "木", "金", "土"),
        )
    zone = LocalZone("UTC", 0, {"UTC": "UTC"})
    fmt, _ = infer_date_format(sample, taken_at, zone, names, tuple("0123456789"))
    assert fmt == expected
    matcher = TimestampMatcher(fmt, names, tuple("0123456789"), zone)
    assert matcher.search(sample).when == signed_at


def test_an_ambiguous_sample_is_reported_in_the_locale():
    data = locale_data("en")
    # Day and month are both 5 and both numbers: nothing tells d.m from m.d.
    sample = TimestampSample("05.05.2025, 10:04 (UTC)", utc(2025, 5, 5, 10, 4))
    siteinfo = {
        **data["siteinfo"],
        "general": {**data["siteinfo"]["general"], "timezone": "UTC", "timeoffset": 0},
    }
    locale = WikiLocale.from_api(siteinfo, data["messages"], timestamp_sample=sample)
    assert locale.date_format in ("d.m.Y, H:i", "m.d.Y, H:i")
    assert any("more than one way" in p for p in locale.problems)


def test_a_sample_that_is_not_a_signature_timestamp_is_refused():
    names = make_locale("en").calendar
    zone = LocalZone("UTC", 0, {"UTC": "UTC"})
    with pytest.raises(DateFormatError, match="time zone"):
        infer_date_format("10:04, 3 May 2025", utc(2025, 5, 3, 10, 4), zone, names, "0123456789")
    with pytest.raises(DateFormatError, match="no year"):
        infer_date_format("3 May (UTC)", utc(2025, 5, 3, 10, 4), zone, names, "0123456789")


def test_format_codes_we_cannot_read_are_named():
    with pytest.raises(DateFormatError, match="'xij'"):
        split_format("xij xiF xiY")
    assert split_format('H:i "o\'clock" \\d') == [
        ("code", "H"),
        ("literal", ":"),
        ("code", "i"),
        ("literal", " "),
        ("literal", "o'clock"),
        ("literal", " "),
        ("literal", "d"),
    ]


def test_zone_abbreviations_come_from_the_time_zone_database():
    assert set(zone_abbreviations("Europe/Paris")) >= {"CET", "CEST"}
    assert "+03" in zone_abbreviations("Asia/Riyadh")
    assert zone_abbreviations("UTC") == ["UTC"]
    assert zone_abbreviations("Not/AZone") == ["Not/AZone"]


def test_a_zone_that_is_no_iana_name_uses_the_wiki_offset():
    zone = LocalZone("XYZ", 90, {"XYZ": "XYZ"})
    when, warning = zone.to_utc(datetime(2025, 1, 1, 12, 0), "XYZ")
    assert when == datetime(2025, 1, 1, 10, 30, tzinfo=UTC)
