"""``convene import PAGE``: take a wiki page, as people left it, back into the store."""

from __future__ import annotations

import click


@click.command("import")
@click.argument("page")
@click.option(
    "--document",
    "document_slug",
    default=None,
    metavar="SLUG",
    help="Document to import into (default: the one published on PAGE).",
)
@click.pass_obj
def command(obj, page: str, document_slug: str | None) -> None:
    """Read PAGE from the wiki as it stands into a new draft revision of its document.

    Units keep their ids where their anchor survived or their text is the same or close;
    the diff against the latest revision shows what people changed on the wiki. Importing
    resolves the page's drift, so the next `convene publish` continues from it."""
    from bots.publish import PublishError, WikiUnavailable
    from bots.wiki_import import WikiImportError, import_page

    try:
        result = import_page(obj.config, obj.db, page, document_slug=document_slug)
    except (WikiImportError, PublishError, WikiUnavailable) as exc:
        raise click.ClickException(str(exc)) from exc
    who = f" by {result.user}" if result.user else ""
    if result.created:
        click.echo(
            f"imported {result.title} (wiki r{result.wiki_revid}{who}) into "
            f"{result.document} as draft revision {result.revision_number}"
        )
        if result.diff is not None:
            click.echo(result.diff_text())
    else:
        click.echo(
            f"{result.title} (wiki r{result.wiki_revid}{who}) holds the same units as "
            f"{result.document} revision {result.revision_number}: nothing new to store"
        )
    if result.resolved_drifts:
        click.echo(f"resolved {result.resolved_drifts} drift(s) on {result.title}")
