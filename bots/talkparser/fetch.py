"""Read a wiki's locale (and rendered talk pages) through pywikibot, caching the locale per wiki.

Four small API requests describe a wiki: ``meta=siteinfo``, ``meta=allmessages`` in the
content language, the content language's digits (``{{formatnum:N|NOSEP}}``) and one
``~~~~~`` signature expansion with ``curtimestamp``. Their raw answers are cached as JSON
under ``cache_dir`` (one file per server and language); the locale is rebuilt from them.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bots.talkparser.locale import TimestampSample, WikiLocale, message_keys

SITEINFO_PROPS = "general|namespaces|namespacealiases|specialpagealiases"
DEFAULT_MAX_AGE = timedelta(days=1)
CACHE_VERSION = 1
# Any title in the main namespace does for a pre-save transform; nothing is saved.
_PST_TITLE = "Convene signature sample"
_DIGIT_SEPARATOR = "\u2063"  # invisible separator: not a digit in any language


def _request(site, **parameters) -> dict:
    from pywikibot.data import api

    parameters.setdefault("formatversion", 2)
    return api.Request(site=site, parameters=parameters).submit()


def fetch_locale_data(site) -> dict[str, Any]:
    """The raw answers ``WikiLocale.from_api`` needs, read from the live wiki."""
    siteinfo = _request(site, action="query", meta="siteinfo", siprop=SITEINFO_PROPS)["query"]
    general = siteinfo["general"]
    keys = message_keys(general.get("timezone") or "UTC")
    messages: dict[str, str] = {}
    for start in range(0, len(keys), 50):  # the API's limit of values per parameter
        answer = _request(
            site,
            action="query",
            meta="allmessages",
            amlang=general["lang"],
            ammessages="|".join(keys[start : start + 50]),
        )
        for entry in answer["query"]["allmessages"]:
            if not entry.get("missing"):
                messages[entry["name"]] = entry.get("content", entry.get("*", ""))
    digits_text = _request(
        site,
        action="expandtemplates",
        prop="wikitext",
        text=_DIGIT_SEPARATOR.join(f"{{{{formatnum:{d}|NOSEP}}}}" for d in range(10)),
    )["expandtemplates"]["wikitext"]
    pst = _request(
        site,
        action="parse",
        text="~~~~~",
        onlypst=1,
        contentmodel="wikitext",
        title=_PST_TITLE,
        curtimestamp=1,
    )
    text = pst["parse"]["text"]
    sample = TimestampSample(
        text if isinstance(text, str) else text["*"],
        datetime.fromisoformat(pst["curtimestamp"].replace("Z", "+00:00")),
    )
    return {
        "siteinfo": siteinfo,
        "messages": messages,
        "digits": digits_text.split(_DIGIT_SEPARATOR),
        "sample": sample.to_json(),
    }


def locale_from_data(data: dict[str, Any]) -> WikiLocale:
    """A locale from ``fetch_locale_data``'s answers (fresh or from the cache)."""
    return WikiLocale.from_api(
        data["siteinfo"],
        data["messages"],
        digits=data["digits"],
        timestamp_sample=TimestampSample.from_json(data["sample"]),
    )


def cache_file(cache_dir: Path, server: str, lang: str) -> Path:
    key = hashlib.sha256(f"{server}|{lang}".encode()).hexdigest()[:16]
    return cache_dir / f"wiki-locale-{key}.json"


def fetch_locale(
    site,
    cache_dir: Path | None = None,
    *,
    max_age: timedelta = DEFAULT_MAX_AGE,
    refresh: bool = False,
) -> WikiLocale:
    """The locale of ``site``'s wiki, from ``cache_dir`` when fresh, else read and cached."""
    path = cache_file(cache_dir, site.siteinfo["server"], site.lang) if cache_dir else None
    if path is not None and not refresh:
        cached = _read_cache(path, max_age)
        if cached is not None:
            return locale_from_data(cached)
    data = fetch_locale_data(site)
    locale = locale_from_data(data)  # only cache what we could use
    if path is not None:
        _write_cache(path, data)
    return locale


def _read_cache(path: Path, max_age: timedelta) -> dict | None:
    try:
        cached = json.loads(path.read_text())
        fetched = datetime.fromisoformat(cached["fetched_at"])
    except (OSError, ValueError, KeyError):
        return None
    if cached.get("version") != CACHE_VERSION or datetime.now(UTC) - fetched > max_age:
        return None
    return cached["data"]


def _write_cache(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(
        json.dumps(
            {
                "version": CACHE_VERSION,
                "fetched_at": datetime.now(UTC).isoformat(),
                "data": data,
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    tmp.replace(path)  # atomic: concurrent harvests never read half a file


def fetch_parsed_html(site, title: str) -> tuple[str, int]:
    """The legacy parser's HTML of ``title`` (``action=parse``) and the revision it shows."""
    answer = _request(
        site,
        action="parse",
        page=title,
        prop="text|revid",
        disableeditsection=1,
        disablelimitreport=1,
    )["parse"]
    text = answer["text"]
    return (text if isinstance(text, str) else text["*"]), int(answer["revid"])


def fetch_parsoid_html(site, title: str) -> str:
    """Parsoid's HTML of ``title`` from the REST API (``/rest.php/v1/page/<title>/html``)."""
    from pywikibot.comms import http

    path = f"{site.scriptpath()}/rest.php/v1/page/{quote(title.replace(' ', '_'), safe='')}/html"
    response = http.request(site, uri=path)
    response.raise_for_status()
    return response.text
