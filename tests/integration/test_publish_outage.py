"""A wiki that goes down, is read-only or is not there: a clear message, and the next run
finishes the job without editing any page twice. Runs on a wiki of its own (it is stopped)."""

from __future__ import annotations

import time

import pytest
from publish_support import history, make_document, wiki_page
from sqlalchemy import select

from bots.publish import WikiUnavailable, connect, publish_revision, read_only_reason
from bots.publish_plan import Action
from bots.publish_state import PublishedPage
from bots.site import get_site
from deploy.local.processes import free_port
from deploy.local.wiki import BOT_NAME

LANGUAGES = {"fr": {0: "Objectif"}, "de": {0: "Zweck"}, "es": {0: "Propósito"}}


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the wiki did not take the new settings"
        time.sleep(0.2)


@pytest.fixture
def own_wiki(wiki_factory):
    # Its own settings make it a wiki of its own, so stopping it stops no other test.
    wiki = wiki_factory(extra_settings="// Convene publish outage tests")
    yield wiki
    wiki.up()  # whatever a test did, leave it serving


@pytest.fixture
def own_config(config, own_wiki):
    return config.replace(
        wiki_api_url=own_wiki.api_url, wiki_family=own_wiki.family, wiki_username=BOT_NAME
    )


@pytest.fixture
def own_site(own_config):
    return get_site(own_config, login=True)


def test_wiki_down_midway_then_a_second_run_finishes_without_editing_twice(
    own_wiki, own_config, own_site, db, unique_title
):
    title = unique_title.replace("_", " ")
    revision_id = make_document(db, title, translations=LANGUAGES)

    def stop_after_first_page(outcome):
        if outcome.action is Action.CREATE and outcome.title == title:
            own_wiki.down()

    started = time.monotonic()
    with pytest.raises(WikiUnavailable) as failure:
        publish_revision(own_config, db, revision_id, site=own_site, progress=stop_after_first_page)
    message = str(failure.value)
    assert own_wiki.api_url in message and "did not answer" in message
    assert "1 pages of" in message and "run the same command again" in message
    # pywikibot retried with growing waits (retry_wait=1 s, then 2 s) before giving up.
    assert time.monotonic() - started >= 3
    with db.session() as session:
        assert [r.title for r in session.scalars(select(PublishedPage))] == [title]

    own_wiki.up()
    result = publish_revision(own_config, db, revision_id, site=own_site)
    actions = {p.title: p.action for p in result.pages}
    assert actions[title] is Action.UNCHANGED
    assert sorted(a.value for t, a in actions.items() if t != title) == ["create"] * 4
    for page in result.pages:
        assert [r.user for r in history(own_site, page.title)] == [BOT_NAME]


def test_read_only_wiki_gives_its_reason_and_a_later_run_publishes(
    own_wiki, own_config, own_site, db, unique_title
):
    title = unique_title.replace("_", " ")
    revision_id = make_document(db, title)
    settings = own_wiki.settings_file.read_text()
    own_wiki.settings_file.write_text(settings + '\n$wgReadOnly = "Database upgrade, back soon";\n')
    try:
        # PHP's opcache may serve the old settings for a moment.
        wait_for(lambda: read_only_reason(own_site) is not None)
        with pytest.raises(WikiUnavailable) as failure:
            publish_revision(own_config, db, revision_id, site=own_site)
    finally:
        own_wiki.settings_file.write_text(settings)
    wait_for(lambda: read_only_reason(own_site) is None)
    assert "read-only (Database upgrade, back soon)" in str(failure.value)
    assert not wiki_page(own_site, title).exists()

    result = publish_revision(own_config, db, revision_id, site=own_site)
    assert {p.action for p in result.pages} == {Action.CREATE}
    assert wiki_page(own_site, title).exists()


def test_a_wiki_that_is_not_there_is_named_in_the_error(config):
    port = free_port()
    missing = config.replace(
        wiki_api_url=f"http://127.0.0.1:{port}/api.php",
        wiki_family=f"absent{port}",
        wiki_username=BOT_NAME,
    )
    with pytest.raises(WikiUnavailable) as failure:
        connect(missing)
    assert f"127.0.0.1:{port}/api.php" in str(failure.value)
    assert "nothing was published" in str(failure.value)
