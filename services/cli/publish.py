"""``convene publish DOCUMENT``: put a revision on the wiki, showing the plan and progress."""

from __future__ import annotations

import click

# How each page's line starts, so a long run reads like a plan.
_MARKS = {
    "create": "+",
    "update": "~",
    "unchanged": "=",
    "drifted": "!",
    "conflict": "!",
    "excluded": "-",
    "failed": "x",
}


def page_line(outcome) -> str:
    """One page of the plan or the run: action, title, and why."""
    action = outcome.action.value
    return f"  {_MARKS.get(action, '?')} {action:<9} {outcome.title}  ({outcome.reason})"


@click.command("publish")
@click.argument("documents", nargs=-1, required=True, metavar="DOCUMENT...")
@click.option(
    "--revision",
    "revision_number",
    type=int,
    default=None,
    metavar="N",
    help="Revision number to publish (one document only; default: its latest).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the plan (create / update / unchanged / drifted) with diffs; write "
    "nothing on the wiki and record nothing.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite pages people changed on the wiki since Convene last wrote them "
    "(their changes stay in the page history).",
)
@click.pass_obj
def command(
    obj, documents: tuple[str, ...], revision_number: int | None, dry_run: bool, force: bool
) -> None:
    """Publish each DOCUMENT (by slug) to the wiki: its source page, one page per translated
    language and its changelog. Only pages whose text differs are edited; a page a person
    changed on the wiki since Convene's last write is left alone and reported as drifted
    (take it in with `convene import PAGE`, or overwrite it with --force). Several
    documents are read from the wiki together, in as few requests as the account allows."""
    from bots.publish import PublishError, WikiUnavailable, publish_documents

    def progress(outcome) -> None:
        click.echo(page_line(outcome))
        if dry_run and outcome.diff:
            click.echo("\n".join("      " + line for line in outcome.diff.splitlines()))

    click.echo(
        f"{'Plan' if dry_run else 'Publishing'}: {', '.join(documents)} on "
        f"{obj.config.wiki_api_url}{' (dry run: nothing is written)' if dry_run else ''}"
    )
    try:
        results = publish_documents(
            obj.config,
            list(documents),
            revision_number=revision_number,
            dry_run=dry_run,
            force=force,
            db=obj.db,
            progress=progress,
        )
    except (PublishError, WikiUnavailable) as exc:
        raise click.ClickException(str(exc)) from exc
    for result in results:
        click.echo(result.summary_line())
        for outcome in result.problems:
            if outcome.action.value in ("drifted", "conflict"):
                click.echo(
                    f"drifted: {outcome.title} was changed on the wiki; see the diff "
                    f"with --dry-run, take it in with `convene import "
                    f'"{outcome.title}"`, or overwrite it with --force'
                )
            else:
                click.echo(f"{outcome.action.value}: {outcome.title}: {outcome.reason}")
        if result.source_url:
            click.echo(f"page: {result.source_url}")
        if result.changelog_url:
            click.echo(f"changelog: {result.changelog_url}")
