"""Engine creation and schema upgrades. Nothing connects at import time: ``bootstrap`` calls
``create_engine`` once and passes the engine to whoever needs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool, QueuePool

from comptoir.threads import MAX_THREADS

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: Page cache per SQLite connection, in KiB (a negative ``cache_size`` means KiB).
SQLITE_CACHE_KIB = 65_536


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (SQLAlchemy's default would be psycopg2)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    return url


def create_engine(url: str, *, synchronous: str = "FULL", wal_autocheckpoint: int = 1000) -> Engine:
    """An engine for SQLite (WAL) or PostgreSQL.

    SQLite: WAL journal so readers never block the writer, ``synchronous=FULL`` so a commit
    that was acknowledged survives a power loss (the webhook intake groups requests into one
    commit so this stays cheap), foreign keys on, and a busy timeout instead of instant
    "database is locked" errors. Each connection keeps up to ``SQLITE_CACHE_KIB`` of pages
    (SQLite's default is 2 MiB, which the intake's indexes outgrow at once) and its
    temporary b-trees in memory. ``wal_autocheckpoint=0`` leaves checkpoints to a background
    ``storage.writer.Checkpointer`` (the app runs one), so no commit pays for them.
    """
    url = normalise_url(url)
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["poolclass"] = QueuePool if database and database != ":memory:" else NullPool
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if kwargs["poolclass"] is QueuePool:
            # A connection per worker thread stays open: an overflow connection is closed
            # when given back, and the next one re-reads the whole schema on its first
            # statement (a cost that showed as slow primary-key reads under load).
            kwargs["pool_size"] = MAX_THREADS + 4
            kwargs["max_overflow"] = 8
    else:
        kwargs["pool_size"] = 10
        kwargs["max_overflow"] = 10
        kwargs["pool_pre_ping"] = True
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        mode = synchronous.upper()
        if mode not in {"OFF", "NORMAL", "FULL"}:
            raise ValueError("synchronous must be OFF, NORMAL or FULL")

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={mode}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(wal_autocheckpoint)}")
            cursor.close()

    return engine


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        url = engine.url.render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (Alembic), in one transaction where the backend allows."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
