"""The Graph endpoints besides the Send API and the profile (reference Appendix B)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from comptoir.emulator.state import PAGE_INBOX_APP_ID
from tests.emulator.factories import give_token, graph_world, make_page, make_person, text_to
from tests.emulator.harness import CALLBACK_URL, VERIFY_TOKEN, emulator_world

pytestmark = pytest.mark.anyio

DAY = 24 * 3600


# ---- Attachment Upload API (§2.12) ----------------------------------------------------------


async def test_upload_by_url_then_send_by_id() -> None:
    async with graph_world() as world:
        person = world.person()
        body = {
            "message": {
                "attachment": {
                    "type": "image",
                    "payload": {"url": "https://cdn.example.com/shirt.png", "is_reusable": True},
                }
            }
        }
        uploaded = await world.call("POST", f"/v25.0/{world.page.page_id}/message_attachments",
                                    json=body)  # fmt: skip
        attachment_id = uploaded.json()["attachment_id"]
        message = {"attachment": {"type": "image", "payload": {"attachment_id": attachment_id}}}
        sent = await world.send({"recipient": {"id": person.psid}, "message": message})
    assert uploaded.status_code == 200
    assert list(uploaded.json()) == ["attachment_id"]
    assert attachment_id.isdigit()
    assert sent.status_code == 200


async def test_multipart_upload_checks_type_and_size() -> None:
    async with graph_world() as world:
        message = json.dumps({"attachment": {"type": "audio", "payload": {"is_reusable": True}}})
        ok = await world.call(
            "POST",
            "/v25.0/me/message_attachments",
            data={"message": message},
            files={"filedata": ("hello.mp3", b"ID3 fake", "audio/mpeg")},
        )
        wrong = await world.call(
            "POST",
            "/v25.0/me/message_attachments",
            data={"message": message},
            files={"filedata": ("hello.png", b"PNG", "image/png")},
        )
        missing = await world.call(
            "POST", "/v25.0/me/message_attachments", data={"message": message}
        )
    assert ok.status_code == 200
    assert world.emulator.state.uploads[ok.json()["attachment_id"]].type == "audio"
    assert wrong.json()["error"]["error_subcode"] == 2018047
    assert missing.status_code == 400


async def test_upload_of_an_unreachable_url() -> None:
    async with graph_world() as world:
        body = {
            "message": {"attachment": {"type": "file", "payload": {"url": "https://x.invalid/a"}}}
        }
        response = await world.call("POST", "/v25.0/me/message_attachments", json=body)
    assert response.json()["error"]["error_subcode"] == 2018008


# ---- User Profile API and the Page node -----------------------------------------------------


async def test_user_profile_fields() -> None:
    async with graph_world() as world:
        person = world.person()
        default = await world.call("GET", f"/v25.0/{person.psid}")
        chosen = await world.call("GET", f"/v25.0/{person.psid}?fields=name,locale,timezone")
        bad = await world.call("GET", f"/v25.0/{person.psid}?fields=email")
    assert default.json() == {
        "first_name": "Camille",
        "last_name": "Martin",
        "profile_pic": "https://example.com/camille.jpg",
        "id": person.psid,
    }
    assert chosen.json() == {
        "name": "Camille Martin",
        "locale": "en_US",
        "timezone": 0,
        "id": person.psid,
    }
    assert bad.json()["error"]["message"] == (
        "(#100) Tried accessing nonexisting field (email) on node type (User)"
    )


async def test_a_psid_of_another_page_is_not_visible() -> None:
    async with graph_world() as world:
        other_page = make_page(world.emulator)
        stranger = make_person(world.emulator, other_page)
        response = await world.call("GET", f"/v25.0/{stranger.psid}")
    error = response.json()["error"]
    assert (error["code"], error["error_subcode"]) == (100, 33)


async def test_page_node_and_messaging_feature_status() -> None:
    async with graph_world() as world:
        me = await world.call("GET", "/v25.0/me")
        status = await world.call("GET", "/v25.0/me?fields=messaging_feature_status")
    assert me.json() == {"name": world.page.name, "id": world.page.page_id}
    assert status.json()["messaging_feature_status"]["msgr_multi_app"] is True


# ---- thread control (§6.2, §6.3) -------------------------------------------------------------


async def test_pass_take_release_and_thread_owner() -> None:
    async with graph_world() as world:
        world.at("2026-07-01T12:00:00")
        person = world.person()
        recipient = {"recipient": {"id": person.psid}}

        async def owner() -> Any:
            response = await world.call("GET", f"/v25.0/me/thread_owner?recipient={person.psid}")
            return response.json()["data"][0]["thread_owner"]

        idle = await owner()
        passed = await world.call(
            "POST", "/v25.0/me/pass_thread_control",
            json={**recipient, "target_app_id": int(PAGE_INBOX_APP_ID), "metadata": "to a human"},
        )  # fmt: skip
        after_pass = await owner()
        refused_send = await world.send(text_to(person))
        refused_release = await world.call(
            "POST", "/v25.0/me/release_thread_control", json=recipient
        )
        taken = await world.call("POST", "/v25.0/me/take_thread_control", json=recipient)
        after_take = await owner()
        sent = await world.send(text_to(person))
        released = await world.call("POST", "/v25.0/me/release_thread_control", json=recipient)
        after_release = await owner()
    assert idle == {"app_id": world.page.app_id}
    assert passed.json() == {"success": True}
    now_s = world.emulator.clock.now_ms() // 1000
    assert after_pass == {"app_id": PAGE_INBOX_APP_ID, "expiration": now_s + DAY}
    assert refused_send.json()["error"]["error_subcode"] == 2018300
    assert refused_release.json()["error"]["error_subcode"] == 2534037
    assert taken.json() == {"success": True}
    assert after_take["app_id"] == world.page.app_id
    assert sent.status_code == 200
    assert released.json() == {"success": True}
    assert after_release == {"app_id": world.page.app_id}


@pytest.mark.parametrize(("duration", "ok"), [(7 * DAY, True), (7 * DAY + 1, False), (0, False)])
async def test_extend_thread_control_up_to_7_days(duration: int, ok: bool) -> None:
    async with graph_world() as world:
        person = world.person()
        recipient = {"recipient": {"id": person.psid}}
        await world.call("POST", "/v25.0/me/take_thread_control", json=recipient)
        response = await world.call(
            "POST", "/v25.0/me/extend_thread_control", json={**recipient, "duration": duration}
        )
    assert (response.status_code == 200) is ok


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"target_app_id": "123"}, 100),
        ({}, 100),
    ],
    ids=["unknown-app", "no-recipient"],
)
async def test_thread_control_errors(body: dict[str, Any], code: int) -> None:
    async with graph_world() as world:
        person = world.person()
        if body:
            body = {"recipient": {"id": person.psid}, **body}
        response = await world.call("POST", "/v25.0/me/pass_thread_control", json=body)
    assert response.json()["error"]["code"] == code


async def test_secondary_receivers_lists_the_page_inbox() -> None:
    async with graph_world() as world:
        response = await world.call("GET", "/v25.0/me/secondary_receivers")
    assert response.json() == {"data": [{"id": PAGE_INBOX_APP_ID, "name": "Page Inbox"}]}


# ---- subscribed_apps (Appendix B) -----------------------------------------------------------


async def test_subscribed_apps_install_list_uninstall() -> None:
    async with graph_world() as world:
        path = f"/v25.0/{world.page.page_id}/subscribed_apps"
        empty = await world.call("GET", path)
        installed = await world.call(
            "POST", f"{path}?subscribed_fields=messages,messaging_postbacks,message_echoes"
        )
        listed = await world.call("GET", path)
        bad = await world.call("POST", path, json={"subscribed_fields": ["messages", "likes"]})
        missing = await world.call("POST", path)
        removed = await world.call("DELETE", path)
        after = await world.call("GET", path)
    assert empty.json() == {"data": []}
    assert installed.json() == {"success": True}
    assert listed.json()["data"][0]["id"] == world.page.app_id
    assert listed.json()["data"][0]["subscribed_fields"] == [
        "messages",
        "messaging_postbacks",
        "message_echoes",
    ]
    assert 'got "likes"' in bad.json()["error"]["message"]
    assert (
        missing.json()["error"]["message"] == "(#100) The parameter subscribed_fields is required"
    )
    assert removed.json() == {"success": True}
    assert after.json() == {"data": []}
    assert world.page.app_installed is False


# ---- notification_message_tokens (§9.3) ------------------------------------------------------


async def test_tokens_are_listed_with_paging_and_without_duplicates() -> None:
    async with graph_world() as world:
        world.at("2026-07-01T12:00:00")
        people = [world.person(first_name=f"P{i}") for i in range(3)]
        tokens = [give_token(world.emulator, person) for person in people]
        world.advance(60)
        newer = give_token(world.emulator, people[0], title="Nouveautés")
        give_token(world.emulator, people[1], "one_time_notif")
        path = "/v25.0/me/notification_message_tokens"
        first = await world.call("GET", f"{path}?limit=2")
        cursor = first.json()["paging"]["cursors"]["after"]
        second = await world.call("GET", f"{path}?limit=2&after={cursor}")
        unique = await world.call("GET", f"{path}?do_not_return_duplicates=true")
        too_many = await world.call("GET", f"{path}?limit=1001")
    first_tokens = [t["notification_messages_token"] for t in first.json()["data"]]
    second_tokens = [t["notification_messages_token"] for t in second.json()["data"]]
    assert first_tokens == [tokens[0].token, tokens[1].token]
    assert second_tokens == [tokens[2].token, newer.token]
    assert "next" in first.json()["paging"]
    assert "next" not in second.json()["paging"]
    unique_tokens = {
        t["recipient_id"]: t["notification_messages_token"] for t in unique.json()["data"]
    }
    assert unique_tokens[people[0].psid] == newer.token
    assert len(unique.json()["data"]) == 3
    item = first.json()["data"][0]
    assert item["recipient_id"] == people[0].psid
    assert item["user_token_status"] == "ACTIVE"
    assert "token_expiry_timestamp" not in item  # tokens do not expire after 2023-08-10
    assert too_many.status_code == 400


# ---- Marketing Message API (§9.3) ------------------------------------------------------------


def _marketing(token: str, **extra: Any) -> dict[str, Any]:
    return {
        "message_id": "120210000000000",
        "messenger_delivery_data": {"subscription_token": token},
        "message": {"text": "-20 % sur les croissants ce week-end"},
        **extra,
    }


async def test_marketing_message_send_and_its_12_hour_cap() -> None:
    async with graph_world() as world:
        world.at("2026-07-01T12:00:00")
        person = world.person()
        token = give_token(world.emulator, person)
        world.advance(3 * DAY)  # outside the window: marketing messages do not need it
        first = await world.call("POST", "/v25.0/act_998877/messages", json=_marketing(token.token))
        world.advance(12 * 3600 - 1)
        capped = await world.call(
            "POST", "/v25.0/act_998877/messages", json=_marketing(token.token)
        )
        world.advance(1)
        again = await world.call("POST", "/v25.0/act_998877/messages", json=_marketing(token.token))
        thread = world.emulator.state.thread(world.page.page_id, person.psid)
        record = world.emulator.state.sent[-1]
    assert first.status_code == 200
    assert first.json()["success"] is True
    uuid.UUID(first.json()["marketing_message_tracking_id"])
    assert capped.json()["error"]["error_subcode"] == 2018354
    assert again.status_code == 200
    assert [item.messaging_type for item in thread] == [None, "MARKETING", "MARKETING"]
    assert record.path == "/v25.0/act_998877/messages"


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("stopped", (10, 1893015)),
        ("blocked", (551, 1545041)),
        ("unknown-token", (100, None)),
        ("too-long", (100, None)),
        ("no-feature", (10, None)),
        ("before-launch", (10, None)),
        ("recent-conversation", (100, 2300052)),
    ],
)
async def test_marketing_message_refusals(setup: str, expected: tuple[int, int | None]) -> None:
    features = set() if setup == "no-feature" else None
    async with graph_world(features=features) as world:
        world.at("2025-06-30T12:00:00" if setup == "before-launch" else "2026-07-01T12:00:00")
        person = world.person()
        token = give_token(world.emulator, person)
        body = _marketing(token.token)
        if setup == "stopped":
            token.status = "stopped"
        elif setup == "blocked":
            person.blocked = True
        elif setup == "unknown-token":
            body = _marketing("8711111111111111")
        elif setup == "too-long":
            body["message"] = {"text": "x" * 641}
        elif setup == "recent-conversation":
            body["min_conversation_gap_seconds"] = 3600
        response = await world.call("POST", "/v25.0/act_998877/messages", json=body)
    error = response.json()["error"]
    assert (error["code"], error.get("error_subcode")) == expected


# ---- app subscriptions (Appendix B), with a real handshake -----------------------------------


@pytest.mark.parametrize("verify_token", [VERIFY_TOKEN, "wrong-token"], ids=["verified", "refused"])
async def test_app_subscription_runs_the_handshake(verify_token: str) -> None:
    async with emulator_world() as world:
        page = await world.create_page(webhook=False)
        app_token = f"{page['app_id']}|{page['app_secret']}"
        path = f"/v25.0/{page['app_id']}/subscriptions"
        body = {
            "object": "page",
            "callback_url": CALLBACK_URL,
            "verify_token": verify_token,
            "fields": "messages,messaging_postbacks",
        }
        response = await world.client.post(path, params={"access_token": app_token}, data=body)
        listed = await world.client.get(path, params={"access_token": app_token})
        with_page_token = await world.client.get(
            path, params={"access_token": page["page_access_token"]}
        )
        stored = world.emulator.state.pages[page["page_id"]]
        handshakes = list(world.receiver.handshakes)
    assert handshakes[0]["hub.verify_token"] == verify_token
    assert with_page_token.json()["error"]["code"] == 15
    if verify_token == VERIFY_TOKEN:
        assert response.json() == {"success": True}
        assert (stored.webhook_url, stored.webhook_verified) == (CALLBACK_URL, True)
        assert listed.json()["data"][0]["callback_url"] == CALLBACK_URL
        names = [f["name"] for f in listed.json()["data"][0]["fields"]]
        assert names == ["messages", "messaging_postbacks"]
    else:
        error = response.json()["error"]
        assert error["code"] == 2200
        assert error["message"].startswith("(#2200) callback verification failed")
        assert stored.webhook_url is None
        assert listed.json() == {"data": []}
