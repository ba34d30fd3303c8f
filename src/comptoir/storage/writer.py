"""One writer for the busy write paths, with group commit; background WAL checkpoints.

SQLite has one write lock per database. When many threads each open their own write
transaction (the sending path, the outbox relay, automation, the intake), they queue in
SQLite's busy handler, which sleeps and retries (up to 100 ms a try) in no particular order,
and each commit pays its own fsync. ``WriteQueue`` instead runs the write functions it is
given one after another on ONE thread and connection, and groups those that are waiting into
one transaction: each function runs inside its own SAVEPOINT (when there are several), so
one that raises is rolled back alone and its caller gets the exception, while the others
commit together. A caller
gets its result only after the commit.

On SQLite the writer runs each group on the event loop's own thread: a small transaction
(a few statements, a commit) takes less time than the hops to a thread and back, and a
thread that hands the GIL back at each statement waits each time for a busy event loop to
give it up again. It never waits there for the write lock: if another process (a command
line tool) holds it, that group goes to the writer thread, which waits for it. On
PostgreSQL (network round trips) the writer always runs on its thread; the grouping saves
round trips and commits. The functions see the same ``Connection`` API either way.

``Checkpointer`` (SQLite only): every connection is opened with ``wal_autocheckpoint=0``
(``engine.py``), so no commit ever pays for copying the write-ahead log into the database;
this thread does it instead, with PASSIVE checkpoints that never block the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from comptoir.threads import run_sync

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Most write functions in one transaction.
MAX_GROUP = 500
#: Seconds between two background checkpoints.
CHECKPOINT_INTERVAL = 1.0


@dataclass(slots=True)
class _Job(Generic[T]):
    work: Callable[[Connection], T]
    done: asyncio.Future[T]


class _WorkError(Exception):
    """A write function raised (``error``): its transaction is rolled back."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class _BusyError(Exception):
    """SQLite's write lock is held by another connection (another process)."""


#: How long the writer waits for SQLite's write lock when another process holds it.
SQLITE_BUSY_TIMEOUT_MS = 30_000


