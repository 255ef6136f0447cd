"""``convene consultation open|close|list|show|watch`` and ``convene harvest CONSULTATION``."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click


def _when(value: str | None) -> datetime | None:
    """An ISO date or date-time; taken as UTC when it names no zone."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(
            f"{value!r} is not an ISO date (2025-05-31 or 2025-05-31T18:00)"
        ) from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc).strip("'\""))


@click.group("consultation")
def command() -> None:
    """Consultation rounds: which revision, which talk pages, when."""


@command.command("open")
@click.argument("document", required=False)
@click.option("--id", "draft_id", type=int, help="Open this draft consultation instead.")
@click.option(
    "--revision",
    "revision_number",
    type=int,
    help="Revision number to consult on (default: the latest published).",
)
@click.option("--title", help="Title of the round (default: from the document and revision).")
@click.option("--prompt", "prompts", multiple=True, help="A question to the community (repeat).")
@click.option("--opens", help="Opening time, ISO (default: now).")
@click.option("--closes", help="Closing time, ISO (default: open until closed).")
@click.option(
    "--language",
    "languages",
    multiple=True,
    help="Watch the talk page of this language page too (repeat; default: the "
    "languages the document has translations in).",
)
@click.option("--page", "pages", multiple=True, help="Watch this talk page too (repeat).")
@click.option("--draft", is_flag=True, help="Create it as a draft, not open yet.")
@click.option("--json", "as_json", is_flag=True, help="Print the consultation as JSON.")
@click.pass_obj
def open_(
    obj,
    document,
    draft_id,
    revision_number,
    title,
    prompts,
    opens,
    closes,
    languages,
    pages,
    draft,
    as_json,
) -> None:
    """Open a consultation on DOCUMENT (its slug), or a draft with --id."""
    from services.consultations import service
    from services.documents.store import DocumentNotFound

    if bool(document) == bool(draft_id):
        raise click.UsageError("give either DOCUMENT or --id of a draft consultation")
    with obj.db.session() as session:
        try:
            if draft_id:
                consultation = service.start_consultation(session, draft_id)
            else:
                consultation = service.open_consultation(
                    session,
                    document,
                    revision_number=revision_number,
                    title=title,
                    prompts=prompts,
                    opens_at=_when(opens),
                    closes_at=_when(closes),
                    languages=languages or None,
                    pages=pages,
                    draft=draft,
                )
        except (service.ConsultationError, service.ConsultationNotFound, DocumentNotFound) as exc:
            raise _fail(exc) from exc
        summary = service.summarize(session, consultation)
    _show(summary, as_json)


@command.command("close")
@click.argument("consultation", type=int)
@click.pass_obj
def close(obj, consultation: int) -> None:
    """Close CONSULTATION (its id): no more harvests; what was taken in stays."""
    from services.consultations import service

    with obj.db.session() as session:
        try:
            closed = service.close_consultation(session, consultation)
        except (service.ConsultationError, service.ConsultationNotFound) as exc:
            raise _fail(exc) from exc
        click.echo(
            f"closed consultation #{closed.id} ({closed.title}) at "
            f"{closed.closes_at:%Y-%m-%d %H:%M} UTC"
        )


@command.command("watch")
@click.argument("consultation", type=int)
@click.argument("title")
@click.option("--language", help="Language of that page (default: the document's).")
@click.pass_obj
def watch(obj, consultation: int, title: str, language: str | None) -> None:
    """Add the talk page TITLE to CONSULTATION (an archive, another language...)."""
    from services.consultations import service

    with obj.db.session() as session:
        try:
            page = service.add_watched_page(session, consultation, title, language)
        except (service.ConsultationError, service.ConsultationNotFound) as exc:
            raise _fail(exc) from exc
        click.echo(f"consultation #{consultation} now watches {page.title} ({page.language})")


