"""Extra settings of the local wiki change without a reinstall: its pages survive."""

import json
import urllib.request

from deploy.local.processes import free_port
from deploy.local.wiki import LocalWiki


def siteinfo(wiki: LocalWiki) -> dict:
    url = f"{wiki.api_url}?action=query&meta=siteinfo&format=json&formatversion=2"
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.load(resp)["query"]["general"]


def test_changed_extra_settings_apply_to_the_running_wiki_without_reinstall(tmp_path):
    root, port = tmp_path / "w", free_port()
    wiki = LocalWiki(root, port, extra_settings="$wgSitename = 'Before';").up()
    try:
        assert siteinfo(wiki)["sitename"] == "Before"
        [revid] = wiki.edit_as("Alice", [{"title": "Kept page", "text": "still here"}])
        pid = wiki.pidfile.read_text()

        changed = LocalWiki(root, port, extra_settings="$wgSitename = 'After';").up()
        assert siteinfo(changed)["sitename"] == "After"
        assert changed.pidfile.read_text() == pid  # same server, no restart
        assert changed.is_installed()
        url = (
            f"{changed.api_url}?action=query&prop=revisions&titles=Kept_page&format=json"
            f"&formatversion=2"
        )
        with urllib.request.urlopen(url, timeout=10) as resp:
            page = json.load(resp)["query"]["pages"][0]
        assert page["revisions"][0]["revid"] == revid
    finally:
        wiki.down()
