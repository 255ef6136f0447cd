"""Real servers for integration tests: MediaWiki wikis (any language) and Redis, each on a
free loopback port, started once per session and stopped at its end."""

from __future__ import annotations

import os

import pytest

from deploy.local.processes import free_port
from deploy.local.redis import LocalRedis
from deploy.local.wiki import BOT_NAME, LocalWiki, register_with_pywikibot


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def wiki_factory(tmp_path_factory):
    """``wiki_factory(lang="fr", timezone="Europe/Paris")``: a running wiki, one per settings."""
    started: dict[tuple, LocalWiki] = {}
    password_file = tmp_path_factory.mktemp("pwb") / "user-password.py"

    def make(lang: str = "en", timezone: str = "UTC", extra_settings: str = "") -> LocalWiki:
        key = (lang, timezone, extra_settings)
        if key not in started:
            wiki = LocalWiki(
                tmp_path_factory.mktemp(f"wiki-{lang}"),
                free_port(),
                lang=lang,
                timezone=timezone,
                extra_settings=extra_settings,
            )
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
    return config.replace(
        wiki_api_url=wiki.api_url, wiki_family=wiki.family, wiki_username=BOT_NAME
    )


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
