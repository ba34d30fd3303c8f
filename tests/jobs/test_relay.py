"""The sending path with a fake Send API: one transaction, claims, retries by error class.

Every test runs on SQLite and on PostgreSQL (``database_url``).
"""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from comptoir.domain.clock import FixedClock
from comptoir.domain.policy_model import BlockCode, Blocked, Mechanism
from comptoir.jobs.ratelimit import LimiterConfig, MemoryLimiter
from comptoir.jobs.relay import OutboxRelay, RelayConfig
from comptoir.services.sending import (
    InvalidSendError,
    QuickReply,
    SendMessage,
    SendTargetNotFoundError,
    send_message,
    send_sender_action,
)
from comptoir.storage import outbox as store
from comptoir.storage import tables
from comptoir.storage.engine import create_engine
from tests.jobs.conftest import (
    FAST_RETRY,
    PAGE_ID,
    PAGE_TOKEN,
    PSID,
    START,
    FakeSendApi,
    SendHarness,
    build_harness_container,
    graph_error,
)
from tests.support.stack import wait_for

pytestmark = pytest.mark.anyio


# -- accepting a message ------------------------------------------------------------------


async def test_accepted_message_and_outbox_row_are_written_together(
    send_harness: SendHarness,
) -> None:
    outcome = await send_harness.send(
        "Your order has shipped", quick_replies=(QuickReply(title="Thanks", payload="THANKS"),)
    )

    assert outcome.accepted
    assert outcome.message_id is not None
    message = send_harness.message(outcome.message_id)
    assert message["status"] == "queued"
    assert (message["direction"], message["author_kind"]) == ("out", "bot")
    assert (message["messaging_type"], message["tag"]) == ("RESPONSE", None)
    row = send_harness.outbox_row(outcome.message_id)
    assert row["state"] == "pending"
    assert row["request"] == {
        "recipient": {"id": PSID},
        "message": {
            "text": "Your order has shipped",
            "quick_replies": [{"content_type": "text", "title": "Thanks", "payload": "THANKS"}],
            "metadata": f"cpt:{outcome.message_id}",
        },
        "messaging_type": "RESPONSE",
    }
    assert row["intent"]["sender"] == "bot"
    assert outcome.public()["messaging_type"] == "RESPONSE"


async def test_relay_sends_through_the_graph_client_and_records_the_mid(
    send_harness: SendHarness,
) -> None:
    outcome = await send_harness.send("Hello there")
    assert outcome.message_id is not None

    assert await send_harness.relay.run_once() == 1

    (request,) = send_harness.api.requests
    assert request.url.path == f"/v25.0/{PAGE_ID}/messages"
    assert request.headers["Authorization"] == f"Bearer {PAGE_TOKEN}"
    assert PAGE_TOKEN not in str(request.url)
    assert send_harness.api.bodies()[0]["message"]["metadata"] == f"cpt:{outcome.message_id}"
    message = send_harness.message(outcome.message_id)
    assert (message["status"], message["mid"], message["sent_at"]) == ("sent", "m_1", START)
    assert send_harness.outbox_row(outcome.message_id)["state"] == "done"
    assert await send_harness.relay.run_once() == 0
    assert len(send_harness.api.requests) == 1


