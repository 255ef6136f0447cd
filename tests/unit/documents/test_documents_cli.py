"""``convene content load``, ``convene revisions`` and ``convene diff`` through click."""

import json
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from services.cli import content, main
from services.documents.source import bundled_sources

DEFINITION = next(p for p in bundled_sources() if p.name == "leadership-definition.wiki")


@pytest.fixture
def run(db):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(content.command, list(args), obj=SimpleNamespace(db=db))

    return invoke


def edited(tmp_path, old, new, name="def.wiki"):
    path = tmp_path / name
    path.write_text(DEFINITION.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return path


def test_load_bundled_then_unchanged(run):
    first = run("load")
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [
        "created   leadership-definition: revision 1 (draft, 57 units, label 'October 2022')",
        "created   leadership-development-plan: revision 1 (draft, 20 units, "
        "label 'Published summary')",
    ]
    second = run("load")
    assert second.exit_code == 0
    assert [line.split()[0] for line in second.output.splitlines()] == ["unchanged"] * 2


def test_malformed_file_loads_nothing_and_names_file_and_line(run, tmp_path):
    good = edited(tmp_path, "Leadership is multifaceted", "Leadership is many-sided", "ok.wiki")
    bad = edited(tmp_path, "== Broad overarching definition ==", "== Broad overarching", "bad.wiki")
    lineno = bad.read_text().splitlines().index("== Broad overarching") + 1
    result = run("load", str(good), str(bad))
    assert result.exit_code == 1
    assert f"error: {bad}:{lineno}: unclosed heading" in result.output
    assert "nothing was loaded" in result.output
    listing = run("revisions", "leadership-definition")
    assert listing.exit_code == 1 and "no document 'leadership-definition'" in listing.output


def test_revisions_and_diff(run, tmp_path):
    run("load", str(DEFINITION))
    path = edited(
        tmp_path,
        "Leadership can be understood as the ability",
        "Leadership can be seen as the capacity",
    )
    assert "created   leadership-definition: revision 2" in run("load", str(path)).output
    listing = run("revisions", "leadership-definition")
    assert listing.exit_code == 0
    rows = [line.split() for line in listing.output.splitlines() if line[:5].strip().isdigit()]
    assert [(r[0], r[1]) for r in rows] == [("1", "draft"), ("2", "draft")]
    assert "(from 1)" in listing.output
    result = run("diff", "leadership-definition")
    assert result.exit_code == 0, result.output
    assert "revision 1 (October 2022) → revision 2 (October 2022)" in result.output
    assert (
        "Leadership can be [-understood-]{+seen+} as the [-ability-]{+capacity+} to guide"
        in result.output
    )
    assert result.output.splitlines()[-1] == "56 unchanged, 1 changed, 0 moved, 0 new, 0 removed"
    data = json.loads(
        run("diff", "leadership-definition", "--from", "1", "--to", "2", "--json").output
    )
    assert (data["from"], data["to"], data["counts"]["changed"]) == (1, 2, 1)
    assert run("diff", "leadership-definition", "--to", "1").exit_code == 1
    missing = run("diff", "leadership-definition", "--from", "7")
    assert missing.exit_code == 1 and "has no revision 7" in missing.output


def test_render_prints_the_page(run):
    run("load", str(DEFINITION))
    result = run("render", "leadership-definition", "--translate")
    assert result.exit_code == 0
    assert result.output.startswith('<languages/>\n<div class="convene-header"')
    assert result.output.count('class="convene-unit"') == 57


def test_commands_are_registered_with_help(tmp_path):
    runner = CliRunner(
        env={
            "CONVENE_CONFIG_FILE": "/nonexistent",
            "CONVENE_STATE_DIR": str(tmp_path),
            "CONVENE_SECRET_KEY": "x",
        }
    )
    top = runner.invoke(main, ["--help"])
    assert all(name in top.output for name in ("content", "revisions", "diff"))
    for args, words in (
        (["content", "load", "--help"], "bundled definition and plan"),
        (["diff", "--help"], "--from"),
        (["revisions", "--help"], "List the revisions"),
        (["content", "render", "--help"], "--translate"),
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 0 and words in result.output
