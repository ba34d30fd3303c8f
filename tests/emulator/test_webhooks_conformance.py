"""Conformance: each webhook of the reference's Appendix A, caused by the action that causes it.

For every fixture (A.1-A.12 and A.14; A.13 is Instagram), the test drives the action, takes
the POST the callback received, checks both signatures over its exact bytes and compares its
shape with the fixture: the same keys at every level and the same JSON types (ids and times
differ). Events inside one POST are matched by their kind (``message``, ``read``, ...).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from comptoir.emulator.state import PAGE_INBOX_APP_ID
from tests.emulator.harness import ReceivedPost, World, emulator_world, load_fixture

pytestmark = pytest.mark.anyio

Page = dict[str, Any]
Driver = Callable[[World, Page, str], Awaitable[None]]

_ENVELOPE_KEYS = {"sender", "recipient", "timestamp"}


def kind_of(event: dict[str, Any]) -> str:
    kind = next(key for key in sorted(event) if key not in _ENVELOPE_KEYS)
    if kind == "message" and event["message"].get("is_echo"):
        return "echo"
    return kind


def assert_same_shape(actual: Any, expected: Any, path: str = "$") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        assert set(actual) == set(expected), (
            f"{path}: keys {sorted(actual)} differ from the fixture's {sorted(expected)}"
        )
        for key in expected:
            assert_same_shape(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: expected a list, got {actual!r}"
        assert len(actual) == len(expected), (
            f"{path}: {len(actual)} items, fixture has {len(expected)}"
        )
        if expected and isinstance(expected[0], dict) and "recipient" in expected[0]:
            actual = sorted(actual, key=kind_of)
            expected = sorted(expected, key=kind_of)
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same_shape(a, e, f"{path}[{index}]")
    else:
        assert type(actual) is type(expected), (
            f"{path}: {type(actual).__name__} {actual!r}, fixture has {type(expected).__name__}"
        )


async def page_says(world: World, page: Page, psid: str, message: dict[str, Any]) -> str:
    """The Page's app sends ``message`` through the Send API; returns its mid."""
    response = await world.send(
        page, {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": message}
    )
    assert response.status_code == 200, response.text
    mid: str = response.json()["message_id"]
    return mid


async def set_owner(world: World, page: Page, psid: str, app_id: str, notify: bool) -> None:
    response = await world.client.put(
        f"/_emulator/pages/{page['page_id']}/users/{psid}/thread_owner",
        json={"app_id": app_id, "notify": notify},
    )
    assert response.status_code == 200, response.text


# ---- the actions that cause each fixture ----------------------------------------------------


async def a01_text(world: World, page: Page, psid: str) -> None:
    await world.act(page["page_id"], psid, type="message", text="Hi, is this in stock?")


async def a02_quick_reply(world: World, page: Page, psid: str) -> None:
    await world.act(page["page_id"], psid, type="message", text="hello")
    replies = [
        {"content_type": "text", "title": "Green", "payload": "COLOR_GREEN"},
        {"content_type": "text", "title": "Blue", "payload": "COLOR_BLUE"},
    ]
    await page_says(world, page, psid, {"text": "Which colour?", "quick_replies": replies})
    # Tapping the chip: the emulator finds the title from the Page's quick replies.
    await world.act(page["page_id"], psid, type="message", quick_reply_payload="COLOR_GREEN")


async def a03_image(world: World, page: Page, psid: str) -> None:
    image = {"type": "image", "payload": {"url": "https://scontent.example/photo.jpg"}}
    await world.act(page["page_id"], psid, type="message", attachments=[image])


async def a04_get_started(world: World, page: Page, psid: str) -> None:
    await world.act(page["page_id"], psid, type="referral", ref="summer_coupon")
    await world.act(page["page_id"], psid, type="postback", payload="GET_STARTED")


async def a05_ad(world: World, page: Page, psid: str) -> None:
    referral = {
        "ref": "spring_campaign",
        "ad_id": "120200000000001",
        "source": "ADS",
        "ads_context_data": {
            "ad_title": "Spring sale",
            "photo_url": "https://scontent.example/ad.jpg",
            "post_id": "104000000000001_987654321",
            "flow_id": "55500000001",
        },
    }
    await world.act(
        page["page_id"], psid, type="message", text="I'd like to know more", referral=referral
    )


async def a06_referral(world: World, page: Page, psid: str) -> None:
    await world.act(page["page_id"], psid, type="message", text="hello")
    await world.act(page["page_id"], psid, type="referral", ref="store_qr_12")


async def a07_receipts(world: World, page: Page, psid: str) -> None:
    await world.act(page["page_id"], psid, type="message", text="hello")
    # The phone is offline: no receipt until the person opens the thread.
    await world.configure(
        {"webhooks": {"echoes": False, "auto_delivery_receipts": False, "batch_size": 2}}
    )
    await page_says(world, page, psid, {"text": "Yes, it is!"})
    await world.act(page["page_id"], psid, type="read")


async def a08_reaction_and_edit(world: World, page: Page, psid: str) -> None:
    own = await world.act(page["page_id"], psid, type="message", text="Hi, is this in stock?")
    await world.configure({"webhooks": {"echoes": False, "auto_delivery_receipts": False}})
    reply = await page_says(world, page, psid, {"text": "Which one?"})
    await world.configure({"webhooks": {"batch_size": 2, "batch_window_ms": 200}})
    await asyncio.gather(
        world.act(page["page_id"], psid, type="react", mid=reply, reaction="love"),
        world.act(
            page["page_id"], psid, type="edit", mid=own["mid"], text="Is the blue one in stock?"
        ),
    )


async def a09_echo(world: World, page: Page, psid: str) -> None:
    await world.act(page["page_id"], psid, type="message", text="In stock?")
    await world.configure({"webhooks": {"auto_delivery_receipts": False}})
    await page_says(world, page, psid, {"text": "Yes, it is!", "metadata": "ticket-42"})


async def a10_optin(world: World, page: Page, psid: str) -> None:
    await world.act(page["page_id"], psid, type="message", text="Any deals?")
    await world.configure({"webhooks": {"echoes": False, "auto_delivery_receipts": False}})
    request = {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "notification_messages",
                "title": "Updates and promotions",
                "payload": "OPTIN_DEALS",
                "notification_messages_timezone": "Europe/Paris",
            },
        }
    }
    mid = await page_says(world, page, psid, request)
    await world.act(page["page_id"], psid, type="optin", message_id=mid)


