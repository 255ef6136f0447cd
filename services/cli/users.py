"""``convene user``: dashboard accounts, their roles and API tokens."""

from __future__ import annotations

import sys

import click


@click.group("user")
def command() -> None:
    """Manage who may use the dashboard and the API."""


@command.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["viewer", "triager", "admin"]),
    required=True,
    help="viewer reads; triager also triages; admin does everything everywhere.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (else one is generated and shown once).",
)
@click.option(
    "--wiki",
    is_flag=True,
    help="The account signs in with the wiki account of the same name (OAuth 2); no password.",
)
@click.option(
    "--consultation",
    "consultations",
    type=int,
    multiple=True,
    help="Limit the account to this consultation (repeatable); default: all consultations.",
)
@click.pass_obj
def add(obj, name: str, role: str, password_stdin: bool, wiki: bool, consultations) -> None:
    """Create the account NAME with a role."""
    import secrets

    from services.consultations.models import Consultation
    from services.web.auth.models import AccountKind, Role
    from services.web.auth.users import UserError, create_user

    if wiki and password_stdin:
        raise click.UsageError("--wiki accounts have no password; drop --password-stdin")
    generated = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not wiki:
        password = generated = secrets.token_urlsafe(12)
    else:
        password = None
    with obj.db.session() as s:
        for cid in consultations:
            if s.get(Consultation, cid) is None:
                raise click.ClickException(f"--consultation {cid}: no such consultation")
        try:
            user = create_user(
                s,
                name,
                Role(role),
                password=password,
                kind=AccountKind.MEDIAWIKI if wiki else AccountKind.LOCAL,
                consultations=list(consultations),
            )
        except UserError as exc:
            raise click.ClickException(str(exc)) from exc
        scope = ", ".join(map(str, consultations)) if consultations else "all consultations"
        click.echo(f"user {user.name!r} added: {role} on {scope}")
    if generated:
        click.echo(f"password (shown once): {generated}")


@command.command("token")
@click.argument("name")
@click.option("--label", default="", help="What the token is for, to recognise it later.")
@click.pass_obj
def token(obj, name: str, label: str) -> None:
    """Create an API token for NAME and print it (once; only its hash is kept)."""
    from services.web.auth.users import UserError, issue_token, require_user

    with obj.db.session() as s:
        try:
            user = require_user(s, name)
        except UserError as exc:
            raise click.ClickException(str(exc)) from exc
        row, raw = issue_token(s, user, label)
        click.echo(
            f"token {row.id} for {user.name!r} (send as 'Authorization: Bearer <token>'):", err=True
        )
    click.echo(raw)


@command.command("revoke-token")
@click.argument("token_id", type=int)
@click.pass_obj
def revoke(obj, token_id: int) -> None:
    """Revoke the API token TOKEN_ID at once (see ``convene user list``)."""
    from services.web.auth.users import UserError, revoke_token

    with obj.db.session() as s:
        try:
            row = revoke_token(s, token_id)
        except UserError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"token {row.id} ({row.prefix}…) revoked")


@command.command("grant")
@click.argument("name")
@click.argument("consultation", type=int)
@click.option("--role", type=click.Choice(["viewer", "triager", "admin"]), required=True)
@click.pass_obj
def grant_cmd(obj, name: str, consultation: int, role: str) -> None:
    """Give NAME a ROLE on one CONSULTATION (over their default role there)."""
    from services.consultations.models import Consultation
    from services.web.auth.models import Role
    from services.web.auth.users import UserError, grant, require_user

    with obj.db.session() as s:
        if s.get(Consultation, consultation) is None:
            raise click.ClickException(f"no consultation {consultation}")
        try:
            grant(s, require_user(s, name), consultation, Role(role))
        except UserError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"{name}: {role} on consultation {consultation}")


@command.command("list")
@click.pass_obj
def list_users(obj) -> None:
    """List accounts, their roles, grants and API tokens."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from services.web.auth.models import ApiToken, User

    with obj.db.session() as s:
        users = s.scalars(select(User).options(selectinload(User.grants)).order_by(User.name)).all()
        for user in users:
            scope = "all consultations" if user.all_consultations else "granted consultations only"
            flags = " (disabled)" if user.disabled else ""
            click.echo(f"{user.name}\t{user.role.value}\t{user.kind.value}\t{scope}{flags}")
            for g in user.grants:
                click.echo(f"  consultation {g.consultation_id}: {g.role.value}")
            for t in s.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
                state = "revoked" if t.revoked_at else "active"
                click.echo(f"  token {t.id} {t.prefix}… {t.label!r} {state}")
