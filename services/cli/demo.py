"""``convene demo``: the local stack up, the content loaded, and where to look.

Safe to run again: every step leaves alone what an earlier run already did.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import click


@click.command("demo")
@click.option(
    "--health-timeout",
    default=90.0,
    show_default=True,
    help="Seconds to wait for /health to report the database, Redis and the wiki up.",
)
@click.pass_obj
def command(obj, health_timeout: float) -> None:
    """Bring the local stack up, load the content, and print the wiki and service URLs."""
    from deploy.local.processes import StackError
    from deploy.local.stack import Stack

    try:
        stack = Stack(obj.config)
        click.echo("starting the local stack (wiki, Redis, web, worker, beat) ...")
        stack.up()
    except StackError as exc:
        raise click.ClickException(str(exc)) from exc
    obj.db  # migrations to head
    click.echo(f"database at head: {obj.config.sqlalchemy_url.split('@')[-1]}")
    for step in STEPS:
        for line in step(obj, stack):
            click.echo(line)

    code, health = wait_for_health(stack.web_url, health_timeout)
    click.echo("")
    click.echo(f"wiki:     {stack.wiki.page_url('Main Page')}")
    click.echo(f"service:  {stack.web_url}/")
    click.echo(f"health:   {stack.web_url}/health  (HTTP {code})")
    click.echo(json.dumps(health, indent=1, sort_keys=True))
    click.echo(f"logs:     {stack.logs}/   stop with: convene stack down (or make stack-down)")
    if code != 200:
        raise click.ClickException(
            f"/health did not report all parts up within "
            f"{health_timeout:.0f} s (see the logs above)"
        )


def load_content(obj, stack) -> list[str]:
    """Load the bundled definition and plan into the document store (new drafts only if edited)."""
    try:
        from services.documents.source import bundled_sources
        from services.documents.store import load_source
    except ImportError as exc:
        return [f"content:  skipped, the document store is not available ({exc})"]
    lines = []
    with obj.db.session() as session:
        for path in bundled_sources():
            revision, created = load_source(session, path)
            state = "loaded" if created else "unchanged"
            lines.append(
                f"content:  {state:<9} {revision.document.slug} "
                f"revision {revision.number} ({revision.status.value})"
            )
    return lines


def publish(obj, stack) -> list[str]:
    """Publish the definition and the plan to the local wiki; pages already current stay as they are."""
    from bots.publish import publish_documents

    results = publish_documents(obj.config, DEMO_DOCUMENTS, db=obj.db)
    return [
        line
        for r in results
        for line in (
            r.summary_line(),
            f"  page:      {r.source_url}",
            f"  changelog: {r.changelog_url}",
        )
    ]


def open_consultation(obj, stack) -> list[str]:
    """Open a consultation on the definition; Alice and Bob comment in several languages; harvest."""
    from bots.demo_feedback import seed_demo_feedback

    return seed_demo_feedback(obj.config, stack.wiki, obj.db)["lines"]


def create_triager(obj, stack) -> list[str]:
    """The demo triager account for the dashboard, with a fresh password printed once."""
    from services.web.auth.users import ensure_demo_triager

    with obj.db.session() as session:
        name, password = ensure_demo_triager(session)
    return [
        f"dashboard: {stack.web_url}/dashboard/",
        f"  sign in at {stack.web_url}/auth/signin as {name!r} with password {password!r}",
        "  (a new password is set each time `make demo` runs; "
        "`convene user add NAME --role triager` makes more accounts)",
    ]


DEMO_DOCUMENTS = ["leadership-definition", "leadership-development-plan"]

# Each step takes (obj, stack) and returns the lines to print; each must be safe to rerun.
STEPS = [load_content, publish, open_consultation, create_triager]


def wait_for_health(web_url: str, timeout: float) -> tuple[int, dict]:
    """Poll ``/health`` until it answers 200 or ``timeout`` passes; the last answer."""
    deadline = time.monotonic() + timeout
    code, body = 0, {"error": "no answer"}
    while True:
        code, body = fetch_health(web_url)
        if code == 200 or time.monotonic() >= deadline:
            return code, body
        time.sleep(1.0)


def fetch_health(web_url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{web_url}/health", timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read())
        except ValueError:
            return exc.code, {"error": f"HTTP {exc.code} without JSON"}
    except (OSError, ValueError) as exc:
        return 0, {"error": str(exc)}
