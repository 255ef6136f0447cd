"""Real servers for integration tests: MediaWiki wikis (any language) and Redis, each on a
free loopback port, started once per session and stopped at its end."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deploy.local.processes import free_port
from deploy.local.redis import LocalRedis
from deploy.local.wiki import BOT_NAME, LocalWiki


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


def register_with_pywikibot(wiki: LocalWiki, password_file: Path) -> None:
    """Let this process's pywikibot log in to ``wiki`` as the bot, without throttling."""
    import pywikibot

    _, password_line = wiki.pywikibot_files(BOT_NAME)
    with password_file.open("a") as fh:
        fh.write(password_line)
    password_file.chmod(0o600)
    cfg = pywikibot.config
    cfg.password_file = str(password_file)
    cfg.family_files[wiki.family] = wiki.api_url
    cfg.usernames[wiki.family][wiki.family] = BOT_NAME
    # A private test wiki: no throttle, no maxlag waits, fail fast.
    cfg.put_throttle = 0
    cfg.minthrottle = 0
    cfg.maxthrottle = 0
    cfg.max_retries = 2
    cfg.retry_wait = 1
    cfg.retry_max = 2
    cfg.noisysleep = 1000.0
    cfg.socket_timeout = (3, 30)


@pytest.fixture(scope="session")
def wiki_factory(tmp_path_factory):
    """``wiki_factory(lang="fr", timezone="Europe/Paris")``: a running wiki, one per settings."""
    started: dict[tuple, LocalWiki] = {}
    password_file = tmp_path_factory.mktemp("pwb") / "user-password.py"

    def make(lang: str = "en", timezone: str = "UTC", extra_settings: str = "") -> LocalWiki:
        key = (lang, timezone, extra_settings)
        if key not in started:
            wiki = LocalWiki(tmp_path_factory.mktemp(f"wiki-{lang}"), free_port(), lang=lang,
                             timezone=timezone, extra_settings=extra_settings)
            wiki.up()
            register_with_pywikibot(wiki, password_file)
            started[key] = wiki
        return started[key]

    yield make
    for wiki in started.values():
        wiki.down()


@pytest.fixture(scope="session")
def wiki(wiki_factory) -> LocalWiki:
    """The English test wiki (shared by the session: use page titles of your own)."""
    return wiki_factory()


@pytest.fixture
def wiki_config(config, wiki):
    """Convene's settings pointed at the English test wiki."""
    return config.replace(wiki_api_url=wiki.api_url, wiki_family=wiki.family,
                          wiki_username=BOT_NAME)


@pytest.fixture
def site(wiki_config):
    from bots.site import get_site

    return get_site(wiki_config, login=True)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = LocalRedis(tmp_path_factory.mktemp("redis"), free_port()).up()
    yield server
    server.down()


@pytest.fixture
def unique_title(request):
    """A page title no other test uses (the session's wiki is shared)."""
    name = request.node.name.replace("[", "_").replace("]", "").replace("/", "_")
    return f"Convene test/{name}/{os.getpid()}"
