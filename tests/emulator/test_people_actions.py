"""A person's actions: what each changes in the world and which event it sends."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.harness import World, emulator_world

pytestmark = pytest.mark.anyio

NOON = "2026-05-01T12:00:00Z"


async def _person(world: World, **page_extra: Any) -> tuple[dict[str, Any], str]:
    await world.client.post("/_emulator/clock", json={"set": NOON, "freeze": True})
    page = await world.create_page(**page_extra)
    psid = await world.create_person(page["page_id"])
    return page, psid


async def _state(world: World, page: dict[str, Any], psid: str) -> dict[str, Any]:
    response = await world.client.get(f"/_emulator/pages/{page['page_id']}/users/{psid}")
    state: dict[str, Any] = response.json()
    return state


# Each qualifying action opens the 24-hour window; the others leave it closed.
WINDOW_CASES = [
    ({"type": "message", "text": "hi"}, True),
    ({"type": "postback", "payload": "GET_STARTED"}, True),
    ({"type": "read"}, False),
    ({"type": "block"}, False),
    ({"type": "stop_marketing"}, False),
    ({"type": "referral", "ref": "qr_12"}, False),  # new thread: nothing until first message
]


@pytest.mark.parametrize(("action", "opens"), WINDOW_CASES)
async def test_which_actions_open_the_window(action: dict[str, Any], opens: bool) -> None:
    async with emulator_world() as world:
        page, psid = await _person(world)
        await world.act(page["page_id"], psid, **action)
        window = (await _state(world, page, psid))["window"]
        assert window["open"] is opens
        if opens:
            assert window["last_qualifying_action"] == "2026-05-01T12:00:00.000Z"
            assert window["closes"] == "2026-05-02T12:00:00.000Z"


async def test_the_window_closes_after_24_hours_and_a_new_message_reopens_it() -> None:
    async with emulator_world() as world:
        page, psid = await _person(world)
        await world.act(page["page_id"], psid, type="message", text="hi")
        await world.client.post("/_emulator/clock", json={"advance": 24 * 3600})
        assert (await _state(world, page, psid))["window"]["open"] is False
        await world.act(page["page_id"], psid, type="message", text="still there?")
        state = await _state(world, page, psid)
        assert state["window"]["open"] is True
        assert state["last_user_message"] == "2026-05-02T12:00:00.000Z"


async def test_window_length_setting_applies() -> None:
    async with emulator_world() as world:
        page, psid = await _person(world)
        await world.configure({"features": {"window_hours": 2}})
        await world.act(page["page_id"], psid, type="message", text="hi")
        assert (await _state(world, page, psid))["window"]["closes"] == "2026-05-01T14:00:00.000Z"


async def test_first_message_from_an_ad_uses_the_ad_window() -> None:
    async with emulator_world() as world:
        page, psid = await _person(world)
        await world.configure({"features": {"ad_window_hours": 168}})
        await world.act(
            page["page_id"], psid, type="message", text="more?", referral={"source": "ADS"}
        )
        assert (await _state(world, page, psid))["window"]["closes"] == "2026-05-08T12:00:00.000Z"
        (event,) = world.receiver.events()
        assert event["message"]["referral"]["source"] == "ADS"
        assert event["message"]["referral"]["type"] == "OPEN_THREAD"


async def test_referral_on_a_new_thread_arrives_with_the_get_started_postback() -> None:
    async with emulator_world() as world:
        page, psid = await _person(world)
        held = await world.act(page["page_id"], psid, type="referral", ref="summer_coupon")
        assert held["webhook"]["status"] == "skipped"
        assert "first postback" in held["webhook"]["reason"]
        assert world.receiver.posts == []
        await world.act(page["page_id"], psid, type="postback", payload="GET_STARTED")
        (event,) = world.receiver.events()
        assert event["postback"]["title"] == "Get Started"
        assert event["postback"]["referral"] == {
            "ref": "summer_coupon",
            "source": "SHORTLINK",
            "type": "OPEN_THREAD",
        }
        # Only the first one carries it.
        await world.act(page["page_id"], psid, type="postback", payload="GET_STARTED")
        assert "referral" not in world.receiver.events()[1]["postback"]


async def test_referral_on_an_existing_thread_is_its_own_event_and_resets_the_window() -> None:
    async with emulator_world() as world:
        page, psid = await _person(world)
        await world.act(page["page_id"], psid, type="message", text="hi")
        await world.client.post("/_emulator/clock", json={"advance": 30 * 3600})
        await world.act(page["page_id"], psid, type="referral", ref="store_qr_12")
        event = world.receiver.events()[-1]
        assert event["referral"] == {
            "ref": "store_qr_12",
            "source": "SHORTLINK",
            "type": "OPEN_THREAD",
        }
        window = (await _state(world, page, psid))["window"]
        assert window["open"] is True
        assert window["last_qualifying_action"] == "2026-05-02T18:00:00.000Z"


async def test_block_then_unblock() -> None:
    async with emulator_world() as world:
        page, psid = await _person(world)
        answer = await world.act(page["page_id"], psid, type="block")
        assert answer["webhook"]["status"] == "skipped"
        assert (await _state(world, page, psid))["blocked"] is True
        refused = await world.client.post(
            f"/_emulator/pages/{page['page_id']}/users/{psid}/actions",
            json={"type": "message", "text": "hi"},
        )
        assert refused.status_code == 422
        assert "unblock" in refused.json()["error"]["message"]
        await world.act(page["page_id"], psid, type="unblock")
        assert (await _state(world, page, psid))["blocked"] is False
        assert world.receiver.posts == []


async def test_react_and_unreact_to_a_message() -> None:
    async with emulator_world() as world:
        page, psid = await _person(world)
        sent = await world.act(page["page_id"], psid, type="message", text="hi")
        await world.act(page["page_id"], psid, type="react", mid=sent["mid"], reaction="like")
        await world.act(page["page_id"], psid, type="react", mid=sent["mid"], action="unreact")
        react, unreact = (e["reaction"] for e in world.receiver.events()[1:])
        assert react == {
            "reaction": "like",
            "emoji": "\U0001f44d",
            "action": "react",
            "mid": sent["mid"],
        }
        assert unreact["action"] == "unreact"
        assert (await world.thread(page["page_id"], psid))[0]["reactions"] == {}


async def test_edit_a_message_counts_edits_up_to_five() -> None:
    async with emulator_world() as world:
        page, psid = await _person(world)
        sent = await world.act(page["page_id"], psid, type="message", text="hi")
        for n in range(1, 6):
            await world.act(page["page_id"], psid, type="edit", mid=sent["mid"], text=f"hi {n}")
            assert world.receiver.events()[-1]["message_edit"]["num_edit"] == n
        sixth = await world.client.post(
            f"/_emulator/pages/{page['page_id']}/users/{psid}/actions",
            json={"type": "edit", "mid": sent["mid"], "text": "again"},
        )
        assert sixth.status_code == 422
        assert (await world.thread(page["page_id"], psid))[0]["text"] == "hi 5"


async def test_attachments_and_quick_reply_text_from_a_message() -> None:
    async with emulator_world() as world:
        page, psid = await _person(world)
        await world.act(
            page["page_id"],
            psid,
            type="message",
            attachments=[{"type": "image", "payload": {"url": "https://example.org/p.jpg"}}],
        )
        (event,) = world.receiver.events()
        assert event["message"]["attachments"] == [
            {"type": "image", "payload": {"url": "https://example.org/p.jpg"}}
        ]
        assert "text" not in event["message"]


async def test_comment_grants_a_private_reply_and_sends_a_feed_change() -> None:
    async with emulator_world() as world:
        page, psid = await _person(world)
        answer = await world.act(page["page_id"], psid, type="comment", text="Price?")
        assert world.emulator.state.private_replies[answer["object_id"]].psid == psid
        (post,) = world.receiver.posts
        (change,) = post.body["entry"][0]["changes"]
        assert change["field"] == "feed"
        assert change["value"]["item"] == "comment"
        assert change["value"]["comment_id"] == answer["object_id"]
        assert change["value"]["message"] == "Price?"
        # A comment authorises a private reply, not free messaging.
        assert (await _state(world, page, psid))["window"]["open"] is False


async def test_stop_marketing_without_tokens_sends_nothing() -> None:
    async with emulator_world() as world:
        page, psid = await _person(world)
        answer = await world.act(page["page_id"], psid, type="stop_marketing")
        assert answer["webhook"]["status"] == "skipped"
        assert (await _state(world, page, psid))["stopped_marketing"] is True
