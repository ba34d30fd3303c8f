"""Durable state: with ``--data-dir``, the emulator's world lives in SQLite too.

What is kept: Pages (with their app, token and callback), people, thread items, notification
tokens, opt-in requests, uploads and private-reply rights, each as one JSON row keyed by its
id in a single ``entities`` table (WAL journal). The logs (Send API calls, webhook
deliveries) are not kept: they describe one run.

Writes are behind the state: ``start`` runs a loop that every ``interval`` seconds (200 ms)
serialises each entity, compares it with what was last written and writes only the changed
ones, in a worker thread so the event loop never waits on the disk; ``aclose`` writes the last
changes. Comparing serialisations means any change is seen, whoever made it, without the
rest of the emulator having to report what it touched; thread items, the bulk of the state,
are compared on the fields that change after they are sent (text, delivered, read,
reactions), and a large world is scanned less often (at most a sixth of the time).
``load`` fills a fresh state at start.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
import time
from collections.abc import Hashable, Iterable, Iterator
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
        #: What the database holds now: (kind, key) -> mark (see ``_mark``).
        self._marks: dict[str, dict[str, Hashable]] = {}
        self._pending_marks: dict[str, dict[str, Hashable]] = {}
        self.last_scan_seconds = 0.0
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
            self._marks.setdefault(kind, {})[key] = _mark(kind, entity)
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
            # A large world takes longer to scan: wait at least 5 scans' time, so the scan
            # never takes more than a sixth of the loop.
            await asyncio.sleep(max(self.interval, 5 * self.last_scan_seconds))
            try:
                await self.flush(state)
            except (sqlite3.Error, OSError) as exc:
                logger.error("emulator database: could not write changes (%s)", exc)

    async def flush(self, state: EmulatorState) -> int:
        """Write what changed since the last flush; returns the number of rows touched."""
        async with self._lock:
            started = time.perf_counter()
            upserts, deletes = self._changes(state)
            self.last_scan_seconds = time.perf_counter() - started
            if not upserts and not deletes:
                return 0
            try:
                await asyncio.to_thread(self._write, upserts, deletes)
            finally:
                pending, self._pending_marks = self._pending_marks, {}
            for kind, marks in pending.items():
                self._marks.setdefault(kind, {}).update(marks)
            for kind, key in deletes:
                self._marks.get(kind, {}).pop(key, None)
            return len(upserts) + len(deletes)

    def _changes(self, state: EmulatorState) -> tuple[list[tuple[str, str, int, bytes]], list[Key]]:
        upserts: list[tuple[str, str, int, bytes]] = []
        deletes: list[Key] = []
        for kind, entities in _groups(state):
            marks = self._marks.setdefault(kind, {})
            pending = self._pending_marks.setdefault(kind, {})
            scanned = new = 0
            for key, entity in entities:
                scanned += 1
                mark = _mark(kind, entity)
                if marks.get(key) != mark:
                    if key not in marks:
                        new += 1
                        self._seq += 1
                    data = mark if isinstance(mark, bytes) else _ENCODER.encode(entity)
                    upserts.append((kind, key, self._seq, data))
                    pending[key] = mark
            if scanned != len(marks) + new:
                # Something was removed from the state: find what (rare, so a second pass).
                present = {key for key, _ in _groups_of(state, kind)}
                deletes.extend((kind, key) for key in marks if key not in present)
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
            self._marks.clear()

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


def _mark(kind: str, entity: object) -> Hashable:
    """What tells whether an entity changed since it was written.

    Thread items are many and change little (an edit, a reaction, delivered, read), so their
    mark is those fields; every other entity's mark is its serialisation.
    """
    if kind == "item":
        assert isinstance(entity, ThreadItem)
        reactions = tuple(entity.reactions.items()) if entity.reactions else ()
        return (entity.text, entity.delivered, entity.read, reactions)
    return _ENCODER.encode(entity)


def _groups(state: EmulatorState) -> Iterator[tuple[str, Iterable[tuple[str, object]]]]:
    """Every durable entity, by kind, as (key, entity); thread items in thread order."""
    for kind in _KINDS:
        yield kind, _groups_of(state, kind)


def _groups_of(state: EmulatorState, kind: str) -> Iterator[tuple[str, object]]:
    if kind == "page":
        yield from state.pages.items()
    elif kind == "person":
        for (page_id, psid), person in state.people.items():
            yield f"{page_id}:{psid}", person
    elif kind == "item":
        for items in state.threads.values():
            for item in items:
                yield item.mid, item
    elif kind == "token":
        yield from state.tokens.items()
    elif kind == "optin_request":
        yield from state.optin_requests.items()
    elif kind == "upload":
        yield from state.uploads.items()
    elif kind == "private_reply":
        yield from state.private_replies.items()
