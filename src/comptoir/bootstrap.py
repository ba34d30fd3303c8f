"""The one place that picks implementations and wires Comptoir together.

``build_container`` makes the engine (SQLite or PostgreSQL), the secret box, the HTTP client
to Meta's Graph API (or the emulator), the live-update bus (memory or Redis) and the
background workers; ``create_app`` in ``web/app.py`` serves it. Nothing connects at import
time anywhere else.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

import httpx
from sqlalchemy.engine import Engine

from comptoir.crypto import SecretBox
from comptoir.domain.clock import Clock, SystemClock
from comptoir.http_transport import AiohttpTransport
from comptoir.realtime.bus import EventBus, MemoryBus
from comptoir.settings import Settings, ensure_secret_key
from comptoir.storage.engine import create_engine, upgrade
from comptoir.storage.writer import Checkpointer, WriteQueue

log = logging.getLogger(__name__)

#: "module:function" of functions ``(container) -> None`` that add workers (intake writer,
#: event processor, outbox relay, outgoing webhooks...) to a new container, in this order.
INSTALLERS: list[str] = [
    "comptoir.services.intake:install",
    "comptoir.jobs.relay:install",
    "comptoir.jobs.broadcasts:install",
    "comptoir.jobs.outgoing_webhooks:install",
    "comptoir.services.automation:install",
]


class Worker(Protocol):
    """A background job started with the app and stopped with it."""

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...


@dataclass
class Container:
    settings: Settings
    engine: Engine
    secrets: SecretBox
    clock: Clock
    #: HTTP client for Meta's Graph API (keep-alive); tests give it an ASGI transport.
    graph_http: httpx.AsyncClient
    bus: EventBus
    #: The busy write paths (intake, sending, relay, automation) commit through it, grouped.
    writes: WriteQueue
    #: SQLite: WAL checkpoints in the background (no-op on PostgreSQL).
    checkpointer: Checkpointer
    workers: list[Worker] = field(default_factory=list)
    #: Called after each commit that created or changed messages (set by services).
    on_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def start(self) -> None:
        await self.writes.start()
        await self.checkpointer.start()
        for worker in self.workers:
            await worker.start()

    async def aclose(self) -> None:
        for worker in reversed(self.workers):
            await worker.aclose()
        await self.writes.aclose()
        await self.checkpointer.aclose()
        await self.graph_http.aclose()
        await self.bus.aclose()
        self.engine.dispose()


def build_container(
    settings: Settings,
    *,
    clock: Clock | None = None,
    graph_transport: httpx.AsyncBaseTransport | None = None,
    migrate: bool = True,
) -> Container:
    settings = ensure_secret_key(settings)
    engine = create_engine(settings.database_url, wal_autocheckpoint=0)
    if migrate:
        upgrade(engine)
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=50)
    graph_http = httpx.AsyncClient(
        base_url=settings.graph_url,
        transport=graph_transport or AiohttpTransport(limits=limits),
        timeout=httpx.Timeout(20.0, connect=5.0),
        limits=limits,
    )
    bus: EventBus = MemoryBus()
    if settings.redis_url:
        from comptoir.realtime.redis_bus import RedisBus

        bus = RedisBus(settings.redis_url, prefix=settings.redis_prefix)
    container = Container(
        settings=settings,
        engine=engine,
        secrets=SecretBox(settings.secret_key),
        clock=clock or SystemClock(),
        graph_http=graph_http,
        bus=bus,
        writes=WriteQueue(engine),
        checkpointer=Checkpointer(engine),
    )
    for target in INSTALLERS:
        module_name, attribute = target.split(":")
        getattr(importlib.import_module(module_name), attribute)(container)
    return container
