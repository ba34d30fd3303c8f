"""The write queue (group commit with one SAVEPOINT per write) and background checkpoints."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.storage import tables
from comptoir.storage.engine import create_engine, upgrade
from comptoir.storage.writer import Checkpointer, WriteQueue

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def add_workspace(name: str) -> object:
    def work(conn: Connection) -> int:
        result = conn.execute(tables.workspaces.insert().values(name=name, created_at=NOW))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    return work


def broken(conn: Connection) -> int:
    conn.execute(tables.workspaces.insert().values(name="half-written", created_at=NOW))
    raise ValueError("this write fails after its first statement")


def names(engine: sa.engine.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(tables.workspaces.c.name).order_by("id")).scalars())


async def test_waiting_writes_share_a_commit_and_a_failure_stays_alone(
    database_url: str,
) -> None:
    engine = create_engine(database_url, wal_autocheckpoint=0)
    upgrade(engine)
    queue = WriteQueue(engine)
    await queue.start()

    try:
        jobs = [queue.run(add_workspace(f"shop {n}")) for n in range(20)]  # type: ignore[arg-type]
        jobs.insert(10, queue.run(broken))
        results = await asyncio.gather(*jobs, return_exceptions=True)
    finally:
        await queue.aclose()
    failures = [r for r in results if isinstance(r, BaseException)]
    assert len(failures) == 1
    assert isinstance(failures[0], ValueError)
    ids = [r for r in results if isinstance(r, int)]
    assert len(set(ids)) == 20
    # Everything but the failed write is stored, and the failed write left nothing behind.
    assert names(engine) == [f"shop {n}" for n in range(20)]
    # The 21 writes were queued in the same loop turn: they went in one transaction.
    assert queue.commits == 1
    assert queue.jobs == 21
    engine.dispose()


async def test_a_stopped_queue_still_writes_in_a_transaction_of_its_own(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    upgrade(engine)
    queue = WriteQueue(engine)
    identifier = await queue.run(add_workspace("alone"))  # type: ignore[arg-type]
    assert isinstance(identifier, int)
    assert names(engine) == ["alone"]
    assert queue.commits == 0
    engine.dispose()


async def test_the_queue_recovers_after_its_connection_breaks(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    upgrade(engine)
    queue = WriteQueue(engine)
    await queue.start()
    try:
        await queue.run(add_workspace("before"))  # type: ignore[arg-type]
        queue._conn().invalidate()  # as if the database connection had been lost
        await queue.run(add_workspace("after"))  # type: ignore[arg-type]
    finally:
        await queue.aclose()
    assert names(engine) == ["before", "after"]
    engine.dispose()


async def test_the_checkpointer_moves_the_log_into_the_database(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url, wal_autocheckpoint=0)
    upgrade(engine)
    queue = WriteQueue(engine)
    await queue.start()
    checkpointer = Checkpointer(engine)
    try:
        for n in range(20):
            await queue.run(add_workspace(f"w{n}"))  # type: ignore[arg-type]
        result = checkpointer.checkpoint()
    finally:
        await queue.aclose()
    assert result is not None
    busy, log_pages, moved = result
    assert busy == 0
    assert log_pages > 0
    assert moved == log_pages
    again = checkpointer.checkpoint()
    assert again is not None
    assert again[1] == again[2]  # nothing left behind
    engine.dispose()


async def test_the_checkpointer_does_nothing_on_postgresql(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    checkpointer = Checkpointer(engine)
    await checkpointer.start()
    assert checkpointer._thread is None
    await checkpointer.aclose()
    engine.dispose()


async def test_a_write_alone_that_fails_leaves_nothing_and_the_next_one_commits(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    upgrade(engine)
    queue = WriteQueue(engine)
    await queue.start()

    try:
        with pytest.raises(ValueError, match="first statement"):
            await queue.run(broken)
        await queue.run(add_workspace("next"))  # type: ignore[arg-type]
    finally:
        await queue.aclose()
    assert names(engine) == ["next"]
    engine.dispose()


async def test_sqlite_writes_wait_off_the_event_loop_while_another_process_writes(
    sqlite_url: str,
) -> None:
    """The writer runs on the event loop, but never waits there for the write lock: while
    another connection (a command-line tool, say) holds it, the loop keeps running and the
    write goes through once the lock is free."""
    engine = create_engine(sqlite_url)
    upgrade(engine)
    other = create_engine(sqlite_url)
    queue = WriteQueue(engine)
    await queue.start()
    holder = other.raw_connection()
    try:
        holder.execute("BEGIN IMMEDIATE")  # type: ignore[attr-defined]
        write = asyncio.create_task(queue.run(add_workspace("after the lock")))  # type: ignore[arg-type]
        ticks = 0
        for _ in range(20):  # the loop is free while the write waits
            await asyncio.sleep(0.01)
            ticks += 1
        assert not write.done()
        holder.rollback()
        await asyncio.wait_for(write, timeout=10)
    finally:
        holder.close()
        await queue.aclose()
        other.dispose()
    assert ticks == 20
    assert names(engine) == ["after the lock"]
    engine.dispose()
