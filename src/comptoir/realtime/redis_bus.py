"""The live-update bus across processes, through Redis (``COMPTOIR_REDIS_URL``).

Every event is appended to one Redis stream by a small Lua script that also takes its id from
a shared counter (``INCR``), so ids are integers that increase across all processes, and the
stream entry's id is ``<id>-0``. Each process runs one reader (``XREAD BLOCK`` from the last
entry it saw) that fans events out to its local subscribers (the inbox's event streams). A
subscriber that resumes (``since``) gets the missed events with ``XRANGE`` first; the stream
keeps the last ``history`` entries (``MAXLEN ~``).

A stream rather than plain pub/sub: delivery and replay share one ordered log and one id
space, so nothing falls between "replayed" and "live", and a process that was briefly cut
from Redis catches up from its last id instead of losing what was published meanwhile.

In-process listeners (``listen``: the automation worker) are called only for events this
process published, as with ``MemoryBus``: one reaction per event, whatever the process count.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from comptoir.realtime.bus import LiveEvent

log = logging.getLogger(__name__)

_PUBLISH = """
local id = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], id .. '-0',
           'ws', ARGV[2], 'type', ARGV[3], 'data', ARGV[4])
return id
"""


def type_name(exc: BaseException) -> str:
    return type(exc).__name__


def _entry_id(entry_id: Any) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
    return int(text.split("-")[0])


def _event(entry_id: Any, fields: dict[Any, Any]) -> LiveEvent:
    def field(name: str) -> str:
        value = fields.get(name.encode(), fields.get(name, b""))
        return value.decode() if isinstance(value, bytes) else str(value)

    return LiveEvent(
        _entry_id(entry_id), int(field("ws")), field("type"), json.loads(field("data") or "{}")
    )


class RedisBus:
    def __init__(
        self, url: str, *, prefix: str = "comptoir", history: int = 10_000, block_ms: int = 1000
    ) -> None:
        # redis-py's annotations for stream replies are too loose to check; typed at use.
        self._redis: Any = aioredis.Redis.from_url(url)
        self._stream = f"{prefix}:events"
        self._counter = f"{prefix}:events:id"
        self._history = history
        self._block_ms = block_ms
        self._script = self._redis.register_script(_PUBLISH)
        self._queues: set[asyncio.Queue[LiveEvent]] = set()
        self._listeners: list[Callable[[LiveEvent], None]] = []
        self._reader: asyncio.Task[None] | None = None
        self._position = "0-0"
        self._start_lock = asyncio.Lock()

    async def publish(self, workspace_id: int, type: str, data: dict[str, Any]) -> None:
        """Append the event to the stream. The change behind it is already committed, so a
        Redis failure is logged, not raised: agents' pages catch up when they reload."""
        payload = json.dumps(data, separators=(",", ":"), default=str)
        try:
            new_id = int(
                await self._script(
                    keys=[self._stream, self._counter],
                    args=[self._history, workspace_id, type, payload],
                )
            )
        except RedisError as exc:
            log.error("live updates: could not publish %s to Redis (%s)", type, type_name(exc))
            new_id = 0
        event = LiveEvent(new_id, workspace_id, type, data)
        for listener in self._listeners:
            listener(event)

    def listen(self, listener: Callable[[LiveEvent], None]) -> None:
        self._listeners.append(listener)

    async def last_id(self) -> int:
        return int(await self._redis.get(self._counter) or 0)

    async def can_replay(self, since: int) -> bool:
        last = int(await self._redis.get(self._counter) or 0)
        first_entries = await self._redis.xrange(self._stream, count=1)
        first = _entry_id(first_entries[0][0]) if first_entries else last + 1
        return first - 1 <= since <= last

    async def _ensure_reader(self) -> None:
        async with self._start_lock:
            if self._reader is not None and not self._reader.done():
                return
            latest = await self._redis.xrevrange(self._stream, count=1)
            self._position = latest[0][0].decode() if latest else "0-0"
            self._reader = asyncio.create_task(self._read(), name="comptoir-redis-bus")

    async def _read(self) -> None:
        while True:
            try:
                answer = await self._redis.xread(
                    {self._stream: self._position}, block=self._block_ms, count=500
                )
            except RedisError as exc:
                log.warning("live updates: Redis read failed (%s); retrying", type_name(exc))
                await asyncio.sleep(1)
                continue
            for _stream, entries in answer or []:
                for entry_id, fields in entries:
                    self._position = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                    event = _event(entry_id, fields)
                    for queue in list(self._queues):
                        if queue.full():
                            queue.get_nowait()
                        queue.put_nowait(event)

    async def subscribe(
        self, workspace_id: int, since: int | None = None
    ) -> AsyncIterator[LiveEvent]:
        queue: asyncio.Queue[LiveEvent] = asyncio.Queue(maxsize=1000)
        self._queues.add(queue)
        try:
            await self._ensure_reader()
            last = since
            if since is not None:
                entries = await self._redis.xrange(
                    self._stream, min=f"{since + 1}-0", max="+", count=self._history
                )
                for entry_id, fields in entries:
                    event = _event(entry_id, fields)
                    last = event.id
                    if event.workspace_id == workspace_id:
                        yield event
            while True:
                event = await queue.get()
                if event.workspace_id == workspace_id and (last is None or event.id > last):
                    yield event
        finally:
            self._queues.discard(queue)

    async def aclose(self) -> None:
        self._queues.clear()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        await self._redis.aclose()
