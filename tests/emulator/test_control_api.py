"""The control API: its shapes (a contract) and its answers to bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.emulator.harness import CALLBACK_URL, Receiver, emulator_world

pytestmark = pytest.mark.anyio


async def test_create_page_returns_credentials_and_runs_the_handshake() -> None:
    async with emulator_world() as world:
        page = await world.create_page()
        assert set(page) >= {"page_id", "page_access_token", "app_id", "app_secret"}
        assert page["page_id"].isdigit()
        assert page["app_id"].isdigit()
        assert page["webhook"] == {"verified": True, "status_code": 200, "error": None}
        (handshake,) = world.receiver.handshakes
        assert handshake["hub.mode"] == "subscribe"
        assert handshake["hub.verify_token"] == world.receiver.verify_token
        assert handshake["hub.challenge"].isdigit()

        listed = (await world.client.get("/_emulator/pages")).json()["data"]
        assert [p["page_id"] for p in listed] == [page["page_id"]]
        assert listed[0]["webhook_url"] == CALLBACK_URL
        assert listed[0]["webhook_verified"] is True


async def test_two_pages_get_different_ids_and_secrets() -> None:
    async with emulator_world() as world:
        first = await world.create_page(webhook=False)
        second = await world.create_page(webhook=False)
        for key in ("page_id", "page_access_token", "app_id", "app_secret"):
            assert first[key] != second[key]


@pytest.mark.parametrize(
    ("receiver", "token", "error"),
    [
        (Receiver(), "wrong-token", "HTTP 403"),
        (Receiver(wrong_challenge=True), "let-me-in", "did not echo hub.challenge"),
    ],
)
async def test_a_failed_handshake_is_reported(receiver: Receiver, token: str, error: str) -> None:
    async with emulator_world(receiver=receiver) as world:
        page = await world.create_page(verify_token=token)
        assert page["webhook"]["verified"] is False
        assert error in page["webhook"]["error"]
        assert token not in page["webhook"]["error"]


async def test_put_webhook_subscribes_fields_and_reports_the_handshake() -> None:
    async with emulator_world() as world:
        page = await world.create_page(webhook=False)
        response = await world.client.put(
            f"/_emulator/pages/{page['page_id']}/webhook",
            json={"url": CALLBACK_URL, "verify_token": "let-me-in", "fields": ["messages"]},
        )
        assert response.status_code == 200
        assert response.json()["verified"] is True
        assert response.json()["fields"] == ["messages"]


async def test_create_person_and_read_their_state() -> None:
    async with emulator_world() as world:
        page = await world.create_page(webhook=False)
        psid = await world.create_person(page["page_id"], locale="fr_FR")
        person = (await world.client.get(f"/_emulator/pages/{page['page_id']}/users/{psid}")).json()
        assert person["psid"] == psid
        assert person["first_name"] == "Camille"
        assert person["locale"] == "fr_FR"
        assert person["window"]["open"] is False
        listed = (await world.client.get(f"/_emulator/pages/{page['page_id']}/users")).json()
        assert [p["psid"] for p in listed["data"]] == [psid]


async def test_thread_lists_both_directions_oldest_first() -> None:
    async with emulator_world() as world:
        page = await world.create_page(webhook=False)
        psid = await world.create_person(page["page_id"])
        first = await world.act(page["page_id"], psid, type="message", text="Bonjour")
        second = await world.act(page["page_id"], psid, type="message", text="Vous êtes là ?")
        thread = await world.thread(page["page_id"], psid)
        assert [item["mid"] for item in thread] == [first["mid"], second["mid"]]
        for item in thread:
            assert {"mid", "from", "text", "quick_replies", "attachment", "timestamp"} <= set(item)
            assert item["from"] == "user"
        assert thread[1]["text"] == "Vous êtes là ?"
        assert first["webhook"]["status"] == "skipped"


async def test_clock_set_and_advance() -> None:
    async with emulator_world() as world:
        response = await world.client.post(
            "/_emulator/clock", json={"set": "2026-05-01T12:00:00Z", "freeze": True}
        )
        assert response.json()["now"] == "2026-05-01T12:00:00.000Z"
        response = await world.client.post("/_emulator/clock", json={"advance": 90})
        assert response.json()["now"] == "2026-05-01T12:01:30.000Z"
        assert world.emulator.clock.now() == datetime(2026, 5, 1, 12, 1, 30, tzinfo=UTC)
        assert (await world.client.get("/_emulator/clock")).json()["frozen"] is True


async def test_config_update_and_reset() -> None:
    async with emulator_world() as world:
        response = await world.client.put(
            "/_emulator/config",
            json={"webhooks": {"batch_size": 5}, "rate_limits": {"enabled": False}},
        )
        assert response.status_code == 200
        assert response.json()["webhooks"]["batch_size"] == 5
        assert world.emulator.limiter.limits.enabled is False
        await world.create_page(webhook=False)

        assert (await world.client.post("/_emulator/reset")).status_code == 200
        assert (await world.client.get("/_emulator/pages")).json()["data"] == []
        assert world.emulator.config.webhooks.batch_size == 1
        # The limiter holds the same settings object, so it sees the reset too.
        assert world.emulator.limiter.limits.enabled is True


async def test_bench_baseline_route_answers_an_empty_object() -> None:
    async with emulator_world() as world:
        response = await world.client.post("/_emulator/bench/empty", content=b"{}")
        assert response.status_code == 200
        assert response.json() == {}


async def test_sent_and_webhook_logs_are_lists() -> None:
    async with emulator_world() as world:
        page = await world.create_page()
        psid = await world.create_person(page["page_id"])
        await world.act(page["page_id"], psid, type="message", text="hi")
        sent = await world.client.get(f"/_emulator/pages/{page['page_id']}/sent")
        assert sent.json() == {"data": []}
        log = await world.client.get("/_emulator/webhooks", params={"page_id": page["page_id"]})
        (delivery,) = log.json()["data"]
        assert delivery["status"] == "delivered"
        assert delivery["attempts"] == 1
        assert delivery["body"]["entry"][0]["messaging"][0]["message"]["text"] == "hi"
        assert log.json()["health"]["failing"] is False


BAD_REQUESTS = [
    ("POST", "/_emulator/pages", b"not json", 400, "not valid JSON"),
    ("POST", "/_emulator/pages", b"[]", 400, "JSON object"),
    ("POST", "/_emulator/pages", b"{}", 422, "'name' is required"),
    ("POST", "/_emulator/pages", b'{"name": 3}', 422, "'name' must be"),
    ("POST", "/_emulator/pages", b'{"name": "x", "webhook_url": "ftp://x"}', 422, "http"),
    (
        "POST",
        "/_emulator/pages/999/users",
        b'{"first_name": "A", "last_name": "B"}',
        404,
        "no Page",
    ),
    ("GET", "/_emulator/pages/999", b"", 404, "no Page"),
    ("POST", "/_emulator/clock", b"{}", 422, "give one of"),
    ("POST", "/_emulator/clock", b'{"set": "2026-05-01T12:00:00"}', 422, "time zone"),
    ("POST", "/_emulator/clock", b'{"set": "yesterday"}', 422, "ISO-8601"),
    ("POST", "/_emulator/clock", b'{"advance": "ten"}', 422, "number of seconds"),
    ("PUT", "/_emulator/config", b'{"webhooks": {"batch_size": -1}}', 422, "batch_size"),
    ("PUT", "/_emulator/config", b'{"nope": {}}', 422, "unknown config section"),
    ("GET", "/_emulator/webhooks?limit=zero", b"", 400, "limit"),
    ("GET", "/_emulator/webhooks?page_id=42", b"", 404, "no Page"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "message"), BAD_REQUESTS)
async def test_bad_input_gets_a_json_error(
    method: str, path: str, body: bytes, status: int, message: str
) -> None:
    async with emulator_world() as world:
        response = await world.client.request(method, path, content=body)
        assert response.status_code == status
        assert message in response.json()["error"]["message"]


PERSON_ERRORS = [
    ({"first_name": "A"}, "'last_name' is required"),
    ({"first_name": "A", "last_name": "B", "locale": "french"}, "locale"),
    ({"first_name": "A", "last_name": "B", "timezone": 40}, "timezone"),
    ({"first_name": "", "last_name": "B"}, "'first_name' must be a non-empty string"),
]


@pytest.mark.parametrize(("body", "message"), PERSON_ERRORS)
async def test_bad_person_gets_422(body: dict[str, object], message: str) -> None:
    async with emulator_world() as world:
        page = await world.create_page(webhook=False)
        response = await world.client.post(f"/_emulator/pages/{page['page_id']}/users", json=body)
        assert response.status_code == 422
        assert message in response.json()["error"]["message"]


ACTION_ERRORS = [
    ({}, 422, "unknown action type"),
    ({"type": "dance"}, 422, "unknown action type 'dance'"),
    ({"type": "message"}, 422, "needs 'text'"),
    ({"type": "message", "text": 5}, 422, "'text' must be a string"),
    ({"type": "message", "text": "x" * 2001}, 422, "at most 2000"),
    ({"type": "message", "quick_reply_payload": "NOPE"}, 422, "no quick reply"),
    ({"type": "message", "attachments": [{"type": "image"}]}, 422, "payload"),
    ({"type": "message", "attachments": [{"type": "gif", "payload": {}}]}, 422, "type must be"),
    ({"type": "postback"}, 422, "'payload' is required"),
    ({"type": "referral"}, 422, "'ref' is required"),
    ({"type": "referral", "ref": "bad ref!"}, 422, "letters, digits"),
    ({"type": "referral", "ref": "x", "source": "TV"}, 422, "source must be"),
    ({"type": "optin", "message_id": "m_nope"}, 404, "no opt-in request"),
    ({"type": "react", "mid": "m_nope", "reaction": "love"}, 404, "no message"),
    ({"type": "edit", "mid": "m_nope", "text": "x"}, 404, "no message"),
]


@pytest.mark.parametrize(("action", "status", "message"), ACTION_ERRORS)
async def test_bad_action_gets_a_json_error(
    action: dict[str, object], status: int, message: str
) -> None:
    async with emulator_world() as world:
        page = await world.create_page(webhook=False)
        psid = await world.create_person(page["page_id"])
        response = await world.client.post(
            f"/_emulator/pages/{page['page_id']}/users/{psid}/actions", json=action
        )
        assert response.status_code == status
        assert message in response.json()["error"]["message"]


async def test_unknown_person_is_404() -> None:
    async with emulator_world() as world:
        page = await world.create_page(webhook=False)
        response = await world.client.post(
            f"/_emulator/pages/{page['page_id']}/users/123/actions", json={"type": "read"}
        )
        assert response.status_code == 404
        assert "no person" in response.json()["error"]["message"]
