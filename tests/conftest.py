"""Fixtures every test layer shares: a configuration in a temporary state directory and a
migrated database (SQLite by default; PostgreSQL when CONVENE_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# pywikibot reads its configuration once, at import: give the test session its own empty
# directory (cookies, caches) before any test module imports it. Wikis are registered at run
# time by the integration fixtures.
# (pywikibot falls back to the working directory when its directory has no user-config.py.)
os.environ["PYWIKIBOT_DIR"] = tempfile.mkdtemp(prefix="convene-pwb-")
Path(os.environ["PYWIKIBOT_DIR"], "user-config.py").write_text(
    "# wikis are registered at run time\n"
)
os.environ.pop("PYWIKIBOT_NO_USER_CONFIG", None)

import pytest
from sqlalchemy import text

from services.config import load_config
from services.db import Base, Database, import_models

POSTGRES_URL = os.environ.get("CONVENE_TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory) -> str:
    """Run the migrations once per session; tests start from a copy (SQLite) or a truncate."""
    if POSTGRES_URL:
        url = POSTGRES_URL
        engine = Database(
            load_config(env={}, database_url=url, state_dir=tmp_path_factory.mktemp("pg"))
        ).engine
        with engine.begin() as conn:  # start every session from an empty schema
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.sqlite3'}"
    database = Database(
        load_config(env={}, database_url=url, state_dir=tmp_path_factory.mktemp("state"))
    )
    database.upgrade()
    database.dispose()
    return url


@pytest.fixture
def config(tmp_path, _migrated_template):
    """Settings pointing at a private state directory and a fresh, migrated database."""
    state = tmp_path / "state"
    if POSTGRES_URL:
        url = POSTGRES_URL
    else:
        db_file = state / "convene.sqlite3"
        db_file.parent.mkdir(parents=True)
        shutil.copy(_migrated_template.split("///", 1)[1], db_file)
        url = f"sqlite:///{db_file}"
    return load_config(
        env={},
        instance_file=Path("/nonexistent"),
        state_dir=state,
        database_url=url,
        secret_key="test-secret",
    )


@pytest.fixture
def db(config):
    """A Database on a migrated schema with no rows in it."""
    database = Database(config)
    if POSTGRES_URL:
        import_models()
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with database.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def _dispose_databases(monkeypatch):
    """Close the pools of every Database a test made (apps, CLI runs, tasks): a pool left for
    the garbage collector closes its connections in whichever test runs then, and PostgreSQL
    connections warn about it."""
    made: list[Database] = []
    init = Database.__init__

    def tracking_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(Database, "__init__", tracking_init)
    yield
    for database in made:
        database.dispose()
