"""The database: SQLAlchemy 2 engine and sessions; the schema lives in migrations/.

SQLite is the embedded default; PostgreSQL is used when ``CONVENE_DATABASE_URL`` says so.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import JSON, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from services.config import Config

# Stable constraint names, so migrations generated on SQLite also apply on PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict: JSON, list: JSON}


def import_models() -> None:
    """Import every domain's models so Base.metadata knows the whole schema."""
    import bots.publish_state  # noqa: F401
    import services.consultations.models
    import services.documents.models
    import services.feedback.models
    import services.translations.models
    import services.web.auth.models  # noqa: F401


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            # WAL lets the web app read while a worker writes; foreign keys are off by default.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            # Reads through a memory map, not a system call per page: the triage queue's
            # random row reads (a unit's comments) cost a third less.
            cur.execute("PRAGMA mmap_size=268435456")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """One engine and its session factory for one configuration."""

    def __init__(self, config: Config):
        self.url = config.sqlalchemy_url
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def lazy_session(self) -> Iterator[Session]:
        """Like ``session``, but opened only if used: a request that finds everything it
        needs in memory (cached pages, queue indexes) pays nothing for a session."""
        with contextlib.ExitStack() as stack:
            yield _LazySession(self.engine, lambda: stack.enter_context(self.session()))

    def upgrade(self) -> None:
        """Bring the schema to the newest migration."""
        from alembic import command

        command.upgrade(alembic_config(self.url), "head")

    def dispose(self) -> None:
        self.engine.dispose()


class _LazySession:
    """Stands for a session until something is asked of it; then opens it and passes on."""

    __slots__ = ("_engine", "_open", "_session")

    def __init__(self, engine: Engine, open_session):
        self._engine, self._open, self._session = engine, open_session, None

    def get_bind(self, *args, **kwargs):
        # The only engine: asking which one (for its dialect) needs no session.
        if self._session is None:
            return self._engine
        return self._session.get_bind(*args, **kwargs)

    def __getattr__(self, name: str):
        if self._session is None:
            self._session = self._open()
        return getattr(self._session, name)


def alembic_config(url: str):
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg
