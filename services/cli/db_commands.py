"""``convene db``: the schema."""

import click


@click.group("db")
def command() -> None:
    """Manage the database schema."""


@command.command("upgrade")
@click.pass_obj
def upgrade(obj) -> None:
    """Apply every migration not yet applied (SQLite or PostgreSQL)."""
    obj.db  # opening the database applies the migrations
    click.echo(f"database at head: {obj.config.sqlalchemy_url.split('@')[-1]}")
