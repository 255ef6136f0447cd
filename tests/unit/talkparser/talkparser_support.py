"""Test support: real wikis' locales and a writer of talk page HTML in their style.

``fixtures/locale-<lang>.json`` are ``fetch_locale_data`` answers from MediaWiki 1.39
installed with ``--lang=<lang>`` (fr, pl, ar, sr-ec, ckb, en). ``TalkHtml`` writes what the
legacy parser (or Parsoid) renders for headings, signatures and indented replies there.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from bots.talkparser.locale import TimestampSample, WikiLocale

FIXTURES = Path(__file__).parent / "fixtures"
LANGS = ("fr", "pl", "ar", "sr-ec", "ckb", "en")


def locale_data(lang: str) -> dict:
    return json.loads((FIXTURES / f"locale-{lang}.json").read_text())


def make_locale(lang: str) -> WikiLocale:
    data = locale_data(lang)
    return WikiLocale.from_api(
        data["siteinfo"],
        data["messages"],
        digits=data["digits"],
        timestamp_sample=TimestampSample.from_json(data["sample"]),
    )


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


class TalkHtml:
    """Writes talk page HTML the way one wiki renders it (legacy parser by default)."""

    def __init__(self, locale: WikiLocale, parsoid: bool = False) -> None:
        self.locale = locale
        self.parsoid = parsoid

    def link(self, title: str, text: str) -> str:
        if self.parsoid:
            href = "./" + title.replace(" ", "_")
            return f'<a rel="mw:WikiLink" href="{escape(href)}" title="{escape(title)}">{text}</a>'
        return (
            f'<a href="{escape(self.locale.page_href(title))}" title="{escape(title)}">{text}</a>'
        )

    def user_link(self, user: str, text: str | None = None) -> str:
        return self.link(f"{self.locale.user_namespace}:{user}", escape(text or user))

    def talk_link(self, user: str, text: str | None = None) -> str:
        return self.link(
            f"{self.locale.user_talk_namespace}:{user}", escape(text or self.locale.talk_link_text)
        )

    def contributions_link(self, user: str, page: str | None = None) -> str:
        page = page or self.locale.contributions_name
        return self.link(f"{self.locale.special_namespace}:{page}/{user}", escape(user))

    def stamp(self, when: datetime) -> str:
        return escape(self.locale.format_timestamp(when))

    def sig(self, user: str, when: datetime) -> str:
        """What ``~~~~`` turns into with the default signature."""
        return f"{self.user_link(user)} ({self.talk_link(user)}) {self.stamp(when)}"

    def heading(self, text: str, level: int = 2, anchor: str | None = None) -> str:
        anchor = anchor or text.replace(" ", "_")
        if self.parsoid:
            return f'<h{level} id="{escape(anchor)}">{escape(text)}</h{level}>\n'
        return (
            f'<h{level}><span class="mw-headline" id="{escape(anchor)}">{escape(text)}</span>'
            f'<span class="mw-editsection"><span class="mw-editsection-bracket">[</span>'
            f'<a href="/index.php?title=Talk:X&amp;action=edit&amp;section=1">edit</a>'
            f'<span class="mw-editsection-bracket">]</span></span></h{level}>\n'
        )

    def page(self, *parts: str) -> str:
        if self.parsoid:
            return (
                '<!DOCTYPE html><html><head><meta charset="utf-8"/></head><body '
                'class="mw-content-ltr parsoid-body mediawiki mw-parser-output">'
                + "".join(parts)
                + "</body></html>"
            )
        return '<div class="mw-parser-output">' + "".join(parts) + "</div>"
