"""What a broadcast reports afterwards, and a scheduled one, end to end through the emulator:
delivered, read, replied, quick-reply taps and opt-outs after it; a time in the Page's zone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from comptoir.jobs.broadcasts import BroadcastConfig, worker_of
from comptoir.jobs.relay import relay_of
from comptoir.services import broadcasts
from comptoir.services.broadcasts import NewBroadcast
from comptoir.storage import tables
from tests.integration.test_broadcast_e2e import all_say, crowd, received, wait_done
from tests.integration.test_broadcast_restart import slow_down
from tests.support.stack import Stack, wait_for

pytestmark = pytest.mark.anyio

QUESTION = "Would you like our Saturday opening hours?"


async def test_totals_count_what_people_did_after_it(stack: Stack) -> None:
    everyone = [stack.customer, *await crowd(stack, 5)]
    await all_say(stack, everyone, "Hello")
    broadcast_id = await broadcasts.create_broadcast(
        stack.container,
        NewBroadcast(
            workspace_id=stack.workspace_id,
            page_ref=stack.page.page_ref,
            name="Saturday",
            message={
                "text": QUESTION,
                "quick_replies": [
                    {"title": "Yes please", "payload": "SAT_YES"},
                    {"title": "No thanks", "payload": "SAT_NO"},
                ],
            },
        ),
    )
    await broadcasts.start(stack.container, stack.workspace_id, broadcast_id)
    await wait_done(stack, broadcast_id)
    await stack.settle()

    tap_yes, tap_no, writes, stops, reads = (
        everyone[:2],
        everyone[2:3],
        everyone[3:4],
        everyone[4:5],
        everyone[:3],
    )
    for psid in tap_yes:
        await stack.act(
            {"type": "message", "text": "Yes please", "quick_reply_payload": "SAT_YES"}, psid
        )
    for psid in tap_no:
        await stack.act(
            {"type": "message", "text": "No thanks", "quick_reply_payload": "SAT_NO"}, psid
        )
    for psid in writes:
        await stack.act({"type": "message", "text": "What about Sunday?"}, psid)
    for psid in stops:
        await stack.act({"type": "message", "text": "STOP"}, psid)
    for psid in reads:
        await stack.act({"type": "read"}, psid)
    await stack.settle()

    status = await broadcasts.status(stack.container, stack.workspace_id, broadcast_id)
    totals = status.to_json()["totals"]
    assert totals["sent"] == 6
    assert totals["delivered"] == 6
    assert totals["read"] == 3
    assert totals["replied"] == 5
    assert totals["quick_reply_taps"] == 3
    assert totals["opted_out"] == 1
    assert status.progress == 1.0
    assert status.eta_seconds == 0.0


async def test_a_scheduled_broadcast_waits_for_its_time_in_the_pages_zone(stack: Stack) -> None:
    with stack.container.engine.begin() as conn:
        conn.execute(
            tables.pages.update()
            .where(tables.pages.c.id == stack.page.page_ref)
            .values(timezone="America/Montreal")
        )
    await stack.customer_says("Hi")
    broadcast_id = await broadcasts.create_broadcast(
        stack.container,
        NewBroadcast(
            workspace_id=stack.workspace_id,
            page_ref=stack.page.page_ref,
            name="Later",
            message={"text": "See you at noon."},
        ),
    )
    # The stack starts at 10:00 UTC, 06:00 in Montreal: 08:00 there is two hours away.
    at = broadcasts.local_time("2026-06-01T08:00", "America/Montreal")
    row = await broadcasts.start(stack.container, stack.workspace_id, broadcast_id, at)
    assert row.state == "scheduled"
    assert row.scheduled_at == stack.emulator.clock.now() + timedelta(hours=2)

    await stack.advance(3600)
    worker = worker_of(stack.container)
    assert worker is not None
    assert await worker.run_once() == 0
    assert not [m for m in stack.messages() if m["author_kind"] == "broadcast"]

    await stack.advance(3601)
    await worker.run_once()
    await wait_done(stack, broadcast_id)
    (sent,) = [m for m in stack.messages() if m["author_kind"] == "broadcast"]
    assert sent["text"] == "See you at noon."


async def test_pause_holds_it_and_cancel_takes_back_what_has_not_left(stack: Stack) -> None:
    await stack.configure({"rate_limits": {"enabled": False}})
    everyone = [stack.customer, *await crowd(stack, 119)]
    await all_say(stack, everyone, "Hello")
    slow_down(stack.container, per_second=20)
    worker = worker_of(stack.container)
    assert worker is not None
    # More waiting in the outbox than the relay holds at once (64): some can be taken back.
    worker.config = BroadcastConfig(poll_interval=0.05, batch=50, window=100)
    broadcast_id = await broadcasts.create_broadcast(
        stack.container,
        NewBroadcast(
            workspace_id=stack.workspace_id,
            page_ref=stack.page.page_ref,
            name="Slow",
            message={"text": "A slow one."},
        ),
    )
    await broadcasts.start(stack.container, stack.workspace_id, broadcast_id)
    await wait_for(lambda: sent_count(stack) >= 5, what="the first sends")

    paused = await broadcasts.pause(stack.container, stack.workspace_id, broadcast_id)
    assert paused.state == "paused"
    held = paused.examined
    assert await worker.run_once() == 0  # nothing more is handed to the relay
    resumed = await broadcasts.resume(stack.container, stack.workspace_id, broadcast_id)
    assert resumed.state == "sending"
    cancelled = await broadcasts.cancel(stack.container, stack.workspace_id, broadcast_id)
    assert cancelled.state == "cancelled"
    relay = relay_of(stack.container)
    assert relay is not None
    await relay.wait_idle()
    await stack.settle()

    status = await broadcasts.status(stack.container, stack.workspace_id, broadcast_id)
    totals = status.to_json()["totals"]
    got = received(await stack.sent(), "A slow one.")
    assert totals["sent"] == len(got) < len(everyone)
    assert totals["cancelled"] > 0
    assert totals["sent"] + totals["cancelled"] + totals["failed"] == status.broadcast.queued
    assert held <= status.broadcast.examined < len(everyone)
    assert max(got.values()) == 1


def sent_count(stack: Stack) -> int:
    return sum(
        1 for m in stack.messages() if m["author_kind"] == "broadcast" and m["status"] != "queued"
    )
