"""Outgoing webhooks: queued in the writer's transaction, signed, retried, given up."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from comptoir.bootstrap import Container
from comptoir.domain.clock import FixedClock
from comptoir.jobs.outgoing_webhooks import OutgoingWebhookWorker
from comptoir.services import outgoing
from comptoir.services.outgoing import RetryPolicy
from comptoir.storage.tables import outgoing_deliveries
from tests.support.inbox_rows import T0, Rows, make_container


@dataclass
class Receiver:
    """The business's endpoint: records every request, answers from a script of statuses."""

    statuses: list[int] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    received: anyio.Event = field(default_factory=anyio.Event)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            self.requests.append((dict(request.headers), await request.body()))
            self.received.set()
            status = self.statuses.pop(0) if self.statuses else 200
            return Response(status_code=status)

        return Starlette(routes=[Route("/hooks", hook, methods=["POST"])])


@dataclass
class World:
    container: Container
    clock: FixedClock
    rows: Rows
    workspace_id: int
    message_id: int


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[World]:
    clock = FixedClock(T0)
    container = make_container(tmp_path, database_url, clock)
    rows = Rows(container.engine, container.secrets)
    workspace_id = rows.workspace()
    page_ref = rows.page(workspace_id)
    _, conversation_id = rows.thread(workspace_id, page_ref)
    message_id = rows.message(conversation_id, text="Vous êtes ouverts samedi ?")
    yield World(container, clock, rows, workspace_id, message_id)
    container.engine.dispose()


def add_endpoint(world: World, events: list[str] | None = None) -> tuple[int, str]:
    with world.container.engine.begin() as conn:
        endpoint, secret = outgoing.create_endpoint(
            conn,
            world.container.secrets,
            workspace_id=world.workspace_id,
            url="http://business.test/hooks",
            events=events,
            now=world.clock.now(),
        )
    return endpoint.id, secret


def enqueue_received(world: World) -> int:
    with world.container.engine.begin() as conn:
        return outgoing.enqueue_message_event(
            conn, outgoing.MESSAGE_RECEIVED, world.message_id, now=world.clock.now()
        )


def deliveries(world: World) -> list[dict[str, object]]:
    with world.container.engine.connect() as conn:
        rows = conn.execute(sa.select(outgoing_deliveries).order_by(outgoing_deliveries.c.id))
        return [dict(row._mapping) for row in rows]


MakeWorker = Callable[..., OutgoingWebhookWorker]


@pytest.fixture
async def worker_for(world: World) -> AsyncIterator[MakeWorker]:
    workers: list[OutgoingWebhookWorker] = []

    def make(receiver: Receiver | None = None, **kwargs: Any) -> OutgoingWebhookWorker:
        transport: httpx.AsyncBaseTransport
        if receiver is None:
            transport = httpx.MockTransport(_refuse)
        else:
            transport = httpx.ASGITransport(app=receiver.app())
        worker = OutgoingWebhookWorker(world.container, transport=transport, **kwargs)
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        await worker.aclose()


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


@pytest.mark.anyio
async def test_a_received_message_is_posted_signed(world: World, worker_for: MakeWorker) -> None:
    _, secret = add_endpoint(world)
    assert enqueue_received(world) == 1
    receiver = Receiver()
    worker = worker_for(receiver)

    assert await worker.run_once() == 1

    (headers, body), *_ = receiver.requests
    assert headers["x-comptoir-event"] == "message.received"
    assert outgoing.verify(secret, body, headers["x-comptoir-signature"])
    assert not outgoing.verify("another-secret", body, headers["x-comptoir-signature"])
    envelope = json.loads(body)
    assert envelope["event"] == "message.received"
    assert envelope["id"] == int(headers["x-comptoir-delivery"])
    assert envelope["data"]["message"]["id"] == world.message_id
    assert envelope["data"]["message"]["text"] == "Vous êtes ouverts samedi ?"
    assert envelope["data"]["contact"]["name"] == "Camille Martin"
    assert secret not in body.decode()
    (row,) = deliveries(world)
    assert (row["state"], row["attempts"], row["last_status"]) == ("done", 1, 200)
    assert await worker.run_once() == 0  # nothing is sent twice


@pytest.mark.anyio
async def test_a_failed_delivery_is_retried_after_its_back_off(
    world: World, worker_for: MakeWorker
) -> None:
    _, secret = add_endpoint(world)
    enqueue_received(world)
    receiver = Receiver(statuses=[500, 503])
    policy = RetryPolicy(max_attempts=5, first_delay=timedelta(seconds=10))
    worker = worker_for(receiver, policy=policy)

    assert await worker.run_once() == 1
    (row,) = deliveries(world)
    assert (row["state"], row["attempts"], row["last_status"]) == ("pending", 1, 500)
    assert row["available_at"] == T0 + timedelta(seconds=10)
    assert await worker.run_once() == 0  # not due yet

    world.clock.advance(timedelta(seconds=10))
    assert await worker.run_once() == 1
    (row,) = deliveries(world)
    assert row["available_at"] == T0 + timedelta(seconds=10 + 20)  # doubled

    world.clock.advance(timedelta(seconds=20))
    assert await worker.run_once() == 1
    (row,) = deliveries(world)
    assert (row["state"], row["attempts"], row["last_status"]) == ("done", 3, 200)
    bodies = {body for _, body in receiver.requests}
    assert len(receiver.requests) == 3
    assert len(bodies) == 1  # the same signed bytes each time
    assert all(
        outgoing.verify(secret, body, headers["x-comptoir-signature"])
        for headers, body in receiver.requests
    )


