"""Receiving: webhook events become durable rows, many requests per commit.

The receiver hands each verified, decoded POST to ``Intake.submit`` and answers Meta only
when that returns, that is once the events are committed. One writer task drains everything
pending (up to ``max_events`` events), writes it in ONE transaction through the app's write
queue (``storage/writer.py``, ``intake_batch.write_batch_in``), commits, and only then
resolves the waiting requests. Under load, requests pile up while a commit is in flight and
share the next one (group commit), so a commit's cost (an fsync with SQLite's
``synchronous=FULL``) is paid once per group.

After the commit, outside the transaction and off the writer's path, a second task publishes
the changes on the live bus, runs ``container.on_commit`` hooks and fetches the profiles of new
contacts (``profiles.py``).

If a group fails, each request in it is retried alone, so one bad request cannot fail the
others; a request that still fails keeps its raw events with the error (``raw_only``), and only
when even that fails does the receiver answer 503 (Meta retries later).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from comptoir.bootstrap import Container
from comptoir.services.intake_batch import (
    BatchOutcome,
    PageEvents,
    write_batch_in,
    write_raw_only_in,
)
from comptoir.services.intake_effects import AfterCommit, Outstanding
from comptoir.services.page_directory import PageDirectory
from comptoir.services.profiles import ProfileResult

log = logging.getLogger(__name__)

__all__ = [
    "Intake",
    "IntakeError",
    "IntakeStats",
    "PageEvents",
    "forget_page",
    "install",
    "intake_of",
]

#: Most events written in one transaction.
MAX_EVENTS_PER_COMMIT = 5_000
#: Most event-loop turns the writer yields to gather a group (see ``Intake._gather``).
GATHER_TURNS = 12
#: Turns without a new request that end the gathering.
QUIET_TURNS = 4


class IntakeError(Exception):
    """Events could not be stored; the receiver answers 503 and Meta retries."""


@dataclass(slots=True)
class IntakeStats:
    """Counters since start: how well requests are grouped into commits."""

    requests: int = 0
    commits: int = 0
    events: int = 0
    #: Raw events that were new (the rest were duplicates).
    stored: int = 0


@dataclass(slots=True)
class _Pending:
    batches: Sequence[PageEvents]
    profiles: Sequence[ProfileResult]
    size: int
    done: asyncio.Future[None]


class Intake:
    """The intake worker (``start``/``aclose``) and its entry points."""

    def __init__(self, container: Container, *, max_events: int = MAX_EVENTS_PER_COMMIT) -> None:
        self.container = container
        self.pages = PageDirectory(container.engine, container.secrets)
        self.after_commit = AfterCommit(container, self.pages, self.store_profiles)
        self._max_events = max_events
        self._queue: asyncio.Queue[_Pending] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._work = Outstanding()
        self._closing = False
        self.stats = IntakeStats()

    # ---- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._closing = False
        self._writer = asyncio.create_task(self._run(), name="comptoir-intake-writer")
        await self.after_commit.start()

    async def aclose(self) -> None:
        """Stop taking requests, finish after-commit work (profile fetches store their
        answers through the writer), write what is queued, then stop."""
        self._closing = True
        if self._queue is not None and self._writer is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.after_commit.wait_idle(), timeout=10)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._work.wait(), timeout=10)
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            while not self._queue.empty():
                pending = self._queue.get_nowait()
                _fail(pending, IntakeError("Comptoir is shutting down"))
        await self.after_commit.aclose()
        self._writer = None
        self._queue = None

    # ---- entry points ------------------------------------------------------------------

    async def submit(self, batches: Sequence[PageEvents]) -> None:
        """Store the events of one request; returns once they are committed."""
        if self._closing:
            raise IntakeError("Comptoir is not accepting events right now")
        await self._enqueue(batches, ())

    async def store_profiles(self, profiles: Sequence[ProfileResult]) -> None:
        """Store fetched profiles in the writer's next transaction."""
        await self._enqueue((), profiles)

    async def _enqueue(
        self, batches: Sequence[PageEvents], profiles: Sequence[ProfileResult]
    ) -> None:
        if self._queue is None:
            raise IntakeError("Comptoir is not accepting events right now")
        size = sum(batch.size for batch in batches) + len(profiles)
        if size == 0:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._work.begin()
        done.add_done_callback(lambda _: self._work.end())
        self._queue.put_nowait(_Pending(batches, profiles, size, done))
        await done

    async def wait_idle(self) -> None:
        """Wait until nothing is queued, being written or being processed after commit
        (profile fetches feed the writer again, hence the loop)."""
        while True:
            await self._work.wait()
            await self.after_commit.wait_idle()
            if self._work.idle and self.after_commit.idle:
                return

    # ---- the writer --------------------------------------------------------------------

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            first = await self._queue.get()
            await self._gather(first.size)
            group = [first]
            size = first.size
            while size < self._max_events and not self._queue.empty():
                pending = self._queue.get_nowait()
                group.append(pending)
                size += pending.size
            await self._write_group(group)

    async def _gather(self, first_size: int) -> None:
        """Requests whose bytes have already arrived reach ``submit`` a few loop turns
        later: yield while they keep coming (``QUIET_TURNS`` quiet turns end it), so they share this
        commit instead of waiting for the next one."""
        assert self._queue is not None
        quiet = 0
        for _ in range(GATHER_TURNS):
            queued = self._queue.qsize()
            if quiet >= QUIET_TURNS or (queued + 1) * first_size >= self._max_events:
                return
            await asyncio.sleep(0)
            quiet = quiet + 1 if self._queue.qsize() == queued else 0

    async def _write_group(self, group: list[_Pending]) -> None:
        clock = self.container.clock
        batches = [batch for pending in group for batch in pending.batches]
        profiles = [profile for pending in group for profile in pending.profiles]
        try:
            outcome = await self.container.writes.run(
                lambda conn: write_batch_in(
                    conn, clock.now(), batches, profiles, self.container.secrets
                )
            )
        except Exception as exc:
            if len(group) == 1:
                await self._write_alone(group[0], exc)
                return
            log.warning("a group of %d webhook requests failed; retrying one by one", len(group))
            for pending in group:
                await self._write_group([pending])
            return
        self.stats.commits += 1
        self.stats.requests += len(group)
        self.stats.events += sum(pending.size for pending in group)
        self.stats.stored += outcome.stored
        for pending in group:
            _succeed(pending)
        self.after_commit.push(outcome)

    async def _write_alone(self, pending: _Pending, error: Exception) -> None:
        """The request failed on its own: keep its raw events, marked with the error."""
        clock = self.container.clock
        batches = list(pending.batches)
        try:
            await self.container.writes.run(
                lambda conn: write_raw_only_in(conn, clock.now(), batches, error)
            )
        except Exception as exc:
            log.exception("webhook events could not be stored")
            _fail(pending, IntakeError(f"events could not be stored ({type(exc).__name__})"))
            return
        log.error("webhook events kept raw only: processing them failed", exc_info=error)
        _succeed(pending)
        self.after_commit.push(BatchOutcome())


def _succeed(pending: _Pending) -> None:
    if not pending.done.done():
        pending.done.set_result(None)


def _fail(pending: _Pending, error: Exception) -> None:
    if not pending.done.done():
        pending.done.set_exception(error)
        # The waiting request may be gone (client disconnected): mark it retrieved.
        pending.done.exception()


def install(container: Container) -> None:
    """Bootstrap installer: add the intake worker to the container."""
    container.workers.append(Intake(container))


def intake_of(container: Container) -> Intake:
    """The container's intake worker (``install`` must have run)."""
    for worker in container.workers:
        if isinstance(worker, Intake):
            return worker
    raise LookupError("the intake worker is not installed (bootstrap.INSTALLERS)")


def forget_page(container: Container, page_id: str | None = None) -> None:
    """Call after connecting or updating a Page, so the receiver reloads its secrets."""
    for worker in container.workers:
        if isinstance(worker, Intake):
            worker.pages.forget(page_id)
