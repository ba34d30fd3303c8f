"""The Page's own messages (through the Send API): echoes, delivery and read receipts, opt-ins."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.harness import World, emulator_world

pytestmark = pytest.mark.anyio


async def _conversation(world: World, **config: Any) -> tuple[dict[str, Any], str]:
    page = await world.create_page()
    psid = await world.create_person(page["page_id"])
    await world.act(page["page_id"], psid, type="message", text="Bonjour")
    if config:
        await world.configure({"webhooks": config})
    return page, psid


async def _say(world: World, page: dict[str, Any], psid: str, message: dict[str, Any]) -> str:
    response = await world.send(
        page, {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": message}
    )
    assert response.status_code == 200, response.text
    mid: str = response.json()["message_id"]
    return mid


async def test_a_send_is_echoed_then_delivered() -> None:
    async with emulator_world() as world:
        page, psid = await _conversation(world)
        mid = await _say(world, page, psid, {"text": "Ça arrive ❤️", "metadata": "ticket-42"})
        posts = await world.receiver.wait_for_posts(3)
        echo, delivery = (p.events()[0] for p in posts[1:3])
        assert echo["sender"] == {"id": page["page_id"]}
        assert echo["recipient"] == {"id": psid}
        assert echo["message"] == {
            "is_echo": True,
            "app_id": int(page["app_id"]),
            "metadata": "ticket-42",
            "mid": mid,
            "text": "Ça arrive ❤️",
        }
        assert delivery["delivery"]["mids"] == [mid]
        assert delivery["delivery"]["watermark"] == echo["timestamp"]
        assert all(p.signature_ok(page["app_secret"]) for p in posts)
        thread = await world.thread(page["page_id"], psid)
        assert thread[-1]["from"] == "page"
        assert thread[-1]["delivered"] is True


async def test_echoes_can_be_turned_off() -> None:
    async with emulator_world() as world:
        page, psid = await _conversation(world, echoes=False)
        await _say(world, page, psid, {"text": "ok"})
        posts = await world.receiver.wait_for_posts(2)
        assert "delivery" in posts[1].events()[0]
        assert len(world.receiver.posts) == 2


async def test_reading_sends_pending_deliveries_then_the_read_watermark() -> None:
    async with emulator_world() as world:
        page, psid = await _conversation(world, echoes=False, auto_delivery_receipts=False)
        first = await _say(world, page, psid, {"text": "one"})
        second = await _say(world, page, psid, {"text": "two"})
        answer = await world.act(page["page_id"], psid, type="read")
        assert answer["webhook"]["status"] == "delivered"
        delivery, read = world.receiver.events()[-2:]
        assert delivery["delivery"]["mids"] == [first, second]
        thread = await world.thread(page["page_id"], psid)
        assert read["read"]["watermark"] == thread[-1]["timestamp"]
        assert all(item["read"] for item in thread if item["from"] == "page")
        # Reading does not open the window again.
        person = await world.client.get(f"/_emulator/pages/{page['page_id']}/users/{psid}")
        assert (
            person.json()["window"]["last_qualifying_action"] == person.json()["last_user_message"]
        )


async def test_the_thread_shows_quick_replies_and_a_tap_sends_their_payload() -> None:
    async with emulator_world() as world:
        page, psid = await _conversation(world, echoes=False, auto_delivery_receipts=False)
        replies = [{"content_type": "text", "title": "Oui", "payload": "YES"}]
        await _say(world, page, psid, {"text": "Des nouvelles ?", "quick_replies": replies})
        shown = (await world.thread(page["page_id"], psid))[-1]
        assert shown["quick_replies"][0]["title"] == "Oui"
        await world.act(page["page_id"], psid, type="message", quick_reply_payload="YES")
        event = world.receiver.events()[-1]
        assert event["message"]["text"] == "Oui"
        assert event["message"]["quick_reply"] == {"payload": "YES"}


async def test_a_postback_button_gives_its_title() -> None:
    async with emulator_world() as world:
        page, psid = await _conversation(world, echoes=False, auto_delivery_receipts=False)
        template = {
            "template_type": "button",
            "text": "What next?",
            "buttons": [{"type": "postback", "title": "Book a visit", "payload": "BOOK"}],
        }
        await _say(world, page, psid, {"attachment": {"type": "template", "payload": template}})
        await world.act(page["page_id"], psid, type="postback", payload="BOOK")
        assert world.receiver.events()[-1]["postback"]["title"] == "Book a visit"


async def _optin_request(world: World, page: dict[str, Any], psid: str, **extra: Any) -> str:
    payload = {"template_type": "notification_messages", "payload": "DEALS", **extra}
    return await _say(world, page, psid, {"attachment": {"type": "template", "payload": payload}})


async def test_opting_in_twice_refreshes_the_same_token() -> None:
    async with emulator_world() as world:
        page, psid = await _conversation(world, echoes=False, auto_delivery_receipts=False)
        mid = await _optin_request(world, page, psid, title="Weekly deals")
        first = await world.act(page["page_id"], psid, type="optin", message_id=mid)
        again = await world.act(page["page_id"], psid, type="optin", message_id=mid)
        assert first["token"] == again["token"]
        events = world.receiver.events()[-2:]
        assert [e["optin"]["user_token_status"] for e in events] == ["NOT_REFRESHED", "REFRESHED"]
        assert events[0]["optin"]["title"] == "Weekly deals"
        tokens = await world.client.get(f"/_emulator/pages/{page['page_id']}/tokens")
        (token,) = tokens.json()["data"]
        assert token["token"] == first["token"]
        assert token["status"] == "active"
        thread = await world.thread(page["page_id"], psid)
        assert thread[-1]["optin"] == {
            "kind": "notification_messages",
            "title": "Weekly deals",
            "opted_in": True,
        }


async def test_stop_and_resume_marketing_messages() -> None:
    async with emulator_world() as world:
        page, psid = await _conversation(world, echoes=False, auto_delivery_receipts=False)
        mid = await _optin_request(world, page, psid)
        token = (await world.act(page["page_id"], psid, type="optin", message_id=mid))["token"]
        await world.act(page["page_id"], psid, type="stop_marketing")
        stop = world.receiver.events()[-1]["optin"]
        assert stop["notification_messages_status"] == "STOP NOTIFICATIONS"
        assert stop["notification_messages_token"] == token
        assert world.emulator.state.tokens[token].status == "stopped"
        await world.act(page["page_id"], psid, type="resume_marketing")
        resume = world.receiver.events()[-1]["optin"]
        assert resume["notification_messages_status"] == "RESUME NOTIFICATIONS"
        assert world.emulator.state.tokens[token].status == "active"


async def test_one_time_notification_optin_when_enabled() -> None:
    async with emulator_world() as world:
        page, psid = await _conversation(world, echoes=False, auto_delivery_receipts=False)
        await world.configure({"features": {"one_time_notifications": True}})
        await world.client.put(
            f"/_emulator/pages/{page['page_id']}/features",
            json={"features": ["human_agent", "one_time_notif"]},
        )
        payload = {
            "template_type": "one_time_notif_req",
            "title": "Back in stock",
            "payload": "SKU9",
        }
        mid = await _say(
            world, page, psid, {"attachment": {"type": "template", "payload": payload}}
        )
        answer = await world.act(page["page_id"], psid, type="optin", message_id=mid)
        optin = world.receiver.events()[-1]["optin"]
        assert optin == {
            "type": "one_time_notif_req",
            "payload": "SKU9",
            "one_time_notif_token": answer["token"],
        }
        assert answer["token"].isdigit()
