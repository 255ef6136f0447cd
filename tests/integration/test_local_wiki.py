"""The local wiki the stack and the tests run on: reachable through pywikibot, writable by
the bot and by ordinary users, stoppable without leftovers."""

import pywikibot

from deploy.local import processes
from deploy.local.processes import free_port
from deploy.local.wiki import LocalWiki


def test_bot_logs_in_and_edits(site, unique_title):
    assert site.logged_in() and site.has_right("bot")
    page = pywikibot.Page(site, unique_title)
    page.text = "Hello from the bot"
    page.save(summary="test")
    assert pywikibot.Page(site, unique_title).get(force=True) == "Hello from the bot"


def test_ordinary_user_signs_with_tildes(wiki, site, unique_title):
    talk = f"Talk:{unique_title}"
    [revid] = wiki.edit_as("Alice", [{"title": talk, "append": "== Q ==\nA question. ~~~~"}])
    page = pywikibot.Page(site, talk)
    assert page.latest_revision_id == revid
    assert "[[User:Alice|Alice]]" in page.get(force=True)
    assert page.latest_revision.user == "Alice"


def test_up_is_idempotent_and_down_frees_the_port(tmp_path):
    wiki = LocalWiki(tmp_path / "w", free_port()).up()
    pid = processes.read_pid(wiki.pidfile)
    assert wiki.up() is wiki and processes.read_pid(wiki.pidfile) == pid
    assert wiki.down()
    assert not processes.port_in_use(wiki.port)
    assert not wiki.is_up()
