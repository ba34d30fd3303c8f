"""Sending end to end: ``send_message`` -> outbox -> relay -> the emulator's Send API -> the
customer's thread, and the echo and receipts back through the webhook intake.

Runs on SQLite and PostgreSQL (the ``stack`` fixture is parametrised on ``database_url``).
"""

from __future__ import annotations

from typing import Any

import pytest

from comptoir.domain.policy_model import BlockCode, Blocked
from comptoir.jobs.ratelimit import MemoryLimiter
from comptoir.jobs.relay import OutboxRelay, RelayConfig, RetryPolicy, relay_of
from comptoir.services.sending import SendMessage, SendOutcome, send_message
from comptoir.storage import tables
from tests.support.stack import Stack, wait_for

pytestmark = pytest.mark.anyio

HOUR = 3600.0
DAY = 24 * HOUR


def relay(stack: Stack) -> OutboxRelay:
    found = relay_of(stack.container)
    assert found is not None
    return found


async def say_and_find_conversation(stack: Stack, text: str) -> int:
    await stack.customer_says(text)
    (conversation,) = stack.conversations()
    return int(conversation["id"])


async def send(
    stack: Stack, conversation_id: int, text: str, kind: str = "bot", name: str = ""
) -> SendOutcome:
    return await send_message(
        stack.container,
        SendMessage(
            workspace_id=stack.workspace_id,
            conversation_id=conversation_id,
            text=text,
            author_kind=kind,  # type: ignore[arg-type]
            author_name=name,
        ),
    )


def status_of(stack: Stack, message_id: int | None) -> str:
    (row,) = stack.messages(tables.messages.c.id == message_id)
    return str(row["status"])


async def wait_status(stack: Stack, message_id: int | None, *statuses: str) -> None:
    await wait_for(
        lambda: status_of(stack, message_id) in statuses,
        within=10,
        what=f"message {message_id} to become {' or '.join(statuses)}",
    )


async def calls_for(stack: Stack, message_id: int | None) -> list[dict[str, Any]]:
    """The emulator's record of Send API calls carrying this message's metadata."""
    return [
        record
        for record in await stack.sent()
        if record["request"].get("message", {}).get("metadata") == f"cpt:{message_id}"
    ]


async def test_a_send_reaches_the_customer_and_receipts_move_its_status(stack: Stack) -> None:
    conversation_id = await say_and_find_conversation(stack, "Do you ship to Lyon?")

    outcome = await send(stack, conversation_id, "Yes, within 48 hours.")

    assert outcome.accepted
    assert outcome.public()["messaging_type"] == "RESPONSE"
    await wait_status(stack, outcome.message_id, "delivered")
    page_items = [item for item in await stack.thread() if item["from"] == "page"]
    assert [item["text"] for item in page_items] == ["Yes, within 48 hours."]
    (call,) = await calls_for(stack, outcome.message_id)
    assert call["status"] == 200
    assert call["request"]["messaging_type"] == "RESPONSE"
    (row,) = stack.messages(tables.messages.c.id == outcome.message_id)
    assert row["mid"] == page_items[0]["mid"]

    await stack.act({"type": "read"})
    await stack.settle()
    await wait_status(stack, outcome.message_id, "read")


async def test_at_25_hours_a_bot_is_refused_and_an_agent_goes_as_human_agent(
    stack: Stack,
) -> None:
    conversation_id = await say_and_find_conversation(stack, "My parcel never came.")
    await stack.advance(25 * HOUR)
    calls_before = len(await stack.sent())

    refused = await send(stack, conversation_id, "It arrives tomorrow.")

    assert isinstance(refused.decision, Blocked)
    assert refused.decision.code is BlockCode.WINDOW_CLOSED
    assert "HUMAN_AGENT" in refused.explanation
    assert refused.public()["next_option"]["senders"] == ["agent"]
    assert len(stack.messages(tables.messages.c.direction == "out")) == 0

    human = await send(stack, conversation_id, "Sorry! It left today.", kind="agent", name="Ana")

    assert human.accepted
    await wait_status(stack, human.message_id, "sent", "delivered")
    (call,) = await calls_for(stack, human.message_id)
    assert call["status"] == 200
    assert call["request"]["messaging_type"] == "MESSAGE_TAG"
    assert call["request"]["tag"] == "HUMAN_AGENT"
    assert len(await stack.sent()) == calls_before + 1
    thread_texts = [item["text"] for item in await stack.thread() if item["from"] == "page"]
    assert thread_texts == ["Sorry! It left today."]


