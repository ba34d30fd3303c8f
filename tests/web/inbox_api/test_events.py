"""The live event stream (server-sent events) over a real HTTP server: events carry ids, a
client that reconnects with Last-Event-ID or ?since= gets what it missed, and a workspace
never sees another's events."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio
import httpx
import pytest
import uvicorn

from comptoir.web.app import create_app
from tests.support.servers import free_port
from tests.web.inbox_api.conftest import PASSWORD, Desk, Person

pytestmark = pytest.mark.anyio


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve without running the app's lifespan (the test owns the container)."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@asynccontextmanager
async def agent(base_url: str, person: Person) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        answer = await client.post(
            "/inbox/api/sign-in", json={"email": person.email, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        yield client


async def read_events(
    client: httpx.AsyncClient,
    count: int,
    headers: dict[str, str] | None = None,
    until: str | None = None,
    ready: bool = False,
    **params: Any,
) -> list[dict[str, Any]]:
    """Open the stream, read ``count`` events (or up to one named ``until``), close it.
    ``ready`` (the stream's opening position) counts only when asked for."""
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    with anyio.fail_after(10):
        async with client.stream(
            "GET", "/inbox/api/events", params=params, headers=headers
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            async for line in response.aiter_lines():
                if line.startswith("id: "):
                    current["id"] = int(line[4:])
                elif line.startswith("event: "):
                    current["event"] = line[7:]
                elif line.startswith("data: "):
                    current["data"] = json.loads(line[6:])
                elif line == "" and "event" in current:
                    if current["event"] != "ready" or ready:
                        events.append(current)
                    current = {}
                    if events and (len(events) == count or events[-1]["event"] == until):
                        break
    return events


async def test_events_arrive_live_and_resume_after_a_reconnect(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    gus = desk.person("Gus", "gus@example.com", workspace_id=desk.other)
    ours = desk.rows.thread(desk.shop, desk.shop_page)[1]
    theirs = desk.rows.thread(desk.other, desk.other_page)[1]
    with serving(create_app(desk.container)) as base_url:
        async with agent(base_url, nadia) as client, agent(base_url, gus) as other:
            async with anyio.create_task_group() as group:
                received: list[dict[str, Any]] = []

                async def listen() -> None:
                    received.extend(await read_events(client, 1))

                group.start_soon(listen)
                # The stream is subscribed once the server answers; retry the change until
                # the listener has it (each change is a new event).
                with anyio.fail_after(10):
                    while not received:
                        await other.patch(
                            f"/inbox/api/conversations/{theirs}", json={"status": "pending"}
                        )
                        await client.patch(
                            f"/inbox/api/conversations/{ours}", json={"status": "pending"}
                        )
                        await anyio.sleep(0.05)
            (first,) = received
            assert first["event"] == "conversation.updated"
            assert first["data"]["conversation_id"] == ours  # never the other workspace's

            # Away: three more changes happen while no stream is open.
            for status in ("open", "resolved"):
                await client.patch(f"/inbox/api/conversations/{ours}", json={"status": status})
            await client.post(f"/inbox/api/conversations/{ours}/notes", json={"text": "vu"})
            await other.patch(f"/inbox/api/conversations/{theirs}", json={"status": "open"})

            resumed = await read_events(
                client, 100, headers={"Last-Event-ID": str(first["id"])}, until="note.created"
            )
            assert resumed[-1]["event"] == "note.created"
            ids = [e["id"] for e in resumed]
            assert ids == sorted(ids)
            assert ids[0] > first["id"]
            assert all(e["data"]["conversation_id"] == ours for e in resumed)
            statuses = [e["data"].get("status") for e in resumed[:-1]]
            assert statuses[-2:] == ["open", "resolved"]

            since = await read_events(client, 1, since=ids[-2])
            assert since[0]["id"] == ids[-1]

            stale = await read_events(client, 1, since=10**9)
            assert stale[0]["event"] == "reset"


async def test_the_stream_needs_a_session(desk: Desk) -> None:
    with serving(create_app(desk.container)) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
            response = await client.get("/inbox/api/events")
    assert response.status_code == 401


async def test_a_fresh_stream_starts_with_a_position_to_resume_from(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    ours = desk.rows.thread(desk.shop, desk.shop_page)[1]
    with serving(create_app(desk.container)) as base_url:
        async with agent(base_url, nadia) as client:
            (opening,) = await read_events(client, 1, ready=True)
            assert opening["event"] == "ready"
            # The connection drops before any real event; meanwhile a note is written.
            await client.post(f"/inbox/api/conversations/{ours}/notes", json={"text": "vu"})
            (missed,) = await read_events(client, 1, headers={"Last-Event-ID": str(opening["id"])})
            assert missed["event"] == "note.created"
            assert missed["id"] > opening["id"]
