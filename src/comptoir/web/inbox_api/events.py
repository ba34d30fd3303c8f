"""``GET /inbox/api/events``: the workspace's live events as server-sent events.

Each event has an ``id:`` line (the bus's increasing id), an ``event:`` line (its type) and
one ``data:`` line (JSON, never message text). A client resumes with ``Last-Event-ID`` (what
``EventSource`` sends by itself on reconnect) or ``?since=``: what it missed is replayed
first. When that is no longer in the bus's history the first event is ``reset``. A fresh
stream (or one after ``reset``) first sends ``ready`` with the bus's current id, so a client
cut off before any real event still has a point to resume from. A comment
line every ``KEEPALIVE`` seconds keeps proxies from closing an idle stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from comptoir.bootstrap import Container
from comptoir.realtime.bus import LiveEvent
from comptoir.web.inbox_api.session import SignedIn

KEEPALIVE = 15.0
MAX_ID = 2**63 - 1


def format_event(event: LiveEvent) -> str:
    data = json.dumps(event.data, separators=(",", ":"), default=str)
    return f"id: {event.id}\nevent: {event.type}\ndata: {data}\n\n"


def _resume_point(last_event_id: str | None, since: int | None) -> int | None:
    if last_event_id is not None and last_event_id.strip().isdigit():
        value = int(last_event_id.strip())
        if value <= MAX_ID:
            return value
    return since


def events_router(container: Container) -> APIRouter:
    router = APIRouter()

    @router.get("/events")
    async def events(
        agent: SignedIn,
        since: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
        last_event_id: Annotated[str | None, Header(max_length=40)] = None,
    ) -> StreamingResponse:
        workspace_id = agent.workspace_id
        start = _resume_point(last_event_id, since)
        bus = container.bus

        async def stream() -> AsyncIterator[str]:
            yield "retry: 3000\n\n"
            resume = start
            if resume is not None and not await bus.can_replay(resume):
                yield "event: reset\ndata: {}\n\n"
                resume = None
            if resume is None:
                # A fresh stream starts at the bus's current position, with an id the client
                # can resume from even if the connection drops before the first real event.
                resume = await bus.last_id()
                yield f"id: {resume}\nevent: ready\ndata: {{}}\n\n"
            iterator = bus.subscribe(workspace_id, since=resume).__aiter__()
            pending: asyncio.Task[LiveEvent] | None = None
            try:
                while True:
                    if pending is None:
                        pending = asyncio.ensure_future(iterator.__anext__())
                    done, _ = await asyncio.wait({pending}, timeout=KEEPALIVE)
                    if not done:
                        yield ": keepalive\n\n"
                        continue
                    event = pending.result()
                    pending = None
                    yield format_event(event)
            finally:
                if pending is not None:
                    pending.cancel()
                    with contextlib.suppress(BaseException):
                        await pending
                closer = getattr(iterator, "aclose", None)
                if closer is not None:
                    await closer()

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return router