@pytest.mark.anyio
async def test_it_gives_up_after_max_attempts(world: World, worker_for: MakeWorker) -> None:
    add_endpoint(world)
    enqueue_received(world)
    worker = worker_for(None, policy=RetryPolicy(max_attempts=3))  # the endpoint never answers

    for _ in range(3):
        assert await worker.run_once() == 1
        world.clock.advance(timedelta(hours=2))
    (row,) = deliveries(world)
    assert (row["state"], row["attempts"]) == ("dead", 3)
    assert row["last_error"] == "the endpoint could not be reached (ConnectError)"
    world.clock.advance(timedelta(days=3))
    assert await worker.run_once() == 0


@pytest.mark.anyio
async def test_only_subscribed_active_endpoints_get_events(
    world: World, worker_for: MakeWorker
) -> None:
    add_endpoint(world, events=["message.status"])
    assert enqueue_received(world) == 0
    wanted, _ = add_endpoint(world, events=["message.received"])
    removed, _ = add_endpoint(world)
    assert enqueue_received(world) == 2
    with world.container.engine.begin() as conn:
        assert outgoing.deactivate_endpoint(conn, world.workspace_id, removed)
        assert not outgoing.deactivate_endpoint(conn, world.workspace_id, removed)
    receiver = Receiver()
    worker = worker_for(receiver)

    assert await worker.run_once() == 1
    assert len(receiver.requests) == 1
    states = {row["endpoint_id"]: row["state"] for row in deliveries(world)}
    assert states == {wanted: "done", removed: "dead"}


def test_a_claimed_delivery_is_not_claimed_twice_until_its_lease_expires(world: World) -> None:
    add_endpoint(world)
    enqueue_received(world)
    box, now = world.container.secrets, world.clock.now()
    lease = timedelta(minutes=1)
    with world.container.engine.begin() as conn:
        first = outgoing.claim_due(conn, box, now=now, limit=10, lease=lease)
    with world.container.engine.begin() as conn:
        second = outgoing.claim_due(conn, box, now=now, limit=10, lease=lease)
    with world.container.engine.begin() as conn:  # the first worker crashed: its claim expires
        third = outgoing.claim_due(conn, box, now=now + lease, limit=10, lease=lease)
    assert (len(first), len(second), len(third)) == (1, 0, 1)
    assert third[0].attempts == 2
    assert "whsec_" not in repr(third[0])


def test_enqueue_happens_in_the_callers_transaction(world: World) -> None:
    add_endpoint(world)

    def change_then_fail() -> None:
        with world.container.engine.begin() as conn:
            queued = outgoing.enqueue_message_event(
                conn, outgoing.MESSAGE_RECEIVED, world.message_id, now=world.clock.now()
            )
            assert queued == 1
            raise RuntimeError("the change is rolled back")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert deliveries(world) == []


def test_bad_endpoints_are_refused_with_the_reason(world: World) -> None:
    with world.container.engine.begin() as conn:
        with pytest.raises(outgoing.OutgoingWebhookError, match="http:// or https://"):
            outgoing.create_endpoint(
                conn,
                world.container.secrets,
                workspace_id=world.workspace_id,
                url="ftp://business.test",
                events=None,
                now=T0,
            )
        with pytest.raises(outgoing.OutgoingWebhookError, match=r"unknown event\(s\): nope"):
            outgoing.check_events(["nope"])
        with pytest.raises(ValueError, match="unknown outgoing webhook event"):
            outgoing.enqueue_outgoing(conn, world.workspace_id, "message.nope", {}, now=T0)


def test_back_off_doubles_and_is_capped() -> None:
    policy = RetryPolicy(first_delay=timedelta(seconds=10), max_delay=timedelta(minutes=5))
    delays = [policy.delay_after(n).total_seconds() for n in range(1, 8)]
    assert delays == [10, 20, 40, 80, 160, 300, 300]


def test_the_installer_adds_the_worker_and_its_wake_up_hook(world: World) -> None:
    (worker,) = [w for w in world.container.workers if isinstance(w, OutgoingWebhookWorker)]
    assert worker.wake in world.container.on_commit


@pytest.mark.anyio
async def test_a_started_worker_delivers_when_woken_after_a_commit(world: World) -> None:
    add_endpoint(world)
    receiver = Receiver()
    worker = OutgoingWebhookWorker(
        world.container, transport=httpx.ASGITransport(app=receiver.app()), poll_interval=60
    )
    await worker.start()
    try:
        await anyio.sleep(0.05)  # the first round found nothing; the next poll is 60 s away
        enqueue_received(world)
        await worker.wake()
        with anyio.fail_after(5):
            await receiver.received.wait()
    finally:
        await worker.aclose()  # lets the delivery in flight record its result
    assert deliveries(world)[0]["state"] == "done"
