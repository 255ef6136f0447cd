"""Fixtures of the talk page parser tests: real wikis' locales, HTML writers."""

from __future__ import annotations

import pytest
from talkparser_support import LANGS, TalkHtml, make_locale

from bots.talkparser.locale import WikiLocale


@pytest.fixture(scope="session")
def locales() -> dict[str, WikiLocale]:
    return {lang: make_locale(lang) for lang in LANGS}


@pytest.fixture
def en(locales) -> WikiLocale:
    return locales["en"]


@pytest.fixture
def talk(en) -> TalkHtml:
    return TalkHtml(en)
