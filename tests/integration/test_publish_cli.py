"""The two ways in: `convene publish` / `convene import` on the command line, and the Celery
task `publish(revision_id)`, against the real local wiki."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from publish_support import make_document, wiki_page
from sqlalchemy import select

from bots.publish_state import Drift, PublishedPage
from services.cli import main
from services.documents.models import Document
from services.web import create_app
from services.worker.tasks.publish import publish as publish_task


@pytest.fixture
def title(unique_title) -> str:
    return unique_title.replace("_", " ")


@pytest.fixture
def convene(wiki_config):
    """Run ``convene ARGS`` with the test's settings; returns the click result."""
    env = {
        "CONVENE_STATE_DIR": str(wiki_config.state_dir),
        "CONVENE_DATABASE_URL": wiki_config.sqlalchemy_url,
        "CONVENE_WIKI_API_URL": wiki_config.wiki_api_url,
        "CONVENE_WIKI_FAMILY": wiki_config.wiki_family,
        "CONVENE_WIKI_USERNAME": wiki_config.wiki_username,
        "CONVENE_SECRET_KEY": "test-secret",
        "CONVENE_CONFIG_FILE": "/nonexistent/convene.toml",
    }

    def run(*args: str):
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return run


def slug_of(db, title: str) -> str:
    with db.session() as session:
        return session.scalars(select(Document.slug).where(Document.wiki_title == title)).one()


def test_publish_command_shows_the_plan_then_publishes_and_reports_drift(
    wiki, db, site, title, convene
):
    make_document(db, title)
    slug = slug_of(db, title)

    plan = convene("publish", slug, "--dry-run")
    assert plan.exit_code == 0, plan.output
    assert "dry run: nothing is written" in plan.output
    assert f"+ create    {title}  (new page)" in plan.output
    assert '      +<div class="convene-header"' in plan.output  # the diff of the new page
    assert "would publish 2 pages: 2 create" in plan.output
    assert not wiki_page(site, title).exists()

    run = convene("publish", slug)
    assert run.exit_code == 0, run.output
    assert "published 2 pages: 2 create" in run.output
    assert f"page: {wiki.base_url}/index.php/{title.replace(' ', '_')}" in run.output
    assert "changelog: " in run.output and "/Changelog" in run.output

    wiki.edit_as("Alice", [{"title": title, "append": "Alice's addition."}])
    again = convene("publish", slug, "--dry-run")
    assert f"! drifted   {title}" in again.output and "+Alice's addition." in again.output
    drifted = convene("publish", slug)
    assert drifted.exit_code == 0
    assert f"drifted: {title} was changed on the wiki" in drifted.output
    assert f'convene import "{title}"' in drifted.output

    imported = convene("import", title)
    assert imported.exit_code == 0, imported.output
    assert f"into {slug} as draft revision 2" in imported.output
    assert "+ [" in imported.output and "Alice's addition." in imported.output
    assert "resolved 1 drift(s)" in imported.output
    with db.session() as session:
        assert session.scalars(select(Drift)).one().resolved_at is not None

    published = convene("publish", slug)
    assert "revision 2" in published.output and "2 update" in published.output
    assert "drifted" not in published.output


def test_unknown_document_and_missing_page_are_clear_errors(db, site, convene, title):
    missing = convene("publish", "no-such-document")
    assert missing.exit_code == 1
    assert "no document 'no-such-document'" in missing.output
    page = convene("import", f"{title}/absent")
    assert page.exit_code == 1 and "does not exist" in page.output


def test_the_celery_task_publishes_and_running_it_again_changes_nothing(
    wiki_config, db, site, title
):
    revision_id = make_document(db, title, translations={"fr": {0: "Objectif"}})
    create_app(config=wiki_config)  # binds the task to a Celery app with these settings
    first = publish_task.apply(args=[revision_id]).get()
    assert first["counts"] == {"create": 3}
    assert first["source_url"].endswith(title.replace(" ", "_"))
    second = publish_task.apply(args=[revision_id]).get()
    assert second["counts"] == {"unchanged": 3} and second["problems"] == []
    with db.session() as session:
        assert len(session.scalars(select(PublishedPage)).all()) == 3