class WriteQueue:
    """``await queue.run(work)`` runs ``work(connection)`` in a transaction shared with the
    other waiting writes and returns its result once committed."""

    def __init__(
        self, engine: Engine, *, max_group: int = MAX_GROUP, inline: bool | None = None
    ) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._max_group = max_group
        self._queue: asyncio.Queue[_Job[Any]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._connection: Connection | None = None
        #: SQLite: write on the event loop's own thread (see the module doc).
        self._inline = self._sqlite if inline is None else inline
        self._busy_timeout = SQLITE_BUSY_TIMEOUT_MS
        self.commits = 0
        self.jobs = 0

    async def start(self) -> None:
        if self._task is not None:
            return
        self._queue = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="writer")
        self._task = asyncio.create_task(self._run(), name="comptoir-write-queue")

    async def aclose(self) -> None:
        task, queue = self._task, self._queue
        self._task = None
        if task is not None and queue is not None:
            await queue.join()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._executor is not None:
            executor = self._executor
            self._executor = None
            await asyncio.get_running_loop().run_in_executor(executor, self._close_connection)
            executor.shutdown(wait=True)
        self._queue = None

    @property
    def running(self) -> bool:
        return self._task is not None

    async def run(self, work: Callable[[Connection], T]) -> T:
        """``work(connection)`` committed; when the queue is not running (a command-line
        tool, a container never started), in a transaction of its own on a worker thread."""
        if self._queue is None or self._task is None:
            return await run_sync(self._alone, work)
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(work, done))
        return await done

    def _alone(self, work: Callable[[Connection], T]) -> T:
        with self.engine.begin() as conn:
            return work(conn)

    # ---- the writer ------------------------------------------------------------------------

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        queue = self._queue
        while True:
            group = [await queue.get()]
            # Writes whose callers are already runnable join this group.
            await asyncio.sleep(0)
            while len(group) < self._max_group and not queue.empty():
                group.append(queue.get_nowait())
            try:
                outcomes = self._write(group, wait=False) if self._inline else None
                if outcomes is None:  # not inline, or SQLite was busy: wait on the thread
                    waited = await loop.run_in_executor(self._executor, self._write, group)
                    assert waited is not None  # it waits for the lock: never None
                    outcomes = waited
            except Exception as exc:  # the transaction itself failed (commit, connection)
                log.warning("a group of %d writes failed: %s", len(group), exc)
                outcomes = [(False, exc)] * len(group)
            for job, (ok, value) in zip(group, outcomes, strict=True):
                if not job.done.done():
                    if ok:
                        job.done.set_result(value)
                    else:
                        job.done.set_exception(value)
                queue.task_done()

    def _conn(self) -> Connection:
        if self._connection is None or self._connection.invalidated:
            self._connection = self.engine.connect()
            if self._sqlite:
                # The driver must not open transactions on its own: this connection says
                # BEGIN IMMEDIATE itself, and SAVEPOINTs work as SQLite documents them.
                self._connection.connection.dbapi_connection.isolation_level = None  # type: ignore[union-attr]
        return self._connection

    def _begin(self, conn: Connection, *, wait: bool) -> None:
        """SQLite: take the write lock now. Without ``wait`` (on the event loop), give up
        at once if another process holds it (``_BusyError``): the caller waits on the thread."""
        if not self._sqlite:
            return
        timeout = SQLITE_BUSY_TIMEOUT_MS if wait else 0
        if timeout != self._busy_timeout:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={timeout}")
            self._busy_timeout = timeout
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError as exc:
            if not wait and "locked" in str(exc):
                raise _BusyError from exc
            raise

    def _write(self, group: list[_Job[Any]], wait: bool = True) -> list[tuple[bool, Any]] | None:
        """Run ``group`` in one transaction; None when ``wait`` is false and SQLite's write
        lock is held elsewhere (nothing was run)."""
        conn = self._conn()
        try:
            if len(group) == 1:
                return [self._write_alone(conn, group[0], wait)]
            return self._write_group(conn, group, wait)
        except _BusyError:
            return None

    @contextlib.contextmanager
    def _transaction(self, conn: Connection, wait: bool) -> Iterator[None]:
        """One transaction holding SQLite's write lock, counted once committed. A failure of
        the transaction itself (not of a write function) discards the connection."""
        try:
            with conn.begin():
                self._begin(conn, wait=wait)
                yield
        except (_BusyError, _WorkError):
            raise
        except Exception:
            self._discard()
            raise
        self.commits += 1

    def _write_group(
        self, conn: Connection, group: list[_Job[Any]], wait: bool
    ) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = []
        with self._transaction(conn, wait):
            for job in group:
                savepoint = conn.begin_nested()
                try:
                    value = job.work(conn)
                except Exception as exc:
                    savepoint.rollback()
                    outcomes.append((False, exc))
                else:
                    savepoint.commit()
                    outcomes.append((True, value))
        self.jobs += len(group)
        return outcomes

    def _write_alone(self, conn: Connection, job: _Job[Any], wait: bool) -> tuple[bool, Any]:
        """A group of one needs no SAVEPOINT: its failure rolls the transaction back."""
        try:
            with self._transaction(conn, wait):
                try:
                    value = job.work(conn)
                except Exception as exc:
                    raise _WorkError(exc) from exc
        except _WorkError as failed:
            self.jobs += 1
            return (False, failed.error)
        self.jobs += 1
        return (True, value)

    def _discard(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.invalidate()
                self._connection.close()
            self._connection = None

    def _close_connection(self) -> None:
        # Its driver settings were changed: never hand it back to the pool.
        self._discard()


class Checkpointer:
    """Copies SQLite's write-ahead log into the database in the background (PASSIVE)."""

    def __init__(self, engine: Engine, *, interval: float = CHECKPOINT_INTERVAL) -> None:
        self.engine = engine
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    async def start(self) -> None:
        if self.engine.dialect.name != "sqlite" or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="comptoir-checkpoint", daemon=True)
        self._thread.start()

    async def aclose(self) -> None:
        thread = self._thread
        self._thread = None
        if thread is not None:
            self._stop.set()
            await asyncio.get_running_loop().run_in_executor(None, thread.join)
            self.checkpoint()

    def checkpoint(self) -> tuple[int, int, int] | None:
        """One PASSIVE checkpoint: (busy, log pages, pages checkpointed), or None on error."""
        try:
            with self.engine.connect() as conn:
                row = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
                return int(row[0]), int(row[1]), int(row[2])
        except Exception as exc:
            log.warning("WAL checkpoint failed: %s", exc)
            return None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.checkpoint()
