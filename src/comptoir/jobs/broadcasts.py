"""The broadcast worker: moves every sending (or due scheduled) broadcast on, batch by batch.

Installed by ``install`` (``bootstrap.INSTALLERS``). Each round it takes the due broadcasts
and, for each, writes the next batch (``services.broadcasts.step``: recipients, messages and
outbox rows in one transaction), as long as fewer than ``window`` bulk messages of that Page
wait in the outbox. The relay sends them through the Page's rate limiter at bulk priority,
so live replies go first and the broadcast's pace is the limiter's. Then it wakes the relay
and goes on; with nothing to do it sleeps ``poll_interval`` (or until woken by a start or a
resume). Everything it knows is in the database, so a restarted worker goes on where the
last committed batch stopped.

``run_once`` does one round inline: tests drive the worker with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from comptoir.bootstrap import Container
from comptoir.services import broadcasts as service
from comptoir.storage import broadcasts as store
from comptoir.threads import run_sync

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BroadcastConfig:
    poll_interval: float = 0.5
    #: Contacts decided per transaction, at most.
    batch: int = 500
    #: Bulk messages of one Page waiting in the outbox, at most (about two seconds at 300/s).
    window: int = 600


class BroadcastWorker:
    def __init__(self, container: Container, config: BroadcastConfig | None = None) -> None:
        self.container = container
        self.config = config or BroadcastConfig()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(self._loop(), name="broadcast-worker")

    async def aclose(self) -> None:
        """Stop; a batch being written finishes (or rolls back) in its thread first."""
        if self._task is None:
            return
        self._stopping.set()
        self._wake.set()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        self._task = None

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                busy = await self.run_once()
            except Exception:
                log.exception("broadcast worker: a round failed; trying again shortly")
                busy = 0
            if busy:
                await asyncio.sleep(0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.config.poll_interval)

    async def run_once(self) -> int:
        """One round over the due broadcasts; returns how many messages it queued."""
        container = self.container
        now = container.clock.now()

        def due() -> list[int]:
            with container.engine.connect() as conn:
                return [row.id for row in store.due_broadcasts(conn, now)]

        queued = 0
        for broadcast_id in await run_sync(due):
            if self._stopping.is_set():
                break
            result = await service.run_step(
                container, broadcast_id, batch=self.config.batch, window=self.config.window
            )
            queued += result.queued
            if result.finished:
                log.info("broadcast %s: done", broadcast_id)
        if queued:
            await _after_commit(container)
        return queued


async def _after_commit(container: Container) -> None:
    for callback in list(container.on_commit):
        try:
            await callback()
        except Exception:
            log.exception("an after-commit callback failed")


def install(container: Container) -> None:
    container.workers.append(BroadcastWorker(container))


def worker_of(container: Container) -> BroadcastWorker | None:
    for worker in container.workers:
        if isinstance(worker, BroadcastWorker):
            return worker
    return None


__all__ = ["BroadcastConfig", "BroadcastWorker", "install", "worker_of"]
