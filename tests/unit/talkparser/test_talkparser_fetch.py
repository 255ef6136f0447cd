"""Reading a wiki's locale: the requests made, and the per-wiki cache (a fake API here; the
integration tests read real wikis)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from talkparser_support import locale_data

from bots.talkparser import fetch


class FakeSite:
    def __init__(self, server="http://127.0.0.1:8765", lang="pl"):
        self.siteinfo = {"server": server}
        self.lang = lang


@pytest.fixture
def api(monkeypatch):
    """Answers the four requests from the Polish wiki's recorded data; counts them."""
    data = locale_data("pl")
    calls: list[dict] = []

    def request(site, **params):
        calls.append(params)
        if params.get("meta") == "siteinfo":
            return {"query": data["siteinfo"]}
        if params.get("meta") == "allmessages":
            assert params["amlang"] == "pl"
            names = params["ammessages"].split("|")
            return {
                "query": {
                    "allmessages": [
                        {"name": n, "content": data["messages"][n]}
                        if n in data["messages"]
                        else {"name": n, "missing": True}
                        for n in names
                    ]
                }
            }
        if params.get("action") == "expandtemplates":
            assert params["text"].count("{{formatnum:") == 10
            return {"expandtemplates": {"wikitext": fetch._DIGIT_SEPARATOR.join(data["digits"])}}
        if params.get("action") == "parse":
            assert params["text"] == "~~~~~" and params["onlypst"]
            return {
                "curtimestamp": data["sample"]["taken_at"].replace("+00:00", "Z"),
                "parse": {"text": data["sample"]["text"]},
            }
        raise AssertionError(f"unexpected request {params}")

    monkeypatch.setattr(fetch, "_request", request)
    return calls


def test_the_locale_is_read_from_four_kinds_of_answers(api):
    data = fetch.fetch_locale_data(FakeSite())
    locale = fetch.locale_from_data(data)
    assert locale.date_format == "H:i, j M Y"
    assert locale.user_from_title("Użytkowniczka:Ola") == "Ola"
    asked = [
        m
        for call in api
        if call.get("meta") == "allmessages"
        for m in call["ammessages"].split("|")
    ]
    assert {"timezone-cet", "timezone-cest", "nov", "november", "november-gen"} <= set(asked)
    assert "timezone-cet" not in data["messages"]  # missing messages are left out


def test_the_locale_is_cached_per_wiki(api, tmp_path):
    site = FakeSite()
    first = fetch.fetch_locale(site, tmp_path)
    made = len(api)
    assert made >= 4
    again = fetch.fetch_locale(site, tmp_path)
    assert len(api) == made and again == first
    # Another wiki (another server) has its own entry.
    fetch.fetch_locale(FakeSite(server="https://pl.example.org"), tmp_path)
    assert len(api) == 2 * made
    assert len(list(tmp_path.glob("wiki-locale-*.json"))) == 2


def test_a_stale_refreshed_or_damaged_cache_is_read_again(api, tmp_path):
    site = FakeSite()
    fetch.fetch_locale(site, tmp_path)
    made = len(api)
    fetch.fetch_locale(site, tmp_path, max_age=timedelta(0))
    assert len(api) == 2 * made
    fetch.fetch_locale(site, tmp_path, refresh=True)
    assert len(api) == 3 * made
    path = fetch.cache_file(tmp_path, site.siteinfo["server"], site.lang)
    path.write_text("{not json")
    fetch.fetch_locale(site, tmp_path)
    assert len(api) == 4 * made
    assert '"version": 1' in path.read_text()


def test_without_a_cache_directory_every_call_asks_the_wiki(api):
    fetch.fetch_locale(FakeSite())
    fetch.fetch_locale(FakeSite())
    assert sum(1 for call in api if call.get("action") == "parse") == 2
