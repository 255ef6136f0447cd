"""``convene stack up|down|status``: the local wiki, Redis, web app, worker and beat."""

from __future__ import annotations

import click


@click.group("stack")
def command() -> None:
    """Run the local stack: a private wiki, Redis, the web app, a Celery worker and beat."""


@command.command("up")
@click.option("--json", "as_json", is_flag=True, help="Print the parts' status as JSON.")
@click.pass_obj
def up(obj, as_json: bool) -> None:
    """Start every part that is not running (idempotent); migrate the database first."""
    from deploy.local.processes import StackError
    from deploy.local.stack import Stack

    try:
        stack = Stack(obj.config)
        obj.db  # the web app and the worker expect a migrated schema
        statuses = stack.up()
    except StackError as exc:
        raise click.ClickException(str(exc)) from exc
    _show(statuses, as_json)


@command.command("down")
@click.pass_obj
def down(obj) -> None:
    """Stop every part; no process or listening port is left behind."""
    from deploy.local.processes import StackError
    from deploy.local.stack import Stack

    try:
        stopped = Stack(obj.config).down()
    except StackError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


@command.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the parts' status as JSON.")
@click.pass_obj
def status(obj, as_json: bool) -> None:
    """Show each part: up or down, pid, port, address, log. Exit status 1 if any is down."""
    from deploy.local.processes import StackError
    from deploy.local.stack import Stack

    try:
        statuses = Stack(obj.config).status()
    except StackError as exc:
        raise click.ClickException(str(exc)) from exc
    _show(statuses, as_json)
    if not all(s.up for s in statuses):
        raise SystemExit(1)


def _show(statuses, as_json: bool) -> None:
    from deploy.local.stack import status_as_json

    if as_json:
        click.echo(status_as_json(statuses))
        return
    for s in statuses:
        state = "up" if s.up else "down"
        pid = f"pid {s.pid}" if s.pid else "-"
        port = f"port {s.port}" if s.port else ""
        where = s.url or f"log {s.log}"
        detail = f"  ({s.detail})" if s.detail else ""
        click.echo(f"{s.name:<7} {state:<5} {pid:<11} {port:<11} {where}{detail}")
