import pytest

from services.analysis.language import base_code, detect_language


@pytest.mark.parametrize(
    "text, prior, language, method",
    [
        (
            "Je pense que cette définition est trop longue et devrait être simplifiée.",
            "en",
            "fr",
            "detector",
        ),
        (
            "I think the definition should mention collaboration more clearly.",
            "fr",
            "en",
            "detector",
        ),
        ("Uważam, że ta definicja jest zbyt długa i niejasna.", "en", "pl", "detector"),
        ("أعتقد أن هذا التعريف جيد ولكنه طويل جدا", "ar", "ar", "prior"),
        # Central Kurdish by its own letters, even on an Arabic page.
        ("ئەم پێناسەیە زۆر باشە بەڵام پێویستە کورتتر بێت", "ar", "ckb", "script"),
        # Serbian Cyrillic: langdetect has no Serbian and says Macedonian.
        ("Ја мислим да је ова дефиниција добра и јасна.", None, "sr", "detector"),
        ("Ја мислим да је ова дефиниција добра и јасна.", "sr-ec", "sr", "prior"),
        ("Ђорђе мисли да је ово добро.", "en", "sr", "script"),
        # Serbian Latin and Croatian cannot be told apart: the page decides.
        ("Mislim da je ova definicija dobra i jasna.", "sr-el", "sr", "prior"),
        ("리더십의 정의가 좋습니다", "en", "ko", "script"),
        ("リーダーシップの定義は良いと思います", "en", "ja", "script"),
        ("Ο ορισμός είναι πολύ καλός και σαφής.", "en", "el", "script"),
    ],
)
def test_detects_the_language(text, prior, language, method):
    found = detect_language(text, prior=prior)
    assert (found.language, found.method) == (language, method)
    assert 0 < found.confidence <= 1


@pytest.mark.parametrize(
    "text, prior, expected",
    [
        ("+1", "fr", ("fr", "prior")),
        ("ok merci", "fr", ("fr", "prior")),
        ("", None, ("und", "none")),
        ("https://example.org/a/very/long/link/that/is/not/language 1234", None, ("und", "none")),
    ],
)
def test_short_text_falls_back_to_the_page(text, prior, expected):
    found = detect_language(text, prior=prior)
    assert (found.language, found.method) == expected


def test_same_text_same_answer():
    text = "Das ist eine gute Definition, aber etwas lang."
    assert {detect_language(text).language for _ in range(5)} == {"de"}


@pytest.mark.parametrize(
    "code, base", [("sr-ec", "sr"), ("zh_TW", "zh"), ("EN", "en"), ("", "und"), (None, "und")]
)
def test_base_code(code, base):
    assert base_code(code) == base
