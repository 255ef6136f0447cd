"""``convene content``: load the living documents, list their revisions, diff them.

``convene revisions DOCUMENT`` and ``convene diff DOCUMENT`` are the same commands as
``convene content revisions`` / ``convene content diff``, at the top level.
"""

from __future__ import annotations

import json

import click


@click.group("content")
def command() -> None:
    """Living documents: load content files, list revisions, show differences."""


@command.command("load")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.pass_obj
def load(obj, files: tuple[str, ...]) -> None:
    """Load content files (default: the bundled definition and plan) into the store.

    Each file becomes a new draft revision unless its content equals the document's
    latest revision. If any file is malformed, nothing is loaded.
    """
    from services.documents.source import bundled_sources, read_source
    from services.documents.store import load_parsed
    from services.documents.units import SourceError

    paths = list(files) or [str(p) for p in bundled_sources()]
    parsed, errors = [], []
    for path in paths:
        try:
            parsed.append(read_source(path))
        except SourceError as exc:
            errors.append(str(exc))
    if errors:
        for error in errors:
            click.echo(f"error: {error}", err=True)
        raise click.ClickException(f"{len(errors)} malformed file(s); nothing was loaded")
    with obj.db.session() as session:
        for source in parsed:
            revision, created = load_parsed(session, source)
            state = "created" if created else "unchanged"
            click.echo(
                f"{state:<9} {source.slug}: revision {revision.number} "
                f"({revision.status.value}, {len(revision.units)} units, "
                f"label {revision.label!r})"
            )


@click.command("revisions")
@click.argument("document")
@click.pass_obj
def revisions(obj, document: str) -> None:
    """List the revisions of DOCUMENT (its slug), oldest first."""
    from services.documents.store import DocumentNotFound, list_revisions, require_document

    with obj.db.session() as session:
        try:
            doc = require_document(session, document)
        except DocumentNotFound as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{doc.slug}: {doc.title} (wiki page {doc.wiki_title!r})")
        numbers = {}
        for revision in list_revisions(session, doc):
            numbers[revision.id] = revision.number
            parent = numbers.get(revision.parent_id)
            published = (
                f" published {revision.published_at:%Y-%m-%d}" if revision.published_at else ""
            )
            click.echo(
                f"  {revision.number:>3}  {revision.status.value:<10} "
                f"{revision.created_at:%Y-%m-%d %H:%M}  {len(revision.units):>3} units  "
                f"{revision.label}" + (f"  (from {parent})" if parent else "") + published
            )
            if revision.summary:
                summary = " ".join(revision.summary.split())
                click.echo(f"       {summary[:100]}{'…' if len(summary) > 100 else ''}")


@click.command("diff")
@click.argument("document")
@click.option(
    "--from", "from_", type=int, help="Older revision number (default: the parent of --to)."
)
@click.option("--to", type=int, help="Newer revision number (default: the latest).")
@click.option("--all", "show_all", is_flag=True, help="Also list unchanged units.")
@click.option("--json", "as_json", is_flag=True, help="Print the structured diff as JSON.")
@click.pass_obj
def diff(
    obj, document: str, from_: int | None, to: int | None, show_all: bool, as_json: bool
) -> None:
    """Show what changed in DOCUMENT between two revisions, word by word."""
    from services.documents.diff import diff_revisions, render_text
    from services.documents.store import (
        DocumentNotFound,
        RevisionNotFound,
        latest_revision,
        list_revisions,
        require_document,
        require_revision,
    )

    with obj.db.session() as session:
        try:
            doc = require_document(session, document)
            new = (
                require_revision(session, doc, to)
                if to is not None
                else latest_revision(session, doc)
            )
            if new is None:
                raise click.ClickException(f"document {doc.slug!r} has no revision yet")
            if from_ is None:
                by_id = {r.id: r for r in list_revisions(session, doc)}
                old = by_id.get(new.parent_id)
                if old is None:
                    raise click.ClickException(
                        f"revision {new.number} of {doc.slug!r} has no earlier revision; "
                        "give --from"
                    )
            else:
                old = require_revision(session, doc, from_)
        except (DocumentNotFound, RevisionNotFound) as exc:
            raise click.ClickException(str(exc)) from exc
        result = diff_revisions(old, new)
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "document": doc.slug,
                        "from": old.number,
                        "to": new.number,
                        **result.to_dict(),
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        click.echo(
            f"{doc.slug}: revision {old.number} ({old.label}) → revision {new.number} ({new.label})"
        )
        click.echo(render_text(result, show_unchanged=show_all))


@command.command("render")
@click.argument("document")
@click.option("--revision", "number", type=int, help="Revision number (default: the latest).")
@click.option("--translate", is_flag=True, help="Add Extension:Translate markup.")
@click.pass_obj
def render(obj, document: str, number: int | None, translate: bool) -> None:
    """Print the wikitext of DOCUMENT's page as publishing would write it."""
    from services.documents.render import render_document
    from services.documents.store import (
        DocumentNotFound,
        RevisionNotFound,
        latest_revision,
        require_document,
        require_revision,
    )

    with obj.db.session() as session:
        try:
            doc = require_document(session, document)
            revision = (
                require_revision(session, doc, number)
                if number is not None
                else latest_revision(session, doc)
            )
        except (DocumentNotFound, RevisionNotFound) as exc:
            raise click.ClickException(str(exc)) from exc
        if revision is None:
            raise click.ClickException(f"document {doc.slug!r} has no revision yet")
        click.echo(render_document(revision, translate=translate), nl=False)


command.add_command(revisions)
command.add_command(diff)

# Added at the top level too: ``convene revisions`` and ``convene diff``.
extra_commands = [revisions, diff]
