"""The intake: every event kind stored as it should be, once, whatever the batching or order.

Events go through the real receiver (signed POSTs to ``/webhooks/messenger``) into the real
writer; assertions read the tables. Parametrised over SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from comptoir.services import intake_batch
from comptoir.services.intake import intake_of
from comptoir.storage import tables
from comptoir.storage.page_restrictions import INDEFINITELY
from comptoir.storage.pages import connect_page
from comptoir.storage.tokens import hash_token
from tests.support.stack import WebhookHarness

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).parent.parent / "fixtures" / "messenger"
PAGE = "104000000000001"
PSID = "6100000000000001"
OUR_APP = "1517776481860111"
PAGE_INBOX = "263902037430900"
T0 = 1780308000000  # 2026-06-01T10:00:00Z in milliseconds


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


# ---- event builders (shapes of the reference's §1.5) -----------------------------------


def user_event(ms: int | None, psid: str = PSID, **fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"sender": {"id": psid}, "recipient": {"id": PAGE}, **fields}
    if ms is not None:
        event["timestamp"] = ms
    return event


def message(mid: str, text: str, ms: int, psid: str = PSID) -> dict[str, Any]:
    return user_event(ms, psid, message={"mid": mid, "text": text})


def echo(
    mid: str, text: str, ms: int, *, app_id: str = PAGE_INBOX, metadata: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"is_echo": True, "app_id": int(app_id), "mid": mid, "text": text}
    if metadata is not None:
        body["metadata"] = metadata
    return {"sender": {"id": PAGE}, "recipient": {"id": PSID}, "timestamp": ms, "message": body}


def delivery(watermark: int, mids: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"watermark": watermark}
    if mids:
        body["mids"] = mids
    return user_event(None, delivery=body)


def read(watermark: int, ms: int) -> dict[str, Any]:
    return user_event(ms, read={"watermark": watermark})


def reaction(mid: str, action: str, ms: int, kind: str = "love") -> dict[str, Any]:
    body = {"mid": mid, "action": action, "reaction": kind, "emoji": "\u2764\ufe0f"}
    return user_event(ms, reaction=body)


def edit(mid: str, text: str, num: int, ms: int) -> dict[str, Any]:
    return user_event(ms, message_edit={"mid": mid, "text": text, "num_edit": num})


def control(kind: str, new_owner: str, ms: int) -> dict[str, Any]:
    return user_event(ms, **{kind: {"previous_owner_app_id": None, "new_owner_app_id": new_owner}})


def enforcement(action: str, ms: int) -> dict[str, Any]:
    return {
        "recipient": {"id": PAGE},
        "timestamp": ms,
        "policy_enforcement": {"action": action, "reason": "spam"},
    }


# ---- helpers ---------------------------------------------------------------------------


async def post_ok(harness: WebhookHarness, body: bytes) -> None:
    response = await harness.post(body)
    assert response.status_code == 200, response.text


async def deliver(harness: WebhookHarness, *events: dict[str, Any]) -> None:
    """Each event in its own POST, in order, then wait for after-commit work."""
    for event in events:
        await post_ok(harness, harness.body(event))
    await harness.settle()


def only(rows: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(rows) == 1, rows
    return rows[0]


def contact(harness: WebhookHarness, psid: str = PSID) -> dict[str, Any]:
    return only(harness.rows(tables.contacts, tables.contacts.c.psid == psid))


def by_mid(harness: WebhookHarness, mid: str) -> dict[str, Any]:
    return only(harness.rows(tables.messages, tables.messages.c.mid == mid))


def outbound(harness: WebhookHarness, text: str, *, status: str, sent_ms: int | None) -> int:
    """An outgoing message as the sending path stores it (needs the contact to exist)."""
    person = contact(harness)
    conversation = only(harness.rows(tables.conversations))
    with harness.container.engine.begin() as connection:
        result = connection.execute(
            tables.messages.insert().values(
                workspace_id=harness.workspace_id,
                page_ref=harness.page_ref,
                conversation_id=conversation["id"],
                contact_id=person["id"],
                direction="out",
                author_kind="bot",
                text=text,
                content={},
                status=status,
                mid=None if status == "queued" else f"m_out_{text}",
                created_at=at(sent_ms or T0),
                sent_at=at(sent_ms) if sent_ms is not None else None,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def snapshot(harness: WebhookHarness) -> dict[str, list[dict[str, Any]]]:
    return {
        table.name: harness.rows(table)
        for table in (
            tables.webhook_events,
            tables.contacts,
            tables.conversations,
            tables.messages,
            tables.pages,
            tables.outgoing_deliveries,
        )
    }


# ---- one test per fixture of the reference's Appendix A --------------------------------


async def test_a_first_text_message_creates_contact_conversation_and_message(
    webhook_harness: WebhookHarness,
) -> None:
    await post_ok(webhook_harness, fixture("text"))
    await webhook_harness.settle()
    sent_at = at(1767225600050)
    person = contact(webhook_harness)
    assert person["source"] == "message"
    assert person["last_user_message_at"] == sent_at
    assert person["last_qualifying_action_at"] == sent_at
    conversation = only(webhook_harness.rows(tables.conversations))
    assert conversation["status"] == "open"
    assert conversation["contact_id"] == person["id"]
    assert conversation["last_activity_at"] == sent_at
    stored = by_mid(webhook_harness, "m_AbCdEf0001")
    assert stored["direction"] == "in"
    assert stored["author_kind"] == "customer"
    assert stored["status"] == "received"
    assert stored["text"] == "Hi, is this in stock?"
    assert stored["created_at"] == sent_at
    assert stored["conversation_id"] == conversation["id"]
    assert stored["standby"] is False
    raw = only(webhook_harness.rows(tables.webhook_events))
    assert raw["kind"] == "message"
    assert raw["payload"] == json.loads(fixture("text"))["entry"][0]["messaging"][0]
    assert raw["processed_at"] is not None


async def test_a_quick_reply_keeps_its_payload(webhook_harness: WebhookHarness) -> None:
    await post_ok(webhook_harness, fixture("quick_reply"))
    stored = by_mid(webhook_harness, "m_AbCdEf0002")
    assert stored["text"] == "Green"
    assert stored["content"]["quick_reply"] == {"payload": "COLOR_GREEN"}


async def test_an_image_keeps_its_attachment(webhook_harness: WebhookHarness) -> None:
    await post_ok(webhook_harness, fixture("image"))
    stored = by_mid(webhook_harness, "m_AbCdEf0003")
    assert stored["text"] is None
    assert stored["content"]["attachments"][0]["type"] == "image"
    assert stored["content"]["attachments"][0]["url"] == "https://scontent.example/photo.jpg"


async def test_a_sticker_reply_with_commands(webhook_harness: WebhookHarness) -> None:
    await post_ok(webhook_harness, fixture("sticker_reply"))
    content = by_mid(webhook_harness, "m_AbCdEf0010")["content"]
    assert [a["type"] for a in content["attachments"]] == ["image", "sticker", "fallback"]
    assert content["reply_to"] == {"mid": "m_PageOut0001"}
    assert content["commands"] == ["flights"]


async def test_get_started_from_an_mme_link(webhook_harness: WebhookHarness) -> None:
    await post_ok(webhook_harness, fixture("get_started_ref"))
    person = contact(webhook_harness, "6100000000000002")
    assert (person["source"], person["source_ref"]) == ("mme_ref", "summer_coupon")
    assert person["last_qualifying_action_at"] == at(1767225800001)
    assert person["last_user_message_at"] is None  # a tap is not a message
    stored = by_mid(webhook_harness, "m_AbCdEf0004")
    assert stored["text"] == "Get Started"
    assert stored["content"]["postback"]["payload"] == "GET_STARTED"
    assert stored["content"]["postback"]["referral"]["ref"] == "summer_coupon"


async def test_a_first_message_from_an_ad(webhook_harness: WebhookHarness) -> None:
    await post_ok(webhook_harness, fixture("ad_message"))
    person = contact(webhook_harness, "6100000000000003")
    assert (person["source"], person["source_ref"]) == ("ad", "spring_campaign")
    assert person["last_user_message_at"] == at(1767225900001)
    referral = by_mid(webhook_harness, "m_AbCdEf0005")["content"]["referral"]
    assert referral["ad_id"] == "120200000000001"
    assert referral["source"] == "ADS"


async def test_a_referral_on_an_existing_thread(webhook_harness: WebhookHarness) -> None:
    await post_ok(webhook_harness, fixture("text"))
    await post_ok(webhook_harness, fixture("referral"))
    person = contact(webhook_harness)
    assert person["source"] == "message"  # first touch stays
    assert person["content"]["last_referral"]["ref"] == "store_qr_12"
    assert person["last_qualifying_action_at"] == at(1767226000001)  # the window reset
    assert person["last_user_message_at"] == at(1767225600050)
    assert len(webhook_harness.rows(tables.messages)) == 1


async def test_a_reaction_and_an_edit(webhook_harness: WebhookHarness) -> None:
    await post_ok(webhook_harness, fixture("text"))
    await post_ok(
        webhook_harness, webhook_harness.body(echo("m_PageOut0001", "Yes!", 1767225650000))
    )
    await post_ok(webhook_harness, fixture("reaction_edit"))
    reacted = by_mid(webhook_harness, "m_PageOut0001")
    assert reacted["content"]["reaction"]["reaction"] == "love"
    assert reacted["content"]["reaction"]["emoji"] == "\u2764\ufe0f"
    edited = by_mid(webhook_harness, "m_AbCdEf0001")
    assert edited["text"] == "Hi, is the blue one in stock?"
    assert edited["content"]["original_text"] == "Hi, is this in stock?"
    assert [e["num_edit"] for e in edited["content"]["edits"]] == [1]
    # A reaction is a qualifying action (§3.1).
    assert contact(webhook_harness)["last_qualifying_action_at"] == at(1767226200001)


async def test_an_echo_of_our_app_without_our_metadata(webhook_harness: WebhookHarness) -> None:
    await post_ok(webhook_harness, fixture("echo"))
    stored = by_mid(webhook_harness, "m_PageOut0002")
    assert stored["direction"] == "out"
    assert stored["author_kind"] == "system"
    assert stored["status"] == "sent"
    assert stored["sent_at"] == at(1767226300001)
    assert stored["content"]["metadata"] == "ticket-42"


async def test_an_echo_from_the_page_inbox(webhook_harness: WebhookHarness) -> None:
    await post_ok(webhook_harness, fixture("page_inbox_echo"))
    stored = only(webhook_harness.rows(tables.messages))
    assert stored["direction"] == "out"
    assert stored["author_kind"] == "page_inbox"
    assert stored["status"] == "sent"
    # The Page's own message is not the customer's action: no window.
    person = contact(webhook_harness)
    assert person["last_qualifying_action_at"] is None


async def test_an_echo_from_another_app(webhook_harness: WebhookHarness) -> None:
    await deliver(webhook_harness, echo("m_other", "from a CRM", T0, app_id="777000000000001"))
    assert by_mid(webhook_harness, "m_other")["author_kind"] == "other_app"


@pytest.mark.parametrize(
    ("name", "key", "expected"),
    [
        (
            "optin_notification_messages",
            "8700000000000001",
            {"type": "notification_messages", "title": "Updates and promotions"},
        ),
        (
            "optin_otn",
            "5500000000000077",
            {"type": "one_time_notif_req", "payload": "BACK_IN_STOCK_SKU42"},
        ),
        ("optin_stop", "8700000000000001", {"status": "STOP NOTIFICATIONS"}),
    ],
)
async def test_opt_ins_are_kept_on_the_contact(
    webhook_harness: WebhookHarness, name: str, key: str, expected: dict[str, str]
) -> None:
    await post_ok(webhook_harness, fixture(name))
    optin = contact(webhook_harness)["content"]["optins"][hash_token(key)]
    assert expected.items() <= optin.items()
    assert key not in json.dumps(contact(webhook_harness)["content"])  # the token is not kept
    # Opting in does not open the window (§3.1).
    assert contact(webhook_harness)["last_qualifying_action_at"] is None


async def test_a_checkbox_opt_in_without_psid_is_kept_raw(
    webhook_harness: WebhookHarness,
) -> None:
    await post_ok(webhook_harness, fixture("optin_checkbox"))
    assert only(webhook_harness.rows(tables.webhook_events))["kind"] == "optin"
    assert webhook_harness.rows(tables.contacts) == []


async def test_handovers_set_the_thread_owner(webhook_harness: WebhookHarness) -> None:
    await post_ok(webhook_harness, fixture("text"))
    await post_ok(webhook_harness, fixture("take_control"))
    conversation = only(webhook_harness.rows(tables.conversations))
    assert conversation["thread_owner_app_id"] == PAGE_INBOX
    await post_ok(webhook_harness, fixture("pass_control"))  # older: control passed to us
    conversation = only(webhook_harness.rows(tables.conversations))
    assert conversation["thread_owner_app_id"] == PAGE_INBOX  # the later take still holds
    await deliver(webhook_harness, control("pass_thread_control", OUR_APP, 1767226600000))
    conversation = only(webhook_harness.rows(tables.conversations))
    assert conversation["thread_owner_app_id"] is None  # ours again
    kinds = sorted(e["kind"] for e in webhook_harness.rows(tables.webhook_events))
    assert kinds.count("handover") == 5


async def test_standby_items_are_stored_flagged_and_never_crash(
    webhook_harness: WebhookHarness,
) -> None:
    await post_ok(webhook_harness, fixture("standby_message"))
    messages = webhook_harness.rows(tables.messages)
    assert [(m["text"], m["standby"]) for m in messages] == [
        ("thanks!", True),
        ("Talk to a person", True),
    ]
    assert all(e["standby"] for e in webhook_harness.rows(tables.webhook_events))
    # The person wrote to the Page: the window opens whoever owns the thread.
    assert contact(webhook_harness)["last_user_message_at"] == at(1767226600001)


async def test_policy_enforcement_restricts_and_lifts(webhook_harness: WebhookHarness) -> None:
    def page() -> dict[str, Any]:
        return only(webhook_harness.rows(tables.pages))

    await post_ok(webhook_harness, fixture("policy_enforcement"))  # a warning
    assert page()["restricted_until"] is None
    await deliver(webhook_harness, enforcement("block", T0))
    assert page()["restricted_until"] == INDEFINITELY
    await deliver(webhook_harness, enforcement("unblock", T0 + 2000))
    assert page()["restricted_until"] is None
    await deliver(webhook_harness, enforcement("block", T0 + 1000))  # late, older: ignored
    assert page()["restricted_until"] is None


async def test_unknown_kinds_are_kept_raw(webhook_harness: WebhookHarness) -> None:
    await post_ok(webhook_harness, fixture("unknown_kind"))
    events = webhook_harness.rows(tables.webhook_events)
    unknown = [e for e in events if e["kind"] == "unknown"]
    assert len(unknown) == 3
    payloads = [e["payload"] for e in unknown]
    assert any("response_feedback" in p for p in payloads)
    assert any(p.get("field") == "feed" for p in payloads)  # a ``changes`` item
    assert any(
        p.get("delivery", {}).get("watermark") == "not-a-number-but-a-list" for p in payloads
    )


# ---- receipts and echoes of our messages -----------------------------------------------


async def test_receipts_by_watermark_move_statuses_forward_only(
    webhook_harness: WebhookHarness,
) -> None:
    await deliver(webhook_harness, message("m_in", "hello", T0))
    first = outbound(webhook_harness, "one", status="sent", sent_ms=T0 + 1000)
    second = outbound(webhook_harness, "two", status="sent", sent_ms=T0 + 2000)
    third = outbound(webhook_harness, "three", status="sent", sent_ms=T0 + 3000)
    queued = outbound(webhook_harness, "queued", status="queued", sent_ms=None)

    def status(message_id: int) -> str:
        rows = webhook_harness.rows(tables.messages, tables.messages.c.id == message_id)
        return str(only(rows)["status"])

    await deliver(webhook_harness, delivery(T0 + 2000))
    assert [status(i) for i in (first, second, third, queued)] == [
        "delivered",
        "delivered",
        "sent",
        "queued",
    ]
    await deliver(webhook_harness, read(T0 + 1000, T0 + 5000))
    assert [status(i) for i in (first, second, third)] == ["read", "delivered", "sent"]
    # An older delivery receipt, late: nothing moves back.
    await deliver(webhook_harness, delivery(T0 + 1500))
    assert status(first) == "read"
    # A delivery naming the third message by mid.
    await deliver(webhook_harness, delivery(T0 + 1000, mids=["m_out_three"]))
    assert status(third) == "delivered"
    await deliver(webhook_harness, read(T0 + 9000, T0 + 9000))
    assert [status(i) for i in (first, second, third, queued)] == ["read"] * 3 + ["queued"]
    row = only(webhook_harness.rows(tables.messages, tables.messages.c.id == second))
    assert row["delivered_at"] == at(T0 + 2000)
    assert row["read_at"] == at(T0 + 9000)
    # Inbound messages are never touched by receipts.
    assert by_mid(webhook_harness, "m_in")["status"] == "received"


async def test_the_delivery_and_read_fixture(webhook_harness: WebhookHarness) -> None:
    await deliver(webhook_harness, message("m_in", "hello", 1767226000000))
    sent = outbound(webhook_harness, "PageOut", status="sent", sent_ms=1767226098000)
    await post_ok(webhook_harness, fixture("delivery_read"))
    row = only(webhook_harness.rows(tables.messages, tables.messages.c.id == sent))
    assert row["status"] == "read"


async def test_a_receipt_before_the_echo_still_applies(webhook_harness: WebhookHarness) -> None:
    await deliver(webhook_harness, message("m_in", "hello", T0))
    await deliver(webhook_harness, read(T0 + 5000, T0 + 6000))
    await deliver(webhook_harness, echo("m_inbox", "typed in Meta's inbox", T0 + 4000))
    assert by_mid(webhook_harness, "m_inbox")["status"] == "read"


async def test_our_echo_marks_the_message_sent(webhook_harness: WebhookHarness) -> None:
    await deliver(webhook_harness, message("m_in", "hello", T0))
    queued = outbound(webhook_harness, "queued", status="queued", sent_ms=None)
    ours = echo("m_ours", "queued", T0 + 100, app_id=OUR_APP, metadata=f"cpt:{queued}")
    await deliver(webhook_harness, ours)
    row = only(webhook_harness.rows(tables.messages, tables.messages.c.id == queued))
    assert (row["status"], row["mid"], row["sent_at"]) == ("sent", "m_ours", at(T0 + 100))
    assert len(webhook_harness.rows(tables.messages)) == 2  # no second row for the echo


async def test_a_late_echo_of_ours_does_not_move_the_status_back(
    webhook_harness: WebhookHarness,
) -> None:
    await deliver(webhook_harness, message("m_in", "hello", T0))
    sent = outbound(webhook_harness, "sent", status="sent", sent_ms=T0 + 100)
    await deliver(webhook_harness, read(T0 + 200, T0 + 300))
    late = echo("m_out_sent", "sent", T0 + 100, app_id=OUR_APP, metadata=f"cpt:{sent}")
    await deliver(webhook_harness, late)
    row = only(webhook_harness.rows(tables.messages, tables.messages.c.id == sent))
    assert (row["status"], row["mid"]) == ("read", "m_out_sent")
    assert len(webhook_harness.rows(tables.messages)) == 2


# ---- conversations and windows ---------------------------------------------------------


async def test_a_message_after_a_resolved_conversation_opens_a_new_one(
    webhook_harness: WebhookHarness,
) -> None:
    await deliver(webhook_harness, message("m1", "one", T0))
    await deliver(webhook_harness, message("m2", "two", T0 + 1000))
    conversations = webhook_harness.rows(tables.conversations)
    assert len(conversations) == 1
    assert conversations[0]["last_activity_at"] == at(T0 + 1000)
    with webhook_harness.container.engine.begin() as connection:
        connection.execute(tables.conversations.update().values(status="resolved"))
    await deliver(webhook_harness, message("m3", "three", T0 + 2000))
    conversations = webhook_harness.rows(tables.conversations)
    assert [c["status"] for c in conversations] == ["resolved", "open"]
    assert by_mid(webhook_harness, "m3")["conversation_id"] == conversations[1]["id"]
    assert by_mid(webhook_harness, "m2")["conversation_id"] == conversations[0]["id"]


async def test_window_marks_never_move_back(webhook_harness: WebhookHarness) -> None:
    await deliver(webhook_harness, message("m_new", "later", T0 + 60_000))
    await deliver(webhook_harness, message("m_old", "earlier", T0))
    person = contact(webhook_harness)
    assert person["last_user_message_at"] == at(T0 + 60_000)
    assert person["last_qualifying_action_at"] == at(T0 + 60_000)
    conversation = only(webhook_harness.rows(tables.conversations))
    assert conversation["last_activity_at"] == at(T0 + 60_000)


async def test_edits_and_reactions_out_of_order(webhook_harness: WebhookHarness) -> None:
    # The edits arrive before the message itself, the second edit first.
    await deliver(webhook_harness, edit("m1", "second edit", 2, T0 + 2000))
    await deliver(webhook_harness, edit("m1", "first edit", 1, T0 + 1000))
    await deliver(webhook_harness, message("m1", "original", T0))
    stored = by_mid(webhook_harness, "m1")
    assert stored["text"] == "second edit"
    assert stored["content"]["original_text"] == "original"
    assert [e["text"] for e in stored["content"]["edits"]] == ["first edit", "second edit"]
    assert stored["created_at"] == at(T0)
    assert "from_edit" not in stored["content"]
    # Unreact (later) arrives before react (earlier): no reaction remains.
    await deliver(webhook_harness, echo("m_page", "Hi!", T0 + 3000))
    await deliver(webhook_harness, reaction("m_page", "unreact", T0 + 5000))
    await deliver(webhook_harness, reaction("m_page", "react", T0 + 4000))
    content = by_mid(webhook_harness, "m_page")["content"]
    assert content["reaction"] is None
    assert [r["action"] for r in content["reaction_history"]] == ["react", "unreact"]


# ---- idempotency: replays, batching, order ---------------------------------------------


def story() -> list[dict[str, Any]]:
    """A conversation's worth of events, in the order they happened."""
    return [
        message("m1", "Bonjour", T0),
        user_event(T0 + 500, postback={"mid": "m_pb", "title": "Prices", "payload": "PRICES"}),
        echo("m_p1", "Hello from the shop", T0 + 1000),
        delivery(T0 + 1000, mids=["m_p1"]),
        read(T0 + 1000, T0 + 1500),
        message("m2", "Do you ship to Lyon?", T0 + 2000),
        edit("m2", "Do you ship to Lille?", 1, T0 + 2500),
        reaction("m_p1", "react", T0 + 3000),
        control("take_thread_control", PAGE_INBOX, T0 + 4000),
        user_event(
            T0 + 5000, referral={"ref": "qr_7", "source": "SHORTLINK", "type": "OPEN_THREAD"}
        ),
        user_event(
            T0 + 6000,
            optin={
                "type": "notification_messages",
                "payload": "DEALS",
                "notification_messages_token": "870001",
            },
        ),
        message("m3", "thanks", T0 + 7000, psid="6100000000000002"),
        enforcement("warning", T0 + 8000),
    ]


