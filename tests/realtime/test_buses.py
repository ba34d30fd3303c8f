"""The live-update bus contract, for the in-process bus and the Redis bus; and two Comptoir
instances sharing Redis: a change made through one reaches the other's subscribers, and a
subscriber of either resumes from an id the other gave out."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from comptoir.bootstrap import build_container
from comptoir.domain.clock import FixedClock
from comptoir.realtime.bus import EventBus, LiveEvent, MemoryBus
from comptoir.realtime.redis_bus import RedisBus
from comptoir.services import accounts
from comptoir.web.app import create_app
from tests.support.databases import REDIS_URL, require_redis
from tests.support.inbox_rows import T0, Rows, make_settings

pytestmark = pytest.mark.anyio


async def take(
    iterator: AsyncIterator[LiveEvent], count: int, until: str | None = None
) -> list[LiveEvent]:
    """``count`` events, or up to the first of type ``until``."""
    found: list[LiveEvent] = []
    with anyio.fail_after(10):
        async for event in iterator:
            found.append(event)
            if len(found) == count or event.type == until:
                break
    return found


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def buses(request: pytest.FixtureRequest) -> AsyncIterator[tuple[EventBus, EventBus]]:
    """Two handles on one bus: the same object in memory, two processes' worth on Redis."""
    if request.param == "memory":
        bus = MemoryBus()
        yield bus, bus
        await bus.aclose()
        return
    require_redis()
    prefix = "test-" + secrets.token_hex(6)
    first, second = RedisBus(REDIS_URL, prefix=prefix), RedisBus(REDIS_URL, prefix=prefix)
    try:
        yield first, second
    finally:
        await first.aclose()
        await second.aclose()


async def test_subscribers_get_their_workspace_in_order(buses: tuple[EventBus, EventBus]) -> None:
    publisher, reader = buses
    received: list[LiveEvent] = []

    async def consume() -> None:
        async for event in reader.subscribe(7, since=None):
            received.append(event)
            if event.type == "message.created" and event.data["message_id"] == 2:
                break

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(consume)
            while not received:  # until the subscription is live
                await publisher.publish(7, "ping", {})
                await anyio.sleep(0.01)
            await publisher.publish(8, "conversation.updated", {"conversation_id": 80})
            for n in range(3):
                await publisher.publish(7, "message.created", {"message_id": n})
    created = [e for e in received if e.type == "message.created"]
    assert [e.data["message_id"] for e in created] == [0, 1, 2]
    assert all(e.workspace_id == 7 for e in received)
    ids = [e.id for e in received]
    assert ids == sorted(ids)


async def test_resume_replays_what_was_missed(buses: tuple[EventBus, EventBus]) -> None:
    publisher, reader = buses
    for n in range(3):
        await publisher.publish(7, "message.created", {"message_id": n})
    history = await take(reader.subscribe(7, since=0), 3)
    mark = history[0].id
    await publisher.publish(9, "message.created", {"message_id": 99})
    await publisher.publish(7, "message.created", {"message_id": 3})
    replayed = await take(reader.subscribe(7, since=mark), 3)
    assert [e.data["message_id"] for e in replayed] == [1, 2, 3]
    assert await reader.can_replay(mark)
    assert not await reader.can_replay(10**12)


async def test_listeners_hear_only_their_own_process(buses: tuple[EventBus, EventBus]) -> None:
    publisher, reader = buses
    heard: list[str] = []
    publisher.listen(lambda event: heard.append(f"publisher:{event.type}"))
    if reader is not publisher:
        reader.listen(lambda event: heard.append(f"reader:{event.type}"))
    await publisher.publish(7, "message.created", {})
    assert heard == ["publisher:message.created"]


@pytest.mark.redis
async def test_two_comptoir_instances_share_live_events_through_redis(
    tmp_path: Path, sqlite_url: str
) -> None:
    require_redis()
    prefix = "test-" + secrets.token_hex(6)
    clock = FixedClock(T0)

    def instance(name: str) -> Any:
        settings = make_settings(
            tmp_path / name, sqlite_url, redis_url=REDIS_URL, redis_prefix=prefix
        )
        return build_container(settings, clock=clock)

    first, second = instance("a"), instance("b")
    assert isinstance(first.bus, RedisBus)
    try:
        rows = Rows(first.engine, first.secrets)
        workspace = rows.workspace()
        conversation_id = rows.thread(workspace, rows.page(workspace))[1]
        with first.engine.begin() as conn:
            user_id = accounts.create_user(conn, "n@example.com", "a long passphrase", "N", T0)
            accounts.add_member(conn, user_id, workspace, "agent", T0)
        app = create_app(first)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://a.test"
        ) as client:
            signed = await client.post(
                "/inbox/api/sign-in",
                json={"email": "n@example.com", "password": "a long passphrase"},
            )
            client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
            received: list[LiveEvent] = []

            async def watch() -> None:
                received.extend(await take(second.bus.subscribe(workspace), 1))

            async with anyio.create_task_group() as group:
                group.start_soon(watch)
                with anyio.fail_after(10):
                    while not received:
                        await client.patch(
                            f"/inbox/api/conversations/{conversation_id}",
                            json={"status": "pending"},
                        )
                        await anyio.sleep(0.05)
            assert received[0].type == "conversation.updated"
            assert received[0].data["conversation_id"] == conversation_id
            await client.post(
                f"/inbox/api/conversations/{conversation_id}/notes", json={"text": "hi"}
            )
        since = received[0].id
        resumed = await take(second.bus.subscribe(workspace, since=since), 100, "note.created")
        assert resumed[-1].type == "note.created"  # published by the first instance
        assert all(e.id > since for e in resumed)
    finally:
        await first.aclose()
        await second.aclose()


async def test_a_redis_outage_does_not_fail_the_change_that_published(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.support.servers import free_port

    bus = RedisBus(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    heard: list[str] = []
    bus.listen(lambda event: heard.append(event.type))
    try:
        await bus.publish(7, "conversation.updated", {"conversation_id": 1})
    finally:
        await bus.aclose()
    assert heard == ["conversation.updated"]
    assert "could not publish conversation.updated" in caplog.text
