"""The ``convene`` command: one group, each domain's commands in a module of its own."""

from __future__ import annotations

import importlib

import click

from services.config import ConfigError, load_config
from services.db import Database

# Each module defines ``command``, a click command or group added under its own name.
COMMAND_MODULES = [
    "services.cli.db_commands",
    "services.cli.content",
    "services.cli.stack",
    "services.cli.demo",
    "services.cli.publish",
    "services.cli.wiki_import",
    "services.cli.consultations",
    "services.cli.users",
]


class Context:
    """What every command needs: the configuration and, on first use, the database."""

    def __init__(self, config):
        self.config = config
        self._db = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.config)
            self._db.upgrade()
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Convene keeps a working group's living documents on a wiki and runs the
    feedback consultations that shape them."""
    try:
        ctx.obj = Context(load_config())
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from exc
    ctx.call_on_close(ctx.obj.close)


for _name in COMMAND_MODULES:
    _module = importlib.import_module(_name)
    main.add_command(_module.command)
    # A module may also offer top-level shortcuts (``convene diff`` for ``content diff``).
    for _extra in getattr(_module, "extra_commands", ()):
        main.add_command(_extra)
