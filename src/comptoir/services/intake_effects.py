"""What happens after an intake commit, outside the transaction: live events on the bus,
``container.on_commit`` hooks, and profile fetches for new contacts (whose answers go back
to the intake writer to be stored).

Outcomes are processed one at a time, in commit order, by one task, so the bus sees changes
in the order they were stored; profile fetches run beside it, a few at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from comptoir.bootstrap import Container
from comptoir.services.intake_batch import BatchOutcome
from comptoir.services.page_directory import PageDirectory
from comptoir.services.profiles import ProfileResult, fetch_profile
from comptoir.storage.contacts import ProfileTarget

log = logging.getLogger(__name__)

#: Profile fetches in flight at once.
PROFILE_CONCURRENCY = 4


class Outstanding:
    """Counts work in progress; ``wait`` returns when none is left."""

    __slots__ = ("_count", "_idle")

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def begin(self) -> None:
        self._count += 1
        self._idle.clear()

    def end(self) -> None:
        self._count -= 1
        if self._count <= 0:
            self._count = 0
            self._idle.set()

    @property
    def idle(self) -> bool:
        return self._idle.is_set()

    async def wait(self) -> None:
        await self._idle.wait()


StoreProfiles = Callable[[Sequence[ProfileResult]], Awaitable[None]]


class AfterCommit:
    def __init__(
        self, container: Container, pages: PageDirectory, store_profiles: StoreProfiles
    ) -> None:
        self._container = container
        self._pages = pages
        self._store_profiles = store_profiles
        self._queue: asyncio.Queue[BatchOutcome] | None = None
        self._task: asyncio.Task[None] | None = None
        self._work = Outstanding()
        self._fetches: set[asyncio.Task[None]] = set()
        self._slots: asyncio.Semaphore | None = None

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._slots = asyncio.Semaphore(PROFILE_CONCURRENCY)
        self._task = asyncio.create_task(self._run(), name="comptoir-intake-after-commit")

    async def aclose(self) -> None:
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wait_idle(), timeout=10)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for fetch in list(self._fetches):
            fetch.cancel()
        if self._fetches:
            await asyncio.gather(*self._fetches, return_exceptions=True)
        self._queue = None

    def push(self, outcome: BatchOutcome) -> None:
        if self._queue is not None and not outcome.empty:
            self._work.begin()
            self._queue.put_nowait(outcome)

    async def wait_idle(self) -> None:
        """Wait until every pushed outcome is processed and no profile fetch is running."""
        await self._work.wait()

    @property
    def idle(self) -> bool:
        return self._work.idle

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            outcome = await self._queue.get()
            try:
                await self._process(outcome)
            except Exception:
                log.exception("after-commit processing of webhook events failed")
            finally:
                self._work.end()

    async def _process(self, outcome: BatchOutcome) -> None:
        bus = self._container.bus
        for workspace_id, kind, data in outcome.live:
            await bus.publish(workspace_id, kind, data)
        if outcome.messages_changed:
            for hook in list(self._container.on_commit):
                try:
                    await hook()
                except Exception:
                    log.exception("an on-commit hook failed after an intake commit")
        if outcome.stops:
            from comptoir.services.consent import confirm_stops

            await confirm_stops(self._container, outcome.stops)
        for target in outcome.new_contacts:
            self._spawn_fetch(target)

    def _spawn_fetch(self, target: ProfileTarget) -> None:
        task = asyncio.create_task(self._fetch(target), name=f"comptoir-profile-{target.psid}")
        self._fetches.add(task)
        self._work.begin()
        task.add_done_callback(self._fetch_done)

    def _fetch_done(self, task: asyncio.Task[None]) -> None:
        self._fetches.discard(task)
        self._work.end()

    async def _fetch(self, target: ProfileTarget) -> None:
        assert self._slots is not None
        async with self._slots:
            try:
                result = await fetch_profile(self._container, self._pages, target)
                if result is not None:
                    await self._store_profiles([result])
            except Exception:
                log.exception("fetching a contact's profile failed (contact %d)", target.contact_id)