async def a11_handover(world: World, page: Page, psid: str) -> None:
    await world.act(page["page_id"], psid, type="message", text="I need a human")
    await set_owner(world, page, psid, PAGE_INBOX_APP_ID, notify=False)
    # The agent clicks "Done" in the Page inbox: the thread comes back to our app.
    await set_owner(world, page, psid, page["app_id"], notify=True)


async def a12_standby(world: World, page: Page, psid: str) -> None:
    await world.act(page["page_id"], psid, type="message", text="I need a human")
    await set_owner(world, page, psid, PAGE_INBOX_APP_ID, notify=False)
    await world.act(page["page_id"], psid, type="message", text="thanks!")


async def a14_policy(world: World, page: Page, psid: str) -> None:
    response = await world.client.post(
        f"/_emulator/pages/{page['page_id']}/policy_enforcement", json={"action": "warning"}
    )
    assert response.status_code == 200, response.text


CASES: list[tuple[str, Driver]] = [
    ("A01_text_message.json", a01_text),
    ("A02_quick_reply.json", a02_quick_reply),
    ("A03_image_attachment.json", a03_image),
    ("A04_get_started_referral.json", a04_get_started),
    ("A05_ad_message.json", a05_ad),
    ("A06_referral_existing_thread.json", a06_referral),
    ("A07_delivery_and_read.json", a07_receipts),
    ("A08_reaction_and_edit.json", a08_reaction_and_edit),
    ("A09_echo_with_metadata.json", a09_echo),
    ("A10_marketing_optin.json", a10_optin),
    ("A11_handover_pass.json", a11_handover),
    ("A12_standby_message.json", a12_standby),
    ("A14_policy_enforcement.json", a14_policy),
]


@pytest.mark.parametrize(("fixture", "drive"), CASES, ids=[c[0].split("_")[0] for c in CASES])
async def test_appendix_a_shape_and_signature(fixture: str, drive: Driver) -> None:
    expected = load_fixture("appendix_a", fixture)
    async with emulator_world() as world:
        await world.client.post("/_emulator/clock", json={"set": "2026-01-01T00:00:00Z"})
        page = await world.create_page()
        psid = await world.create_person(page["page_id"])
        await drive(world, page, psid)
        post = await _last_post_like(world, expected)
        assert post.signature_ok(page["app_secret"])
        assert post.sha1_signature_ok(page["app_secret"])
        assert_same_shape(post.body, expected)
        # The ids are the Page's and the person's own.
        entry = post.body["entry"][0]
        assert entry["id"] == page["page_id"]
        for event in post.events():
            parties = {event.get("sender", {}).get("id"), event["recipient"]["id"]}
            assert parties <= {page["page_id"], psid, None}


def _kinds(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(``messaging`` or ``standby``, event kind) of every event of a POST body."""
    return sorted(
        (key, kind_of(event))
        for entry in body["entry"]
        for key in ("messaging", "standby")
        for event in entry.get(key, [])
    )


async def _last_post_like(world: World, expected: dict[str, Any]) -> ReceivedPost:
    """The most recent POST whose events are of the fixture's kinds (waits for it)."""
    wanted = _kinds(expected)
    for _ in range(200):
        for post in reversed(world.receiver.posts):
            if _kinds(post.body) == wanted:
                return post
        await asyncio.sleep(0.01)
    seen = [_kinds(p.body) for p in world.receiver.posts]
    raise AssertionError(f"no POST with events {wanted}; received {seen}")
