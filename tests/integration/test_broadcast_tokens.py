"""Token broadcasts through the emulator: a one-time token carries one broadcast, however
many broadcasts want it at once; the others leave the person out with the reason."""

from __future__ import annotations

import asyncio

import pytest

from comptoir.jobs.broadcasts import worker_of
from comptoir.jobs.relay import relay_of
from comptoir.services import broadcasts
from comptoir.services.broadcasts import NewBroadcast
from comptoir.services.sending import Attachment, SendMessage, send_message
from comptoir.storage import tables
from tests.integration.test_broadcast_e2e import wait_done
from tests.support.stack import Stack, rows, wait_for

pytestmark = pytest.mark.anyio


async def one_time_token(stack: Stack) -> str:
    """The customer asks to be told once ("Notify me"); returns the token Meta gave."""
    await stack.configure({"features": {"one_time_notifications": True}})
    with stack.container.engine.begin() as conn:
        conn.execute(
            tables.pages.update()
            .where(tables.pages.c.id == stack.page.page_ref)
            .values(one_time_notif_enabled=True)
        )
    await stack.customer_says("Is the blue dress coming back?")
    (contact,) = stack.contacts()
    outcome = await send_message(
        stack.container,
        SendMessage(
            workspace_id=stack.workspace_id,
            contact_id=int(contact["id"]),
            attachment=Attachment(
                "template",
                payload={
                    "template_type": "one_time_notif_req",
                    "title": "Back in stock",
                    "payload": "restock",
                },
            ),
        ),
    )
    assert outcome.accepted, outcome.explanation

    def mid() -> str | None:
        (row,) = stack.messages(tables.messages.c.id == outcome.message_id)
        return row["mid"] if row["status"] in ("sent", "delivered", "read") else None

    await wait_for(lambda: mid() is not None, what="the opt-in request to leave")
    answer = await stack.act({"type": "optin", "message_id": mid()})
    await stack.settle()
    return str(answer["token"])


async def test_a_one_time_token_carries_one_broadcast_even_when_two_want_it(
    stack: Stack,
) -> None:
    token = await one_time_token(stack)
    await stack.advance(2 * 86400)  # the window is closed: only the token can reach them

    def new(name: str) -> NewBroadcast:
        return NewBroadcast(
            workspace_id=stack.workspace_id,
            page_ref=stack.page.page_ref,
            name=name,
            message={"text": f"{name}: the blue dress is back."},
            mode="token",
            topic="restock",
        )

    first = await broadcasts.create_broadcast(stack.container, new("First"))
    second = await broadcasts.create_broadcast(stack.container, new("Second"))
    preview = await broadcasts.preview(stack.container, stack.workspace_id, first)
    assert preview.audience.by_mechanism == {"one_time_notification": 1}
    await asyncio.gather(
        broadcasts.start(stack.container, stack.workspace_id, first),
        broadcasts.start(stack.container, stack.workspace_id, second),
    )
    await wait_done(stack, first)
    await wait_done(stack, second)
    await stack.settle()

    carried = [
        record
        for record in await stack.sent()
        if record["request"].get("recipient", {}).get("one_time_notif_token") == token
    ]
    assert len(carried) == 1
    assert carried[0]["status"] == 200
    one = await broadcasts.status(stack.container, stack.workspace_id, first)
    two = await broadcasts.status(stack.container, stack.workspace_id, second)
    assert sorted([one.sent, two.sent]) == [0, 1]
    assert {**one.totals.excluded, **two.totals.excluded} == {"token_used": 1}
    (used,) = rows(stack.container, tables.notification_tokens)
    assert (used["status"], used["uses"]) == ("used", 1)

    third = await broadcasts.create_broadcast(stack.container, new("Third"))
    later = await broadcasts.preview(stack.container, stack.workspace_id, third)
    assert later.audience.excluded == {"token_used": 1}


async def test_cancelling_gives_back_the_tokens_of_messages_that_had_not_left(
    stack: Stack,
) -> None:
    await one_time_token(stack)
    await stack.advance(2 * 86400)
    relay = relay_of(stack.container)
    assert relay is not None
    await relay.aclose()  # nothing leaves: the message waits in the outbox
    broadcast_id = await broadcasts.create_broadcast(
        stack.container,
        NewBroadcast(
            workspace_id=stack.workspace_id,
            page_ref=stack.page.page_ref,
            name="Held",
            message={"text": "Held back."},
            mode="token",
        ),
    )
    await broadcasts.start(stack.container, stack.workspace_id, broadcast_id)
    worker = worker_of(stack.container)
    assert worker is not None
    await worker.run_once()
    (reserved,) = rows(stack.container, tables.notification_tokens)
    assert (reserved["status"], reserved["uses"]) == ("used", 1)

    await broadcasts.cancel(stack.container, stack.workspace_id, broadcast_id)

    (given_back,) = rows(stack.container, tables.notification_tokens)
    assert (given_back["status"], given_back["uses"]) == ("active", 0)
    status = await broadcasts.status(stack.container, stack.workspace_id, broadcast_id)
    assert status.totals.by_status == {"cancelled": 1}
    again = await broadcasts.create_broadcast(
        stack.container,
        NewBroadcast(
            workspace_id=stack.workspace_id,
            page_ref=stack.page.page_ref,
            name="Again",
            message={"text": "Now."},
            mode="token",
        ),
    )
    preview = await broadcasts.preview(stack.container, stack.workspace_id, again)
    assert preview.audience.by_mechanism == {"one_time_notification": 1}


async def test_a_token_message_refused_before_its_call_gives_its_token_back(
    stack: Stack,
) -> None:
    await one_time_token(stack)
    await stack.advance(2 * 86400)
    relay = relay_of(stack.container)
    assert relay is not None
    await relay.aclose()
    broadcast_id = await broadcasts.create_broadcast(
        stack.container,
        NewBroadcast(
            workspace_id=stack.workspace_id,
            page_ref=stack.page.page_ref,
            name="Refused",
            message={"text": "Refused."},
            mode="token",
        ),
    )
    await broadcasts.start(stack.container, stack.workspace_id, broadcast_id)
    worker = worker_of(stack.container)
    assert worker is not None
    await worker.run_once()
    # Meta said 551 for this person meanwhile (another send): the relay's re-check refuses.
    with stack.container.engine.begin() as conn:
        conn.execute(tables.contacts.update().values(blocked_at=stack.emulator.clock.now()))

    await relay.start()
    await wait_done(stack, broadcast_id)
    await relay.wait_idle()

    status = await broadcasts.status(stack.container, stack.workspace_id, broadcast_id)
    assert status.failed == 1
    (token,) = rows(stack.container, tables.notification_tokens)
    assert (token["status"], token["uses"], token["reserved_message_id"]) == ("active", 0, None)
