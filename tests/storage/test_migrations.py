from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from comptoir.storage import tables
from comptoir.storage.engine import create_engine, current_revision, upgrade


def test_upgrade_creates_every_table_and_is_idempotent(database_url: str) -> None:
    engine = create_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # a second run changes nothing
    assert current_revision(engine) is not None
    names = set(sa.inspect(engine).get_table_names())
    assert set(tables.metadata.tables) <= names
    engine.dispose()


def test_datetimes_come_back_aware_utc(database_url: str) -> None:
    engine = create_engine(database_url)
    upgrade(engine)
    instant = datetime(2026, 4, 27, 12, 30, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(tables.workspaces.insert().values(name="Salon", created_at=instant))
        stored = connection.execute(sa.select(tables.workspaces.c.created_at)).scalar_one()
    assert stored == instant
    assert stored.tzinfo is not None
    engine.dispose()


def test_naive_datetimes_are_refused(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    upgrade(engine)
    with pytest.raises(sa.exc.StatementError), engine.begin() as connection:
        connection.execute(
            tables.workspaces.insert().values(name="x", created_at=datetime(2026, 1, 1))
        )
    engine.dispose()


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
    engine.dispose()