async def test_refused_send_stores_nothing_and_names_the_next_option(
    send_harness: SendHarness,
) -> None:
    send_harness.advance(24 * 3600)  # the customer wrote 25 hours ago

    refused = await send_harness.send("Still there?")

    assert not refused.accepted
    assert isinstance(refused.decision, Blocked)
    assert refused.decision.code is BlockCode.WINDOW_CLOSED
    assert refused.public()["next_option"]["tag"] == "HUMAN_AGENT"
    assert refused.public()["next_option"]["senders"] == ["agent"]
    assert "HUMAN_AGENT" in refused.explanation
    assert send_harness.rows(tables.messages) == []
    assert send_harness.rows(tables.outbox) == []

    human = await send_harness.send("Sorry for the wait", author_kind="agent", author_name="Ana")
    assert human.accepted
    assert human.message_id is not None
    assert (human.public()["messaging_type"], human.public()["tag"]) == (
        "MESSAGE_TAG",
        "HUMAN_AGENT",
    )
    await send_harness.relay.run_once()
    body = send_harness.api.bodies()[0]
    assert (body["messaging_type"], body["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    assert send_harness.message(human.message_id)["author_name"] == "Ana"


async def test_bad_commands_get_clear_errors(send_harness: SendHarness) -> None:
    with pytest.raises(InvalidSendError) as empty:
        await send_harness.send("   ")
    assert empty.value.field == "text"
    with pytest.raises(InvalidSendError) as long_text:
        await send_harness.send("x" * 2000)
    assert "2000" in long_text.value.message
    too_many = tuple(QuickReply(title=f"Q{i}", payload=f"P{i}") for i in range(14))
    with pytest.raises(InvalidSendError) as replies:
        await send_harness.send("Pick one", quick_replies=too_many)
    assert replies.value.field == "quick_replies"
    with pytest.raises(SendTargetNotFoundError):
        await send_harness.send("Hi", conversation_id=send_harness.conversation_id + 100)
    with pytest.raises(SendTargetNotFoundError):
        await send_message(
            send_harness.container,
            SendMessage(
                workspace_id=send_harness.workspace_id + 1,
                conversation_id=send_harness.conversation_id,
                text="Another workspace's conversation",
            ),
        )
    assert send_harness.rows(tables.messages) == []


async def test_sending_by_contact_uses_its_open_conversation(send_harness: SendHarness) -> None:
    outcome = await send_harness.send(
        "By contact", conversation_id=None, contact_id=send_harness.contact_id
    )
    assert outcome.conversation_id == send_harness.conversation_id


# -- retries by error class ---------------------------------------------------------------


async def test_rate_limited_send_backs_off_slows_the_page_and_then_goes(
    send_harness: SendHarness,
) -> None:
    send_harness.api.script = [(400, graph_error(613, message="(#613) Calls to this api..."))]
    outcome = await send_harness.send("Busy day")
    assert outcome.message_id is not None
    limiter = send_harness.relay.limiter
    assert isinstance(limiter, MemoryLimiter)
    full_rate = limiter.rate(PAGE_ID)

    await send_harness.relay.run_once()

    row = send_harness.outbox_row(outcome.message_id)
    assert (row["state"], row["attempts"]) == ("pending", 1)
    assert row["available_at"] > START
    assert send_harness.message(outcome.message_id)["status"] == "queued"
    assert limiter.throttle_count[PAGE_ID] == 1
    assert limiter.rate(PAGE_ID) < full_rate
    assert await send_harness.relay.run_once() == 0  # not due yet

    send_harness.clock.set(row["available_at"])
    await send_harness.relay.run_once()
    assert send_harness.message(outcome.message_id)["status"] == "sent"
    assert len(send_harness.api.requests) == 2


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        pytest.param(
            (400, graph_error(1200, message="Temporary send message failure")), 1200, id="1200"
        ),
        pytest.param((500, graph_error(2, message="An unexpected error")), 2, id="2"),
        pytest.param((503, {"error": "upstream"}), None, id="http-503"),
        pytest.param(httpx.ConnectError("refused"), None, id="connect-error"),
    ],
)
async def test_transient_errors_are_retried_with_back_off(
    send_harness: SendHarness, answer: object, code: int | None
) -> None:
    send_harness.api.script = [answer, answer]  # type: ignore[list-item]
    outcome = await send_harness.send("Try again")
    assert outcome.message_id is not None

    await send_harness.relay.run_once()
    first = send_harness.outbox_row(outcome.message_id)
    assert first["state"] == "pending"
    assert first["unknown_since"] is None
    send_harness.clock.set(first["available_at"])
    await send_harness.relay.run_once()
    second = send_harness.outbox_row(outcome.message_id)
    # Exponential: the second wait is twice the first (jitter is off in this harness).
    assert second["available_at"] - first["available_at"] == 2 * (first["available_at"] - START)
    send_harness.clock.set(second["available_at"])
    await send_harness.relay.run_once()

    assert send_harness.message(outcome.message_id)["status"] == "sent"
    assert len(send_harness.api.requests) == 3
    assert send_harness.relay.stats.retried == 2


async def test_transient_errors_give_up_after_max_attempts(send_harness: SendHarness) -> None:
    send_harness.relay.configure(
        RelayConfig(retry=FAST_RETRY.__class__(first_delay=1.0, jitter=0.0, max_attempts=3))
    )
    send_harness.api.script = [(400, graph_error(1200))] * 5
    outcome = await send_harness.send("Doomed")
    assert outcome.message_id is not None
    for _ in range(3):
        await send_harness.relay.run_once()
        send_harness.advance(3600)

    message = send_harness.message(outcome.message_id)
    assert (message["status"], message["error_code"]) == ("failed", 1200)
    assert "gave up after 3 tries" in message["error_reason"]
    assert send_harness.outbox_row(outcome.message_id)["state"] == "dead"
    assert len(send_harness.api.requests) == 3


