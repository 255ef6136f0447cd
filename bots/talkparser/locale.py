"""What a wiki's signatures look like, built only from what the wiki itself says.

``WikiLocale.from_api`` is pure: it takes the answers of ``meta=siteinfo`` and
``meta=allmessages`` (plus the content language's digits and one ``~~~~~`` sample, both of
which ``fetch.py`` asks the wiki for) and knows nothing about any particular language.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from bots.talkparser.dateformat import (
    CalendarNames,
    DateFormatError,
    LocalZone,
    TimestampMatcher,
    infer_date_format,
    zone_abbreviations,
)

MONTH_KEYS = (
    "january",
    "february",
    "march",
    "april",
    "may_long",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
GENITIVE_KEYS = tuple(("may" if k == "may_long" else k) + "-gen" for k in MONTH_KEYS)
SHORT_MONTH_KEYS = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)
WEEKDAY_KEYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
SHORT_WEEKDAY_KEYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
SIGNATURE_KEYS = ("signature", "signature-anon", "talkpagelinktext", "timezone-utc")

NS_SPECIAL, NS_USER, NS_USER_TALK = -1, 2, 3
ASCII_DIGITS = tuple("0123456789")


class LocaleError(ValueError):
    """The wiki's answers lack something the parser needs; the message names it."""


@dataclass(frozen=True)
class TimestampSample:
    """The wiki's expansion of ``~~~~~`` and the instant (UTC) the API reported with it."""

    text: str
    taken_at: datetime

    def to_json(self) -> dict:
        return {"text": self.text, "taken_at": self.taken_at.isoformat()}

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> TimestampSample:
        return cls(data["text"], _parse_iso(data["taken_at"]))


def message_keys(zone_name: str) -> list[str]:
    """The messages ``from_api`` reads, for a wiki whose local time zone is ``zone_name``."""
    zone_keys = ["timezone-" + a.lower() for a in zone_abbreviations(zone_name)]
    return [
        *MONTH_KEYS,
        *GENITIVE_KEYS,
        *SHORT_MONTH_KEYS,
        *WEEKDAY_KEYS,
        *SHORT_WEEKDAY_KEYS,
        *SIGNATURE_KEYS,
        *dict.fromkeys(k for k in zone_keys if k not in SIGNATURE_KEYS),
    ]


def normalize_name(name: str) -> str:
    """Namespace and special page names compare without case, and ``_`` is a space."""
    return " ".join(name.replace("_", " ").split()).casefold()


def _normalize_text(text: str) -> str:
    return " ".join(text.replace("_", " ").split())


