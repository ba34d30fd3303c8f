"""Durable state: with ``--data-dir``, the emulator's world lives in SQLite too.

What is kept: Pages (with their app, token and callback), people, thread items, notification
tokens, opt-in requests, uploads and private-reply rights, each as one JSON row keyed by its
id in a single ``entities`` table (WAL journal). The logs (Send API calls, webhook
deliveries) are not kept: they describe one run.

Writes are behind the state: ``start`` runs a loop that every ``interval`` seconds (200 ms)
serialises each entity, compares it with what was last written and writes only the changed
ones, in a worker thread so the event loop never waits on the disk; ``aclose`` writes the last
changes. Comparing serialisations means any change is seen, whoever made it, without the
rest of the emulator having to report what it touched. ``load`` fills a fresh state at start.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from comptoir.emulator.state import (
    EmulatorState,
    NotificationToken,
    OptInRequest,
    Page,
    Person,
    PrivateReplyRight,
    ThreadItem,
    Upload,
)

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    data BLOB NOT NULL,
    PRIMARY KEY (kind, key)
)
"""

Key = tuple[str, str]
_ENCODER = msgspec.json.Encoder()


class Persistence:
    """SQLite storage of the durable parts of the emulator's state."""

    def __init__(self, path: Path, *, interval: float = 0.2) -> None:
        self.path = path
        self.interval = interval
        self._connection: sqlite3.Connection | None = None
        #: What the database holds now: (kind, key) -> serialised entity.
        self._written: dict[Key, bytes] = {}
        self._seq = 0
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    # ---- connection --------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(_SCHEMA)
            connection.commit()
            self._connection = connection
        return self._connection

    # ---- load --------------------------------------------------------------------------

    def load(self, state: EmulatorState) -> None:
        """Fill ``state`` from the database (called once, before serving)."""
        connection = self._connect()
        rows = connection.execute("SELECT kind, key, seq, data FROM entities ORDER BY seq, rowid")
        items: list[ThreadItem] = []
        for kind, key, seq, data in rows:
            entity = self._decode(kind, key, data)
            if entity is None:
                continue
            self._written[(kind, key)] = bytes(data)
            self._seq = max(self._seq, seq)
            if isinstance(entity, Page):
                state.add_page(entity)
            elif isinstance(entity, Person):
                state.add_person(entity)
            elif isinstance(entity, ThreadItem):
                items.append(entity)
            elif isinstance(entity, NotificationToken):
                state.tokens[entity.token] = entity
            elif isinstance(entity, OptInRequest):
                state.optin_requests[entity.mid] = entity
            elif isinstance(entity, Upload):
                state.uploads[entity.attachment_id] = entity
            elif isinstance(entity, PrivateReplyRight):
                state.private_replies[entity.object_id] = entity
        for item in items:
            state.add_item(item)
        _continue_counter(state)
        logger.info(
            "emulator state loaded from %s: %d Pages, %d people, %d messages",
            self.path,
            len(state.pages),
            len(state.people),
            len(items),
        )

    @staticmethod
    def _decode(kind: str, key: str, data: bytes) -> object | None:
        cls = _KINDS.get(kind)
        if cls is None:
            logger.warning("emulator database: skipping a row of unknown kind %r", kind)
            return None
        try:
            entity: object = msgspec.json.decode(data, type=cls)
        except msgspec.DecodeError as exc:
            logger.warning("emulator database: skipping unreadable %s %r (%s)", kind, key, exc)
            return None
        return entity

    # ---- write-behind ------------------------------------------------------------------

    async def start(self, state: EmulatorState) -> None:
        """Begin writing changes every ``interval`` seconds."""
        self._connect()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(state))

    async def _run(self, state: EmulatorState) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.flush(state)
            except (sqlite3.Error, OSError) as exc:
                logger.error("emulator database: could not write changes (%s)", exc)

    async def flush(self, state: EmulatorState) -> int:
        """Write what changed since the last flush; returns the number of rows touched."""
        async with self._lock:
            upserts, deletes = self._changes(state)
            if not upserts and not deletes:
                return 0
            await asyncio.to_thread(self._write, upserts, deletes)
            for kind, key, _, data in upserts:
                self._written[(kind, key)] = data
            for key_pair in deletes:
                self._written.pop(key_pair, None)
            return len(upserts) + len(deletes)

    def _changes(self, state: EmulatorState) -> tuple[list[tuple[str, str, int, bytes]], list[Key]]:
        upserts: list[tuple[str, str, int, bytes]] = []
        seen: set[Key] = set()
        for kind, key, entity in _entities(state):
            pair = (kind, key)
            seen.add(pair)
            data = _ENCODER.encode(entity)
            if self._written.get(pair) != data:
                if pair not in self._written:
                    self._seq += 1
                upserts.append((kind, key, self._seq, data))
        deletes = [pair for pair in self._written if pair not in seen]
        return upserts, deletes

    def _write(self, upserts: list[tuple[str, str, int, bytes]], deletes: list[Key]) -> None:
        connection = self._connect()
        with connection:
            connection.executemany(
                "INSERT INTO entities (kind, key, seq, data) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (kind, key) DO UPDATE SET data = excluded.data",
                upserts,
            )
            connection.executemany("DELETE FROM entities WHERE kind = ? AND key = ?", deletes)

    async def clear(self) -> None:
        """Forget everything (``POST /_emulator/reset``)."""
        async with self._lock:
            await asyncio.to_thread(self._clear)
            self._written.clear()

    def _clear(self) -> None:
        connection = self._connect()
        with connection:
            connection.execute("DELETE FROM entities")

    async def aclose(self, state: EmulatorState) -> None:
        """Write the last changes and close the database."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.flush(state)
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _continue_counter(state: EmulatorState) -> None:
    """Make ``new_numeric_id`` continue after the loaded ids instead of reusing them.

    Counter-made ids (uploads, utility templates) end with the counter on ten digits.
    """
    ids = [*state.uploads]
    for page in state.pages.values():
        ids.extend(str(t.get("id", "")) for t in page.templates.values() if isinstance(t, dict))
    used = [int(i[-10:]) for i in ids if i.isdigit() and len(i) > 10]
    if used:
        state._ids = itertools.count(max(used) + 1)


_KINDS: dict[str, type[Any]] = {
    "page": Page,
    "person": Person,
    "item": ThreadItem,
    "token": NotificationToken,
    "optin_request": OptInRequest,
    "upload": Upload,
    "private_reply": PrivateReplyRight,
}


def _entities(state: EmulatorState) -> Iterator[tuple[str, str, object]]:
    """Every durable entity as (kind, key, entity); thread items in thread order."""
    for page in state.pages.values():
        yield "page", page.page_id, page
    for (page_id, psid), person in state.people.items():
        yield "person", f"{page_id}:{psid}", person
    for items in state.threads.values():
        for item in items:
            yield "item", item.mid, item
    for token in state.tokens.values():
        yield "token", token.token, token
    for request in state.optin_requests.values():
        yield "optin_request", request.mid, request
    for upload in state.uploads.values():
        yield "upload", upload.attachment_id, upload
    for right in state.private_replies.values():
        yield "private_reply", right.object_id, right