async def test_551_marks_the_contact_and_is_not_retried(send_harness: SendHarness) -> None:
    send_harness.api.script = [
        (400, graph_error(551, 1545041, "(#551) This person isn't available right now."))
    ]
    outcome = await send_harness.send("Hello?")
    assert outcome.message_id is not None

    await send_harness.relay.run_once()
    send_harness.advance(3600)
    assert await send_harness.relay.run_once() == 0

    message = send_harness.message(outcome.message_id)
    assert message["status"] == "failed"
    assert (message["error_code"], message["error_subcode"]) == (551, 1545041)
    assert message["error_reason"] == (
        "The customer isn't reachable (blocked the Page or deactivated)."
    )
    assert send_harness.contact()["blocked_at"] == START
    assert send_harness.outbox_row(outcome.message_id)["state"] == "dead"
    assert len(send_harness.api.requests) == 1
    # The policy now knows: the next send is refused before it is stored.
    refused = await send_harness.send("Anyone?")
    assert isinstance(refused.decision, Blocked)
    assert refused.decision.code is BlockCode.RECIPIENT_BLOCKED


@pytest.mark.parametrize(
    ("code", "subcode", "reason"),
    [
        pytest.param(100, None, "Meta refused the message as invalid.", id="100"),
        pytest.param(
            10,
            2018278,
            "Outside the 24-hour window: the customer has to write again first.",
            id="10",
        ),
        pytest.param(
            190, None, "The Page's access token is no longer valid: reconnect the Page.", id="190"
        ),
        pytest.param(
            2018300, None, "Another app controls this conversation right now.", id="2018300"
        ),
    ],
)
async def test_permanent_errors_fail_once_with_a_plain_reason(
    send_harness: SendHarness, code: int, subcode: int | None, reason: str
) -> None:
    send_harness.api.script = [(400, graph_error(code, subcode))]
    outcome = await send_harness.send("Once only")
    assert outcome.message_id is not None

    await send_harness.relay.run_once()
    send_harness.advance(3600)
    await send_harness.relay.run_once()

    message = send_harness.message(outcome.message_id)
    assert (message["status"], message["error_code"], message["error_reason"]) == (
        "failed",
        code,
        reason,
    )
    assert send_harness.contact()["blocked_at"] is None
    assert len(send_harness.api.requests) == 1


async def test_window_closed_while_queued_fails_without_a_call(send_harness: SendHarness) -> None:
    outcome = await send_harness.send("Queued in time")
    assert outcome.message_id is not None
    send_harness.advance(23 * 3600 + 1)  # the window closed before the relay got to it

    await send_harness.relay.run_once()

    message = send_harness.message(outcome.message_id)
    assert message["status"] == "failed"
    assert message["error_reason"].startswith("Not sent: ")
    assert message["error_code"] is None
    assert send_harness.api.requests == []


# -- unknown outcomes ---------------------------------------------------------------------


async def test_unknown_outcome_waits_for_the_echo_and_does_not_resend(
    send_harness: SendHarness,
) -> None:
    send_harness.api.script = [httpx.ReadTimeout("no answer")]
    outcome = await send_harness.send("Did it go?")
    assert outcome.message_id is not None

    await send_harness.relay.run_once()
    row = send_harness.outbox_row(outcome.message_id)
    assert (row["state"], row["unknown_since"]) == ("pending", START)
    # The echo arrives (the intake marks the message sent from metadata cpt:<id>).
    with send_harness.container.engine.begin() as conn:
        conn.execute(
            tables.messages.update()
            .where(tables.messages.c.id == outcome.message_id)
            .values(status="sent", mid="m_from_echo", sent_at=START)
        )
    send_harness.advance(5)
    await send_harness.relay.run_once()

    assert len(send_harness.api.requests) == 1
    assert send_harness.message(outcome.message_id)["mid"] == "m_from_echo"
    final = send_harness.outbox_row(outcome.message_id)
    assert (final["state"], final["resends"]) == ("done", 0)
    assert send_harness.relay.stats.confirmed_by_echo == 1


