"""The live-update bus: services publish after commit, the inbox subscribes.

``MemoryBus`` serves one process. Every event gets an increasing id so a client that
reconnects can ask for what it missed (``since``); the bus keeps the last ``history`` events.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class LiveEvent:
    id: int
    workspace_id: int
    type: str
    data: dict[str, Any] = field(default_factory=dict)


class EventBus(Protocol):
    async def publish(self, workspace_id: int, type: str, data: dict[str, Any]) -> None: ...

    def subscribe(
        self, workspace_id: int, since: int | None = None
    ) -> AsyncIterator[LiveEvent]: ...

    async def last_id(self) -> int:
        """The id of the newest event published so far (0 before the first)."""
        ...

    async def can_replay(self, since: int) -> bool:
        """Whether every event after ``since`` is still in the history (a client that was
        away longer, or that comes from before a restart, must reload instead)."""
        ...

    def listen(self, listener: Callable[[LiveEvent], None]) -> None:
        """Call ``listener`` (in-process, synchronously, must not block) for every event
        published, all workspaces; used by services that react to committed changes."""
        ...

    async def aclose(self) -> None: ...


class MemoryBus:
    """In-process fan-out with a bounded replay history."""

    def __init__(self, history: int = 10_000) -> None:
        self._ids = itertools.count(1)
        self._history: deque[LiveEvent] = deque(maxlen=history)
        self._queues: set[asyncio.Queue[LiveEvent]] = set()
        self._listeners: list[Callable[[LiveEvent], None]] = []

    async def publish(self, workspace_id: int, type: str, data: dict[str, Any]) -> None:
        event = LiveEvent(next(self._ids), workspace_id, type, data)
        self._history.append(event)
        for queue in list(self._queues):
            if queue.full():  # a stalled subscriber loses its oldest event, never blocks us
                queue.get_nowait()
            queue.put_nowait(event)
        for listener in self._listeners:
            listener(event)

    def listen(self, listener: Callable[[LiveEvent], None]) -> None:
        self._listeners.append(listener)

    async def last_id(self) -> int:
        return self._history[-1].id if self._history else 0

    async def can_replay(self, since: int) -> bool:
        last = self._history[-1].id if self._history else 0
        first = self._history[0].id if self._history else last + 1
        return first - 1 <= since <= last

    async def subscribe(
        self, workspace_id: int, since: int | None = None
    ) -> AsyncIterator[LiveEvent]:
        queue: asyncio.Queue[LiveEvent] = asyncio.Queue(maxsize=1000)
        self._queues.add(queue)
        try:
            if since is not None:
                for event in list(self._history):
                    if event.id > since and event.workspace_id == workspace_id:
                        yield event
            while True:
                event = await queue.get()
                if event.workspace_id == workspace_id and (since is None or event.id > since):
                    yield event
        finally:
            self._queues.discard(queue)

    def recent(self, workspace_id: int, since: int = 0) -> list[LiveEvent]:
        return [e for e in self._history if e.workspace_id == workspace_id and e.id > since]

    async def aclose(self) -> None:
        self._queues.clear()
