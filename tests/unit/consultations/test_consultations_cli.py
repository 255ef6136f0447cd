import json
from types import SimpleNamespace

import click
import pytest
from click.testing import CliRunner

from services.cli import consultations


@pytest.fixture
def run(config, db, document):
    """``convene ...`` with the test's configuration and database."""
    group = click.Group(commands=[consultations.command, *consultations.extra_commands])

    def invoke(*args):
        return CliRunner().invoke(group, list(args), obj=SimpleNamespace(config=config, db=db))

    return invoke


def test_open_show_list_close(run):
    opened = run(
        "consultation",
        "open",
        "definition",
        "--language",
        "fr",
        "--prompt",
        "What is missing?",
        "--closes",
        "2099-01-01T12:00+02:00",
        "--json",
    )
    assert opened.exit_code == 0, opened.output
    data = json.loads(opened.output)
    assert data["status"] == "open" and data["closes_at"] == "2099-01-01T10:00:00"
    assert [p["title"] for p in data["pages"]] == [
        "Talk:Leadership/Definition",
        "Talk:Leadership/Definition/fr",
    ]
    shown = run("consultation", "show", str(data["id"]))
    assert "Talk:Leadership/Definition/fr [fr]: 0 comments, not harvested yet" in shown.output
    assert "? What is missing?" in shown.output
    listed = run("consultation", "list")
    assert f"#{data['id']}" in listed.output and "open" in listed.output
    watch = run("consultation", "watch", str(data["id"]), "Talk:Leadership/Archive 1")
    assert "now watches Talk:Leadership/Archive 1 (en)" in watch.output
    closed = run("consultation", "close", str(data["id"]))
    assert closed.exit_code == 0 and "closed consultation" in closed.output
    assert "closed" in run("consultation", "list", "--status", "closed").output


@pytest.mark.parametrize(
    "args, message",
    [
        (["consultation", "open", "nope"], "no document 'nope'"),
        (["consultation", "open"], "give either DOCUMENT or --id"),
        (["consultation", "open", "definition", "--revision", "9"], "has no revision 9"),
        (["consultation", "open", "definition", "--closes", "soon"], "is not an ISO date"),
        (["consultation", "close", "42"], "no consultation #42"),
        (["consultation", "show", "42"], "no consultation #42"),
    ],
)
def test_errors_name_what_is_wrong(run, args, message):
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.output


def test_draft_then_open_by_id(run):
    draft = json.loads(run("consultation", "open", "definition", "--draft", "--json").output)
    assert draft["status"] == "draft"
    opened = run("consultation", "open", "--id", str(draft["id"]))
    assert opened.exit_code == 0 and "; open;" in opened.output


def test_harvest_of_an_unknown_consultation(run):
    result = run("harvest", "77", "--no-lock")
    assert result.exit_code == 1
    assert "no consultation #77" in result.output