async def test_replays_in_any_batching_and_order_store_once(
    webhook_harness: WebhookHarness,
) -> None:
    events = story()
    await deliver(webhook_harness, *events)
    before = snapshot(webhook_harness)
    assert len(before["webhook_events"]) == len(events)
    assert len(before["messages"]) == 5

    # 1. The same POSTs again, one by one.
    await deliver(webhook_harness, *events)
    # 2. Everything in one batched POST, reversed.
    await post_ok(webhook_harness, webhook_harness.body(*reversed(events)))
    # 3. Shuffled, concurrently, in batches of three, standby copies included.
    shuffled = events[:]
    random.Random(7).shuffle(shuffled)
    bodies = [webhook_harness.body(*shuffled[i : i + 3]) for i in range(0, len(shuffled), 3)]
    responses = await asyncio.gather(*(webhook_harness.post(body) for body in bodies))
    assert {r.status_code for r in responses} == {200}
    await webhook_harness.settle()
    assert snapshot(webhook_harness) == before


async def test_the_first_delivery_order_does_not_change_the_result(
    webhook_harness: WebhookHarness,
) -> None:
    """The story delivered in order to one Page and in reverse order to another ends in the
    same state (ids aside)."""
    container = webhook_harness.container
    with container.engine.begin() as connection:
        other = connect_page(
            connection,
            container.secrets,
            workspace_id=webhook_harness.workspace_id,
            page_id="104000000000002",
            access_token="page-token-0002",
            app_secret=webhook_harness.app_secret,
            verify_token="verify-0002",
            now=webhook_harness.clock.now(),
            app_id=OUR_APP,
        )
    events = [e for e in story() if "reaction" not in e]  # a reaction needs its message first
    await deliver(webhook_harness, *events)
    swapped = json.loads(json.dumps(list(reversed(events))).replace(PAGE, "104000000000002"))
    for event in swapped:  # one POST each: the writer cannot re-sort them
        await post_ok(webhook_harness, webhook_harness.body(event, page_id="104000000000002"))
    await webhook_harness.settle()

    def state(page_ref: int) -> dict[str, Any]:
        people = {
            c["id"]: c
            for c in webhook_harness.rows(tables.contacts, tables.contacts.c.page_ref == page_ref)
        }
        messages = webhook_harness.rows(tables.messages, tables.messages.c.page_ref == page_ref)
        conversations = webhook_harness.rows(
            tables.conversations, tables.conversations.c.page_ref == page_ref
        )
        volatile = {
            "id",
            "page_ref",
            "contact_id",
            "conversation_id",
            "profile_fetched_at",
            "last_in_message_id",
        }
        return {
            "contacts": sorted(
                ({k: v for k, v in c.items() if k not in volatile} for c in people.values()),
                key=lambda c: c["psid"],
            ),
            "messages": sorted(
                (
                    {k: v for k, v in m.items() if k not in volatile}
                    | {"psid": people[m["contact_id"]]["psid"]}
                    for m in messages
                ),
                key=lambda m: str(m["mid"]),
            ),
            "conversations": sorted(
                (
                    {k: v for k, v in c.items() if k not in volatile}
                    | {"psid": people[c["contact_id"]]["psid"]}
                    for c in conversations
                ),
                key=lambda c: c["psid"],
            ),
        }

    assert state(other.id) == state(webhook_harness.page_ref)
    assert state(other.id)["messages"]