@command.command("list")
@click.option("--status", type=click.Choice(["draft", "open", "closed", "reported"]))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def list_(obj, status: str | None, as_json: bool) -> None:
    """List consultations, oldest first."""
    from services.consultations import service
    from services.consultations.models import ConsultationStatus

    with obj.db.session() as session:
        rows = [
            service.summarize(session, c)
            for c in service.list_consultations(
                session, ConsultationStatus(status) if status else None
            )
        ]
    if as_json:
        click.echo(json.dumps(rows, indent=1, ensure_ascii=False))
        return
    if not rows:
        click.echo("no consultations")
    for row in rows:
        click.echo(
            f"#{row['id']:<4} {row['status']:<8} {row['document']} "
            f"rev {row['revision']['number']}  {row['comments']:>5} comments  "
            f"{row['title']}"
        )


@command.command("show")
@click.argument("consultation", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show(obj, consultation: int, as_json: bool) -> None:
    """Show CONSULTATION: its pages, comment counts and last harvest."""
    from services.consultations import service

    with obj.db.session() as session:
        try:
            summary = service.summarize(
                session, service.require_consultation(session, consultation)
            )
        except service.ConsultationNotFound as exc:
            raise _fail(exc) from exc
    _show(summary, as_json)


def _show(summary: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary, indent=1, ensure_ascii=False))
        return
    click.echo(f"consultation #{summary['id']}: {summary['title']}")
    click.echo(
        f"  document {summary['document']}, revision {summary['revision']['number']} "
        f"({summary['revision']['label']}); {summary['status']}; "
        f"opens {summary['opens_at'] or '-'}; closes {summary['closes_at'] or '-'}"
    )
    for prompt in summary["prompts"]:
        click.echo(f"  ? {prompt}")
    for page in summary["pages"]:
        state = f"revision {page['last_revid']}" if page["last_revid"] else "not harvested yet"
        click.echo(f"  {page['title']} [{page['language']}]: {page['comments']} comments, {state}")
        if page["last_error"]:
            for line in page["last_error"].splitlines()[:5]:
                click.echo(f"    ! {line}")
    languages = ", ".join(f"{k} {v}" for k, v in summary["comments_by_language"].items())
    click.echo(
        f"  {summary['comments']} comments ({languages or 'none'}), "
        f"{summary['comments_hidden']} hidden"
    )
    last = summary["last_harvest"]
    if last:
        click.echo(
            f"  last harvest {last['finished_at']}: {last['outcome']}, "
            f"{last['comments_new']} new, {last['comments_edited']} edited, "
            f"{last['comments_hidden']} hidden"
        )


@click.command("harvest")
@click.argument("consultation", type=int)
@click.option(
    "--no-lock",
    is_flag=True,
    help="Run without the Redis lock (only when no worker can be running).",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def harvest(obj, consultation: int, no_lock: bool, as_json: bool) -> None:
    """Harvest CONSULTATION now: take in new, edited and removed talk-page comments."""
    from bots.environment import prepare_pywikibot

    prepare_pywikibot()
    from redis.exceptions import RedisError

    from bots.harvest import HarvestError, HarvestRefused, run_harvest
    from services.worker.tasks.harvest import HarvestLocked, harvest_exclusively

    try:
        if no_lock:
            report = run_harvest(obj.config, obj.db, consultation)
        else:
            report = harvest_exclusively(obj.config, obj.db, consultation)
    except (HarvestError, HarvestRefused, HarvestLocked) as exc:
        raise _fail(exc) from exc
    except RedisError as exc:
        raise click.ClickException(
            f"cannot take the harvest lock in Redis at "
            f"{obj.config.redis_url}: {exc} (start the stack, or "
            f"use --no-lock if no worker runs)"
        ) from exc
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=1, ensure_ascii=False))
        return
    click.echo(report.summary())
    for problem in report.problems[:20]:
        click.echo(f"  ! {problem}")
    if len(report.problems) > 20:
        click.echo(
            f"  ! ... {len(report.problems) - 20} more (convene consultation show {consultation})"
        )


extra_commands = [harvest]
