"""Messages: every key the templates and views use exists in English and is documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from services.feedback.models import HiddenReason, TriageStatus
from services.web.dashboard import i18n

WEB = Path(i18n.__file__).resolve().parent.parent
_LITERAL = re.compile(r"""msg\(\s*['"](convene-[a-z0-9-]+)['"]""")
# Keys built at run time from an enum or a fixed set, with the values they take.
_DYNAMIC = {
    "convene-status-": [s.value.replace("_", "-") for s in TriageStatus],
    "convene-comment-hidden-": [h.value for h in HiddenReason],
    "convene-role-": ["viewer", "triager", "admin"],
    "convene-consultation-status-": ["draft", "open", "closed", "reported"],
    "convene-anchor-method-": ["heading", "link", "quote", "similarity", "widget"],
    "convene-audit-action-": ["triage", "bulk-triage"],
    "convene-field-": ["status", "assignee", "themes", "note", "response", "duplicate-of"],
}


def _used_keys() -> set[str]:
    keys = set()
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("**/*.py")]:
        keys |= {
            k for k in _LITERAL.findall(path.read_text(encoding="utf-8")) if not k.endswith("-")
        }
    for prefix, values in _DYNAMIC.items():
        keys |= {prefix + v for v in values}
    return keys


def _catalogue(name: str) -> dict:
    data = json.loads((WEB / "i18n" / f"{name}.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("@")}


def test_every_used_key_is_in_english_and_documented():
    used = _used_keys()
    assert len(used) > 100
    en, qqq = _catalogue("en"), _catalogue("qqq")
    assert sorted(used - set(en)) == []
    assert set(en) == set(qqq), "every English message needs its qqq documentation"
    assert all(doc.strip() for doc in qqq.values())


def test_translations_use_known_keys_and_the_same_parameters():
    en = _catalogue("en")
    for path in (WEB / "i18n").glob("*.json"):
        if path.stem in ("en", "qqq"):
            continue
        for key, text in _catalogue(path.stem).items():
            assert key in en, f"{path.name}: unknown key {key}"
            assert set(re.findall(r"\$\d", text)) <= set(re.findall(r"\$\d", en[key])), key


@pytest.mark.parametrize(
    "key, params, expected",
    [
        ("convene-home-comments", (1,), "1 comment"),
        ("convene-home-comments", (3,), "3 comments"),
        ("convene-home-comments", (0,), "0 comments"),
        ("convene-signed-in-as", ("Tom", "triager"), "Tom (triager)"),
        ("convene-no-such-key", (), "⧼convene-no-such-key⧽"),
    ],
)
def test_message(key, params, expected):
    assert i18n.message("en", key, *params) == expected


def test_fallback_to_english_and_language_choice(monkeypatch):
    assert i18n.message("ar", "convene-nav-queue") == "قائمة الملاحظات"
    # A message a catalogue lacks is English, with English plural rules.
    monkeypatch.delitem(i18n.catalogue("ar"), "convene-home-comments")
    assert i18n.message("ar", "convene-home-comments", 2) == "2 comments"
    assert i18n.choose_language("ar", []) == "ar"
    assert i18n.choose_language(None, ["ar-EG", "en"]) == "ar"
    assert i18n.choose_language("../../etc/passwd", []) == "en"
    assert i18n.catalogue("../en") == {}


@pytest.mark.parametrize(
    "code, direction",
    [
        ("ar", "rtl"),
        ("he", "rtl"),
        ("ckb", "rtl"),
        ("fa", "rtl"),
        ("ur", "rtl"),
        ("en", "ltr"),
        ("sr-ec", "ltr"),
        ("kk-arab", "rtl"),
        ("kk", "ltr"),
        ("und", "auto"),
        ("", "auto"),
        (None, "auto"),
    ],
)
def test_direction(code, direction):
    assert i18n.direction(code) == direction


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_complete_catalogues(language):
    assert set(_catalogue(language)) == set(_catalogue("en"))


def test_french_counts_zero_and_one_in_the_singular():
    assert [i18n.message("fr", "convene-queue-count", n) for n in (0, 1, 2)] == [
        "0 commentaire correspond",
        "1 commentaire correspond",
        "2 commentaires correspondent",
    ]


@pytest.mark.parametrize(
    "n, expected",
    [
        (0, "لا يطابق أي تعليق"),
        (1, "يطابق تعليق واحد"),
        (2, "يطابق تعليقان"),
        (3, "يطابق 3 تعليقات"),
        (10, "يطابق 10 تعليقات"),
        (11, "يطابق 11 تعليقًا"),
        (99, "يطابق 99 تعليقًا"),
        (100, "يطابق 100 تعليق"),
        (102, "يطابق 102 تعليق"),
        (103, "يطابق 103 تعليقات"),
    ],
)
def test_arabic_plurals_follow_its_six_cldr_forms(n, expected):
    assert i18n.message("ar", "convene-queue-count", n) == expected


def test_a_message_with_fewer_forms_than_the_language_has_uses_its_last_for_the_rest(monkeypatch):
    # Forms are given in CLDR's order (Arabic's first is "zero"), as on MediaWiki.
    monkeypatch.setitem(i18n.catalogue("ar"), "convene-home-comments", "{{PLURAL:$1|A|B}}")
    assert [i18n.message("ar", "convene-home-comments", n) for n in (0, 1, 2, 5)] == [
        "A",
        "B",
        "B",
        "B",
    ]