async def test_unknown_outcome_without_echo_is_sent_again_and_counted(
    send_harness: SendHarness,
) -> None:
    send_harness.api.script = [httpx.RemoteProtocolError("connection dropped")]
    outcome = await send_harness.send("Lost answer")
    assert outcome.message_id is not None

    await send_harness.relay.run_once()
    send_harness.advance(4)
    await send_harness.relay.run_once()  # still within the grace period: no call
    assert len(send_harness.api.requests) == 1
    send_harness.advance(1)
    await send_harness.relay.run_once()

    assert len(send_harness.api.requests) == 2
    assert send_harness.message(outcome.message_id)["status"] == "sent"
    assert send_harness.outbox_row(outcome.message_id)["resends"] == 1
    assert send_harness.relay.stats.resends == 1


async def test_rows_of_a_relay_that_died_come_back_as_unknown_outcomes(
    send_harness: SendHarness,
) -> None:
    outcome = await send_harness.send("Claimed then crashed")
    assert outcome.message_id is not None
    with send_harness.container.engine.begin() as conn:
        dead = store.claim_due(
            conn, now=START, lease=timedelta(seconds=10), limit=10, token="dead-relay"
        )
    assert [c.message_id for c in dead] == [outcome.message_id]

    assert await send_harness.relay.run_once() == 0  # the dead relay's claim still holds
    send_harness.advance(11)
    assert await send_harness.relay.run_once() == 1  # claimed back: now an unknown outcome
    row = send_harness.outbox_row(outcome.message_id)
    assert row["unknown_since"] == START + timedelta(seconds=11)
    assert send_harness.api.requests == []  # waiting for an echo first
    send_harness.advance(5)
    await send_harness.relay.run_once()

    assert len(send_harness.api.requests) == 1
    assert send_harness.outbox_row(outcome.message_id)["resends"] == 1
    # The dead relay's late result is ignored: its claim token no longer matches.
    with send_harness.container.engine.begin() as conn:
        store.record_retry(
            conn,
            dead[0],
            available_at=START,
            error="late",
            called=True,
            unknown_since=None,
        )
    assert send_harness.outbox_row(outcome.message_id)["state"] == "done"


# -- order and concurrency ----------------------------------------------------------------


async def test_live_replies_are_claimed_before_bulk(send_harness: SendHarness) -> None:
    for i in range(3):
        await send_harness.send(f"Broadcast {i}", author_kind="broadcast", priority=1)
    live = await send_harness.send("A live answer")

    await send_harness.relay.run_once(limit=1)

    assert send_harness.api.metadata() == [f"cpt:{live.message_id}"]


def test_claims_by_concurrent_relays_never_overlap(database_url: str, tmp_path: Path) -> None:
    """Four threads with their own engines claim from one outbox: each row exactly once."""
    api = FakeSendApi()
    clock = FixedClock(START)
    container = build_harness_container(database_url, tmp_path, api, clock)
    total = 200
    try:
        with container.engine.begin() as conn:
            from comptoir.storage.pages import connect_page, create_workspace
            from tests.jobs.conftest import seed_contact

            workspace_id = create_workspace(conn, "Shop", START)
            page = connect_page(
                conn,
                container.secrets,
                workspace_id=workspace_id,
                page_id=PAGE_ID,
                access_token=PAGE_TOKEN,
                app_secret="s",
                verify_token="v",
                now=START,
            )
            contact_id, conversation_id = seed_contact(
                conn, workspace_id, page.id, PSID, START, clock
            )
            for i in range(total):
                message_id = conn.execute(
                    tables.messages.insert().values(
                        workspace_id=workspace_id,
                        page_ref=page.id,
                        conversation_id=conversation_id,
                        contact_id=contact_id,
                        direction="out",
                        author_kind="bot",
                        text=f"m{i}",
                        content={},
                        status="queued",
                        created_at=START,
                    )
                ).inserted_primary_key
                assert message_id is not None
                conn.execute(
                    tables.outbox.insert().values(
                        message_id=message_id[0],
                        page_ref=page.id,
                        available_at=START,
                        request={},
                        intent={},
                        created_at=START,
                    )
                )
    finally:
        container.engine.dispose()

    claimed: list[list[int]] = [[] for _ in range(4)]
    errors: list[BaseException] = []

    def relay(index: int) -> None:
        engine = create_engine(database_url)
        try:
            while True:
                with engine.begin() as conn:
                    got = store.claim_due(
                        conn,
                        now=START,
                        lease=timedelta(minutes=5),
                        limit=7,
                        token=f"relay-{index}",
                    )
                if not got:
                    return
                claimed[index].extend(c.outbox_id for c in got)
        except BaseException as exc:  # report in the main thread
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=relay, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    every = [outbox_id for ids in claimed for outbox_id in ids]
    assert len(every) == total
    assert len(set(every)) == total
    engine = create_engine(database_url)
    with engine.connect() as conn:
        tokens = conn.execute(
            sa.select(tables.outbox.c.claim_token, sa.func.count()).group_by(
                tables.outbox.c.claim_token
            )
        ).all()
    engine.dispose()
    assert dict(tokens) == {f"relay-{i}": len(ids) for i, ids in enumerate(claimed) if ids}