@dataclass(frozen=True)
class WikiLocale:
    """One wiki's namespaces, special page names, date format, digits and time zone."""

    server: str
    lang: str
    rtl: bool
    article_path: str
    script: str
    timezone: str
    timeoffset: int
    date_format: str
    calendar: CalendarNames
    digits: tuple[str, ...]
    # Zone name as signatures show it ("CEST", "ت ع م", "+03") → abbreviation ("CEST", "UTC").
    zone_names: tuple[tuple[str, str], ...]
    # Normalized namespace name or alias → namespace id, for Special, User and User talk.
    namespace_names: tuple[tuple[str, int], ...]
    capitalized_namespaces: frozenset[int]
    contributions_names: frozenset[str]
    user_namespace: str
    user_talk_namespace: str
    special_namespace: str
    contributions_name: str
    talk_link_text: str
    problems: tuple[str, ...] = field(default=())

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_api(
        cls,
        siteinfo: Mapping[str, Any],
        messages: Mapping[str, Any] | Iterable,
        *,
        digits: Iterable[str] | None = None,
        timestamp_sample: TimestampSample | None = None,
        date_format: str | None = None,
    ) -> WikiLocale:
        """Build a locale from ``meta=siteinfo`` (general, namespaces, namespacealiases,
        specialpagealiases) and ``meta=allmessages`` answers.

        The date format is ``date_format`` if given (e.g. from DiscussionTools' data), else
        learned from ``timestamp_sample``. ``digits`` are the content language's digits 0-9
        (``{{formatnum:N|NOSEP}}``); ASCII digits when not given.
        """
        info = siteinfo.get("query", siteinfo)
        general = info.get("general")
        if not general:
            raise LocaleError(
                "siteinfo has no 'general' part: ask for siprop=general|namespaces"
                "|namespacealiases|specialpagealiases"
            )
        msgs = _messages_dict(messages)
        problems: list[str] = []

        def msg(key: str) -> str:
            if key not in msgs:
                raise LocaleError(f"message {key!r} is missing from the allmessages answer")
            return msgs[key]

        calendar = CalendarNames(
            months=tuple(msg(k) for k in MONTH_KEYS),
            months_genitive=tuple(msg(k) for k in GENITIVE_KEYS),
            months_short=tuple(msg(k) for k in SHORT_MONTH_KEYS),
            weekdays=tuple(msg(k) for k in WEEKDAY_KEYS),
            weekdays_short=tuple(msg(k) for k in SHORT_WEEKDAY_KEYS),
        )
        digit_list = tuple(digits) if digits is not None else ASCII_DIGITS
        if len(digit_list) != 10 or not all(digit_list):
            raise LocaleError(
                f"expected the ten digits 0-9 of the content language, got {digit_list!r}"
            )

        zone_name = str(general.get("timezone") or "UTC")
        offset = int(general.get("timeoffset") or 0)
        zone_names: dict[str, str] = {}
        for abbr in zone_abbreviations(zone_name):
            zone_names.setdefault(
                msgs.get("timezone-" + abbr.lower()) or abbr.upper(), abbr.upper()
            )
        zone_names.setdefault(msgs.get("timezone-utc") or "UTC", "UTC")
        zone = LocalZone(zone_name, offset, zone_names)

        if date_format is None:
            if timestamp_sample is None:
                raise LocaleError(
                    "cannot tell the wiki's date format: give a ~~~~~ sample "
                    "(fetch.py takes one with action=parse&onlypst=1) or the "
                    "date format itself"
                )
            try:
                date_format, doubts = infer_date_format(
                    timestamp_sample.text, timestamp_sample.taken_at, zone, calendar, digit_list
                )
            except DateFormatError as exc:
                raise LocaleError(f"wiki {general.get('server', '?')}: {exc}") from exc
            problems.extend(doubts)

        namespaces = info.get("namespaces") or {}
        names: dict[str, int] = {}
        capitalized = set()
        local_ns: dict[int, str] = {}
        for key, ns in namespaces.items():
            ns_id = int(ns.get("id", key))
            if ns_id not in (NS_SPECIAL, NS_USER, NS_USER_TALK):
                continue
            local = ns.get("name", ns.get("*", ""))
            local_ns[ns_id] = local
            for name in (local, ns.get("canonical", "")):
                if name:
                    names[normalize_name(name)] = ns_id
            if ns.get("case", general.get("case")) == "first-letter":
                capitalized.add(ns_id)
        for alias in info.get("namespacealiases") or []:
            ns_id = int(alias["id"])
            if ns_id in (NS_SPECIAL, NS_USER, NS_USER_TALK):
                names[normalize_name(alias.get("alias", alias.get("*", "")))] = ns_id
        for ns_id, what in (
            (NS_USER, "User"),
            (NS_USER_TALK, "User talk"),
            (NS_SPECIAL, "Special"),
        ):
            if ns_id not in local_ns:
                raise LocaleError(
                    f"siteinfo has no {what} namespace (id {ns_id}): ask for siprop=namespaces"
                )

        contributions: list[str] = []
        for entry in info.get("specialpagealiases") or []:
            if entry.get("realname") == "Contributions":
                contributions = list(entry.get("aliases") or [])
        if not contributions:
            problems.append(
                "siteinfo lists no aliases for Special:Contributions (ask for "
                "siprop=specialpagealiases); only 'Contributions' is recognised"
            )
            contributions = ["Contributions"]

        locale = cls(
            server=str(general.get("server", "")),
            lang=str(general.get("lang", "")),
            rtl=bool(general.get("rtl", False)),
            article_path=str(general.get("articlepath") or "/index.php/$1"),
            script=str(general.get("script") or "/index.php"),
            timezone=zone_name,
            timeoffset=offset,
            date_format=date_format,
            calendar=calendar,
            digits=digit_list,
            zone_names=tuple(zone_names.items()),
            namespace_names=tuple(sorted(names.items())),
            capitalized_namespaces=frozenset(capitalized),
            contributions_names=frozenset(normalize_name(c) for c in contributions),
            user_namespace=local_ns[NS_USER],
            user_talk_namespace=local_ns[NS_USER_TALK],
            special_namespace=local_ns[NS_SPECIAL],
            contributions_name=contributions[0],
            talk_link_text=msgs.get("talkpagelinktext", ""),
            problems=tuple(problems),
        )
        try:
            locale.matcher  # noqa: B018 - fail here, naming the wiki, not in the first parse
        except DateFormatError as exc:
            raise LocaleError(f"wiki {locale.server}: {exc}") from exc
        return locale

    # -- derived --------------------------------------------------------------------------

    @cached_property
    def matcher(self) -> TimestampMatcher:
        zone = LocalZone(self.timezone, self.timeoffset, dict(self.zone_names))
        return TimestampMatcher(self.date_format, self.calendar, self.digits, zone)

    @cached_property
    def _namespace_ids(self) -> dict[str, int]:
        return dict(self.namespace_names)

    @cached_property
    def _server_netloc(self) -> str:
        return urlsplit(self.server if "//" in self.server else "//" + self.server).netloc

    def format_timestamp(self, when: datetime) -> str:
        """``when`` the way this wiki's signatures show it, e.g. ``12:04, 5 May 2025 (UTC)``."""
        return self.matcher.render(when, self.calendar, self.digits)

    def page_href(self, title: str) -> str:
        """The legacy parser's link to ``title`` (article path, URL-encoded like MediaWiki)."""
        from urllib.parse import quote

        return self.article_path.replace("$1", quote(title.replace(" ", "_"), safe=":/()!,;@$*'"))

    # -- links ----------------------------------------------------------------------------

    def title_from_href(self, href: str) -> str | None:
        """The page title an ``<a href>`` of either renderer points to on this wiki, or None."""
        if not href:
            return None
        if href.startswith("./"):  # Parsoid: relative to the article path
            path = href[2:].split("#", 1)[0].split("?", 1)[0]
            return unquote(path)
        parts = urlsplit(href)
        if parts.netloc and parts.netloc != self._server_netloc:
            return None
        if parts.query:
            title = parse_qs(parts.query).get("title")
            if title:
                return title[0]
        prefix, _, suffix = self.article_path.partition("$1")
        path = parts.path
        if (
            prefix
            and path.startswith(prefix)
            and path.endswith(suffix)
            and len(path) > len(prefix) + len(suffix)
        ):
            return unquote(path[len(prefix) : len(path) - len(suffix)])
        return None

    def user_from_title(self, title: str) -> str | None:
        """The user a title belongs to: User:X, User talk:X or Special:Contributions/X."""
        ns_text, sep, rest = title.split("#", 1)[0].partition(":")
        if not sep:
            return None
        ns_id = self._namespace_ids.get(normalize_name(ns_text))
        if ns_id in (NS_USER, NS_USER_TALK):
            name = _normalize_text(rest)
            if not name or "/" in name:
                return None
            return self._user_name(name, ns_id)
        if ns_id == NS_SPECIAL:
            page, sep, user = rest.partition("/")
            if not sep or "/" in user or normalize_name(page) not in self.contributions_names:
                return None
            name = _normalize_text(user)
            return self._user_name(name, NS_USER) if name else None
        return None

    def _user_name(self, name: str, ns_id: int) -> str:
        try:
            if ipaddress.ip_address(name).version == 6:
                return name.upper()
        except ValueError:
            pass
        if ns_id in self.capitalized_namespaces:
            return name[:1].upper() + name[1:]
        return name

    def user_from_href(self, href: str) -> str | None:
        title = self.title_from_href(href)
        return self.user_from_title(title) if title else None


def _messages_dict(messages: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """``{name: text}`` from either a plain mapping or the ``allmessages`` list (fv 1 or 2)."""
    entries: Iterable[Mapping[str, Any]]
    if isinstance(messages, Mapping):
        if "query" in messages or "allmessages" in messages:
            entries = messages.get("query", messages)["allmessages"]
        else:
            return {k: v for k, v in messages.items() if isinstance(v, str)}
    else:
        entries = messages
    out: dict[str, str] = {}
    for entry in entries:
        if entry.get("missing") is not None and entry.get("missing") is not False:
            continue
        text = entry.get("content", entry.get("*"))
        if isinstance(text, str):
            out[entry["name"]] = text
    return out


def _parse_iso(text: str) -> datetime:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)