async def test_at_8_days_even_an_agent_is_refused(stack: Stack) -> None:
    conversation_id = await say_and_find_conversation(stack, "Hello?")
    await stack.advance(8 * DAY)
    calls_before = len(await stack.sent())

    bot = await send(stack, conversation_id, "Any news?")
    agent = await send(stack, conversation_id, "Here is your answer.", kind="agent", name="Ana")

    assert isinstance(bot.decision, Blocked)
    assert isinstance(agent.decision, Blocked)
    assert agent.decision.code in (BlockCode.WINDOW_CLOSED, BlockCode.HUMAN_AGENT_EXPIRED)
    assert agent.public()["next_option"] is None or "HUMAN_AGENT" not in str(
        agent.public()["next_option"]
    )
    assert len(await stack.sent()) == calls_before
    assert stack.messages(tables.messages.c.direction == "out") == []


async def test_a_blocked_customer_551_marks_the_contact_and_is_not_retried(stack: Stack) -> None:
    conversation_id = await say_and_find_conversation(stack, "Thanks, bye.")
    await stack.act({"type": "block"})
    await stack.settle()

    outcome = await send(stack, conversation_id, "One more thing...")
    assert outcome.accepted  # Meta does not tell anyone about a block until a send fails

    await wait_status(stack, outcome.message_id, "failed")
    (row,) = stack.messages(tables.messages.c.id == outcome.message_id)
    assert row["error_code"] == 551
    assert row["error_reason"] == (
        "The customer isn't reachable (blocked the Page or deactivated)."
    )
    (contact,) = stack.contacts()
    assert contact["blocked_at"] is not None
    await stack.advance(HOUR)  # any back-off would be due by now
    await relay(stack).run_once()
    calls = await calls_for(stack, outcome.message_id)
    assert [call["status"] for call in calls] == [400]
    assert calls[0]["response"]["error"]["code"] == 551

    again = await send(stack, conversation_id, "Hello?")
    assert isinstance(again.decision, Blocked)
    assert again.decision.code is BlockCode.RECIPIENT_BLOCKED


async def test_a_613_burst_slows_the_relay_without_losing_a_message(stack: Stack) -> None:
    await stack.configure({"rate_limits": {"text_per_second": 5, "daily_quota_enabled": False}})
    conversation_id = await say_and_find_conversation(stack, "Tell me everything.")
    stack.emulator.clock.unfreeze()  # the emulator counts calls per second of its clock
    relay(stack).configure(
        RelayConfig(
            poll_interval=0.05,
            retry=RetryPolicy(first_delay=0.2, throttle_max_delay=1.0, jitter=0.5),
        )
    )
    total = 30

    outcomes = [await send(stack, conversation_id, f"Part {i + 1}") for i in range(total)]

    ids = [o.message_id for o in outcomes]
    assert all(o.accepted for o in outcomes)

    def all_out() -> bool:
        return all(status_of(stack, i) in ("sent", "delivered", "read") for i in ids)

    await wait_for(all_out, within=45, what="every message of the burst sent")
    sent = await stack.sent()
    throttled = [r for r in sent if r["status"] != 200]
    assert throttled, "the emulator never answered 613: the burst did not hit its limit"
    assert {r["response"]["error"]["code"] for r in throttled} == {613}
    accepted = [r["request"]["message"]["metadata"] for r in sent if r["status"] == 200]
    assert sorted(accepted) == sorted(f"cpt:{i}" for i in ids)  # each exactly once
    texts = [item["text"] for item in await stack.thread() if item["from"] == "page"]
    assert sorted(texts) == sorted(f"Part {i + 1}" for i in range(total))
    limiter = relay(stack).limiter
    assert isinstance(limiter, MemoryLimiter)
    assert limiter.throttle_count[stack.page.page_id] >= 1
    assert relay(stack).stats.throttled == len(throttled)
