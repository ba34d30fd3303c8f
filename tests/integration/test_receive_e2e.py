"""Receiving end to end: customers write in the emulator, Comptoir stores each message once.

The emulator delivers its signed webhooks to Comptoir's receiver in-process; Comptoir fetches
profiles from the emulator's User Profile API. Parametrised over SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest

from tests.support.stack import Stack, sign

pytestmark = pytest.mark.anyio


def counts(stack: Stack) -> dict[str, int]:
    return {
        "events": len(stack.webhook_events()),
        "contacts": len(stack.contacts()),
        "conversations": len(stack.conversations()),
        "messages": len(stack.messages()),
    }


async def replay(stack: Stack, bodies: list[dict[str, Any]]) -> None:
    """POST envelopes to Comptoir as Meta would, signed with the app secret."""
    for body in bodies:
        raw = json.dumps(body, separators=(",", ":")).encode()
        response = await stack.comptoir.post(
            "/webhooks/messenger",
            content=raw,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(raw, stack.page.app_secret),
            },
        )
        assert response.status_code == 200, response.text


async def test_a_customer_message_is_stored_once_with_its_profile(stack: Stack) -> None:
    mid = await stack.customer_says("Bonjour, vous livrez à Lyon ?")
    (message,) = stack.messages()
    assert message["mid"] == mid
    assert message["text"] == "Bonjour, vous livrez à Lyon ?"
    assert message["direction"] == "in"
    assert message["author_kind"] == "customer"
    (contact,) = stack.contacts()
    assert contact["psid"] == stack.customer
    assert (contact["first_name"], contact["last_name"]) == ("Camille", "Martin")
    assert contact["locale"] == "fr_FR"
    assert contact["profile_status"] == "fetched"
    assert contact["last_user_message_at"] == stack.emulator.clock.now()
    (delivery,) = await stack.webhook_log()
    assert (delivery["status"], delivery["last_status_code"]) == ("delivered", 200)


async def test_batched_deliveries_and_replays_store_everything_once(stack: Stack) -> None:
    await stack.configure({"webhooks": {"batch_size": 10, "batch_window_ms": 50}})
    second = await stack.add_customer("Hugo", "Lefebvre", "fr_FR")
    third = await stack.add_customer("Ana", "Silva", "pt_BR")
    people = [stack.customer, second, third]
    actions = [
        stack.act({"type": "message", "text": f"message {n} from {psid[-4:]}"}, psid)
        for n in range(4)
        for psid in people
    ]
    answers = await asyncio.gather(*actions)
    await stack.settle()
    mids = {answer["mid"] for answer in answers}
    assert len(mids) == 12
    assert {m["mid"] for m in stack.messages()} == mids
    deliveries = await stack.webhook_log()
    batched = [
        d for d in deliveries if sum(len(e.get("messaging", [])) for e in d["body"]["entry"]) > 1
    ]
    assert batched, "the emulator was configured to batch"
    before = counts(stack)
    assert before == {"events": 12, "contacts": 3, "conversations": 3, "messages": 12}
    snapshot = (stack.messages(), stack.contacts(), stack.conversations())

    # Meta retries: the same deliveries three more times, in another order, re-batched.
    bodies = [d["body"] for d in deliveries]
    await replay(stack, bodies)
    await replay(stack, list(reversed(bodies)))
    items = [
        (entry["id"], item)
        for body in bodies
        for entry in body["entry"]
        for item in entry["messaging"]
    ]
    random.Random(3).shuffle(items)
    regrouped = [
        {
            "object": "page",
            "entry": [
                {"id": page_id, "time": 0, "messaging": [item]}
                for page_id, item in items[i : i + 5]
            ],
        }
        for i in range(0, len(items), 5)
    ]
    await replay(stack, regrouped)
    await stack.settle()
    assert counts(stack) == before
    assert (stack.messages(), stack.contacts(), stack.conversations()) == snapshot


async def test_messages_on_standby_are_stored_flagged(stack: Stack) -> None:
    await stack.customer_says("I need a human")
    await stack.emulator_call(
        "PUT",
        f"/_emulator/pages/{stack.page.page_id}/users/{stack.customer}/thread_owner",
        {"app_id": "page_inbox"},
    )
    await stack.settle()
    mid = await stack.customer_says("Hello? Anyone there?")
    stored = {m["mid"]: m for m in stack.messages()}
    assert stored[mid]["standby"] is True
    (conversation,) = stack.conversations()
    assert conversation["thread_owner_app_id"] == "263902037430900"
    standby_events = [e for e in stack.webhook_events() if e["standby"]]
    assert [e["kind"] for e in standby_events] == ["message"]
