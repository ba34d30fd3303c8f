"""Broadcasts end to end: the broadcast worker -> outbox -> relay -> the emulator's Send API.

A thousand people with mixed states (window open or closed, opted out, blocked) get a
window broadcast: the emulator's log shows it reached exactly the eligible ones, once each,
and the preview's counts are what happened. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from comptoir.services import broadcasts
from comptoir.services.broadcasts import NewBroadcast
from comptoir.storage import tables
from tests.support.stack import Stack, wait_for

pytestmark = pytest.mark.anyio

HOUR = 3600.0


async def crowd(stack: Stack, count: int) -> list[str]:
    """``count`` new people on the Page (the emulator's control API)."""
    return [await stack.add_customer(f"P{index}", "Test", "en_US") for index in range(count)]


async def all_say(stack: Stack, psids: list[str], text: str) -> None:
    """Each person writes ``text``; waits until Comptoir holds every message."""
    for start in range(0, len(psids), 50):
        chunk = psids[start : start + 50]
        await asyncio.gather(*(stack.act({"type": "message", "text": text}, p) for p in chunk))
    await stack.settle(within=60)


async def create_and_send(stack: Stack, name: str, text: str, **fields: Any) -> int:
    broadcast_id = await broadcasts.create_broadcast(
        stack.container,
        NewBroadcast(
            workspace_id=stack.workspace_id,
            page_ref=stack.page.page_ref,
            name=name,
            message={"text": text},
            **fields,
        ),
    )
    await broadcasts.start(stack.container, stack.workspace_id, broadcast_id)
    return broadcast_id


async def wait_done(stack: Stack, broadcast_id: int, within: float = 120.0) -> None:
    def done() -> bool:
        with stack.container.engine.connect() as conn:
            state = conn.execute(
                sa.select(tables.broadcasts.c.state).where(tables.broadcasts.c.id == broadcast_id)
            ).scalar_one()
        return bool(state == "done")

    await wait_for(done, within=within, what=f"broadcast {broadcast_id} to finish")


def received(sent: list[dict[str, Any]], text: str) -> Counter[str]:
    """PSID -> how many times the emulator accepted a message with ``text``."""
    return Counter(
        str(record["request"]["recipient"]["id"])
        for record in sent
        if record["status"] == 200 and (record["request"].get("message") or {}).get("text") == text
    )


async def test_a_broadcast_reaches_exactly_the_eligible_and_the_preview_matches(
    stack: Stack,
) -> None:
    # The emulator's clock stands still here: its per-second limits would never refill.
    await stack.configure({"rate_limits": {"enabled": False}})
    people = await crowd(stack, 999)  # with the stack's own customer: 1,000
    everyone = [stack.customer, *people]
    await all_say(stack, everyone, "Hello")
    await stack.advance(25 * HOUR)
    # 400 write again (window open); 40 of them blocked the Page since, 60 said STOP.
    open_people = everyone[::5] + everyone[1::5]
    blocked, stopped = open_people[:40], open_people[40:100]
    await all_say(stack, open_people, "Back again")
    for psid in blocked:
        await stack.act({"type": "block"}, psid)
    # A first broadcast learns who blocked the Page (Meta answers 551 for them).
    first = await create_and_send(stack, "Warm-up", "First news")
    await wait_done(stack, first)
    first_status = await broadcasts.status(stack.container, stack.workspace_id, first)
    assert (first_status.sent, first_status.failed) == (360, 40)
    assert list(first_status.totals.failed.values()) == [40]
    assert "blocked the Page" in next(iter(first_status.totals.failed))
    await all_say(stack, stopped, "STOP")  # opts out of everything, with a confirmation

    main = await broadcasts.create_broadcast(
        stack.container,
        NewBroadcast(
            workspace_id=stack.workspace_id,
            page_ref=stack.page.page_ref,
            name="Spring news",
            message={"text": "Our spring hours"},
        ),
    )
    preview = await broadcasts.preview(stack.container, stack.workspace_id, main)
    assert preview.audience.by_mechanism == {"window": 300}
    assert preview.audience.excluded == {"blocked": 40, "opted_out": 60, "window_closed": 600}
    await broadcasts.start(stack.container, stack.workspace_id, main)
    await wait_done(stack, main)

    got = received(await stack.sent(), "Our spring hours")
    eligible = set(open_people) - set(blocked) - set(stopped)
    assert set(got) == eligible
    assert max(got.values()) == 1
    final = await broadcasts.status(stack.container, stack.workspace_id, main)
    assert final.sent == preview.audience.eligible
    assert final.totals.excluded == preview.audience.excluded
    assert final.totals.by_mechanism == preview.audience.by_mechanism
    assert final.broadcast.planned["by_mechanism"] == preview.audience.by_mechanism