async def test_two_running_relays_send_each_message_once(send_harness: SendHarness) -> None:
    """Two relay workers (as in two processes) on one database, each with its own loop."""
    sent = [await send_harness.send(f"Message {i}") for i in range(60)]
    second = OutboxRelay(
        send_harness.container, config=RelayConfig(poll_interval=0.05, max_in_flight=8)
    )
    second.limiter = MemoryLimiter(LimiterConfig(text_per_second=10_000))
    send_harness.relay.configure(RelayConfig(poll_interval=0.05, max_in_flight=8))
    await send_harness.relay.start()
    await second.start()
    try:
        await wait_for(
            lambda: all(send_harness.message(o.message_id or 0)["status"] == "sent" for o in sent),
            within=10,
            what="every message sent",
        )
    finally:
        await second.aclose()
        await send_harness.relay.aclose()

    calls = send_harness.api.metadata()
    assert sorted(calls) == sorted(f"cpt:{o.message_id}" for o in sent)
    assert send_harness.relay.stats.attempts > 0
    assert second.stats.attempts > 0


async def test_send_message_wakes_a_running_relay(send_harness: SendHarness) -> None:
    send_harness.relay.configure(RelayConfig(poll_interval=30.0))  # only a wake can do it
    await send_harness.relay.start()
    try:
        await asyncio.sleep(0.05)  # the loop is now waiting
        outcome = await send_harness.send("Right away")
        await wait_for(
            lambda: send_harness.message(outcome.message_id or 0)["status"] == "sent",
            within=5,
            what="the message sent",
        )
    finally:
        await send_harness.relay.aclose()


async def test_requested_tag_is_checked_by_the_policy(send_harness: SendHarness) -> None:
    send_harness.advance(24 * 3600)
    refused = await send_harness.send("Bot with a tag", mechanism=Mechanism.TAG, tag="HUMAN_AGENT")
    assert isinstance(refused.decision, Blocked)
    assert refused.decision.code is BlockCode.HUMAN_ONLY
    retired = await send_harness.send(
        "Your order shipped",
        author_kind="system",
        mechanism=Mechanism.TAG,
        tag="POST_PURCHASE_UPDATE",
    )
    assert isinstance(retired.decision, Blocked)
    assert send_harness.rows(tables.outbox) == []


# -- sender actions -----------------------------------------------------------------------


async def test_typing_indicator_goes_straight_out_inside_the_window(
    send_harness: SendHarness,
) -> None:
    outcome = await send_sender_action(
        send_harness.container,
        send_harness.workspace_id,
        conversation_id=send_harness.conversation_id,
        action="typing_on",
    )

    assert outcome.sent
    (request,) = send_harness.api.requests
    assert request.headers["Authorization"] == f"Bearer {PAGE_TOKEN}"
    assert send_harness.api.bodies() == [{"recipient": {"id": PSID}, "sender_action": "typing_on"}]
    assert send_harness.rows(tables.messages) == []
    assert send_harness.rows(tables.outbox) == []


async def test_typing_indicator_outside_the_window_is_refused_without_a_call(
    send_harness: SendHarness,
) -> None:
    send_harness.advance(24 * 3600)

    outcome = await send_sender_action(
        send_harness.container, send_harness.workspace_id, contact_id=send_harness.contact_id
    )

    assert not outcome.sent
    assert isinstance(outcome.decision, Blocked)
    assert outcome.decision.code is BlockCode.WINDOW_CLOSED
    assert send_harness.api.requests == []


async def test_typing_indicator_reports_meta_refusing_it(send_harness: SendHarness) -> None:
    send_harness.api.script = [(400, graph_error(551, 1545041))]

    outcome = await send_sender_action(
        send_harness.container,
        send_harness.workspace_id,
        conversation_id=send_harness.conversation_id,
    )

    assert not outcome.sent
    assert outcome.error == "The customer isn't reachable (blocked the Page or deactivated)."
    assert send_harness.contact()["blocked_at"] == START
    with pytest.raises(InvalidSendError):
        await send_sender_action(
            send_harness.container,
            send_harness.workspace_id,
            conversation_id=send_harness.conversation_id,
            action="dance",
        )