async def test_concurrent_requests_share_commits(webhook_harness: WebhookHarness) -> None:
    intake = intake_of(webhook_harness.container)
    commits_before = intake.stats.commits
    bodies = [
        webhook_harness.body(message(f"m{i}", f"hello {i}", T0 + i, psid=f"61000000{i:08d}"))
        for i in range(60)
    ]
    responses = await asyncio.gather(*(webhook_harness.post(body) for body in bodies))
    assert {r.status_code for r in responses} == {200}
    assert len(webhook_harness.rows(tables.messages)) == 60
    assert len(webhook_harness.rows(tables.contacts)) == 60
    assert intake.stats.commits - commits_before < 60


async def test_a_request_that_fails_does_not_fail_the_others(
    webhook_harness: WebhookHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply = intake_batch._Writer.apply

    def failing(self: intake_batch._Writer, fresh: list[Any]) -> None:
        if any(item.text == "boom" for _, item in fresh):
            raise RuntimeError("processing failed")
        apply(self, fresh)

    monkeypatch.setattr(intake_batch._Writer, "apply", failing)
    bad = webhook_harness.body(message("m_bad", "boom", T0))
    good = [webhook_harness.body(message(f"m{i}", "fine", T0 + i)) for i in range(5)]
    responses = await asyncio.gather(*(webhook_harness.post(b) for b in [bad, *good]))
    assert {r.status_code for r in responses} == {200}
    assert sorted(m["mid"] for m in webhook_harness.rows(tables.messages)) == [
        f"m{i}" for i in range(5)
    ]
    failed = only(
        webhook_harness.rows(
            tables.webhook_events, tables.webhook_events.c.dedupe_key == "mid:m_bad"
        )
    )
    assert failed["processed_at"] is None
    assert "processing failed" in failed["process_error"]


# ---- profiles --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "status", "first_name"),
    [
        pytest.param(
            {"first_name": "Léa", "last_name": "Roux", "locale": "fr_FR", "timezone": 2},
            "fetched",
            "Léa",
            id="fetched",
        ),
        pytest.param({}, "empty", "", id="empty"),
        pytest.param(
            (400, {"error": {"message": "x", "code": 100, "error_subcode": 2018247}}),
            "unavailable",
            "",
            id="2018247",
        ),
        pytest.param(
            (500, {"error": {"message": "oops", "code": 2}}), "failed", "", id="server-error"
        ),
        pytest.param(TimeoutError("slow"), "failed", "", id="timeout"),
    ],
)
async def test_a_new_contacts_profile_is_fetched_and_errors_are_tolerated(
    webhook_harness: WebhookHarness, answer: Any, status: str, first_name: str
) -> None:
    if isinstance(answer, TimeoutError):
        answer = httpx.ReadTimeout("slow")
    webhook_harness.graph.profiles[PSID] = answer
    await deliver(webhook_harness, message("m1", "hello", T0))
    person = contact(webhook_harness)
    assert person["profile_status"] == status
    assert person["first_name"] == first_name
    assert person["profile_fetched_at"] == webhook_harness.clock.now()
    if status == "fetched":
        assert (person["locale"], person["timezone_offset"]) == ("fr_FR", 2.0)
    (request,) = webhook_harness.graph.requests
    assert request.url.path.endswith(f"/{PSID}")
    assert "first_name" in request.url.params["fields"]
    assert request.headers["authorization"] == f"Bearer {webhook_harness.access_token}"
    assert webhook_harness.access_token not in str(request.url)
    # A second message from the same person fetches nothing more.
    await deliver(webhook_harness, message("m2", "again", T0 + 1))
    assert len(webhook_harness.graph.requests) == 1


async def test_live_events_are_published_after_commit(webhook_harness: WebhookHarness) -> None:
    bus = webhook_harness.container.bus
    await deliver(webhook_harness, message("m1", "hello", T0))
    recent = bus.recent(webhook_harness.workspace_id)  # type: ignore[attr-defined]
    kinds = [event.type for event in recent]
    assert kinds[:3] == ["contact.created", "conversation.created", "message.created"]
    created = recent[2].data
    assert created["message_id"] == by_mid(webhook_harness, "m1")["id"]
    assert "contact.updated" in kinds  # after the profile fetch
