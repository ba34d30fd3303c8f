"""The Send API's checks run in the reference's order (§2.13), and a success leaves its marks.

The order table gives calls that break two rules at once: the answer must be the error of the
earlier step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from comptoir.emulator.state import PAGE_INBOX_APP_ID, Person
from tests.emulator.factories import GraphWorld, graph_world, text_to

pytestmark = pytest.mark.anyio

Setup = Callable[[GraphWorld, Person], dict[str, Any]]


def _blocked_and_closed(world: GraphWorld, person: Person) -> dict[str, Any]:
    person.blocked = True
    world.advance(25 * 3600)
    return {"body": text_to(person)}


def _closed_and_tag_wrong(world: GraphWorld, person: Person) -> dict[str, Any]:
    world.advance(25 * 3600)
    return {"body": text_to(person, tag="HUMAN_AGENT")}


def _bad_token_and_unknown_user(world: GraphWorld, person: Person) -> dict[str, Any]:
    return {"body": {"recipient": {"id": "999"}, "message": {"text": "x"}}, "token": "EAAbad"}


def _unknown_user_and_state(world: GraphWorld, person: Person) -> dict[str, Any]:
    body = {"recipient": {"id": "999"}, "message": {"text": "x"}, "sender_action": "typing_on"}
    return {"body": body}


def _state_and_long_text(world: GraphWorld, person: Person) -> dict[str, Any]:
    return {"body": text_to(person, "x" * 3000, sender_action="mark_seen")}


def _long_text_and_bad_tag(world: GraphWorld, person: Person) -> dict[str, Any]:
    body = text_to(person, "x" * 3000, messaging_type="MESSAGE_TAG", tag="NOPE")
    return {"body": body}


def _blocked_and_rate_limited(world: GraphWorld, person: Person) -> dict[str, Any]:
    world.emulator.config.rate_limits.text_per_second = 0
    person.blocked = True
    return {"body": text_to(person)}


def _rate_limited_and_other_owner(world: GraphWorld, person: Person) -> dict[str, Any]:
    world.emulator.config.rate_limits.text_per_second = 0
    person.thread_owner_app_id = PAGE_INBOX_APP_ID
    return {"body": text_to(person)}


def _restricted_and_unknown_user(world: GraphWorld, person: Person) -> dict[str, Any]:
    world.page.restricted_until_ms = world.emulator.clock.now_ms() + 60_000
    return {"body": {"recipient": {"id": "999"}, "message": {"text": "x"}}}


def _other_page_in_path(world: GraphWorld, person: Person) -> dict[str, Any]:
    return {"body": text_to(person), "path": "/v25.0/555000111/messages"}


def _other_owner(world: GraphWorld, person: Person) -> dict[str, Any]:
    person.thread_owner_app_id = PAGE_INBOX_APP_ID
    person.thread_owner_expires_ms = world.emulator.clock.now_ms() + 1000
    return {"body": text_to(person)}


ORDER = [
    ("1-token-before-2-recipient", _bad_token_and_unknown_user, (190, None)),
    ("1-restricted-before-2-recipient", _restricted_and_unknown_user, (10, 1893063)),
    ("1-path-page-before-all", _other_page_in_path, (100, 33)),
    ("2-recipient-before-3-state", _unknown_user_and_state, (100, 2018001)),
    ("3-state-before-4-content", _state_and_long_text, (100, 2018014)),
    ("4-content-before-5-tag", _long_text_and_bad_tag, (100, None)),
    ("5-tag-before-6-window", _closed_and_tag_wrong, (100, None)),
    ("6-window-before-7-blocked", _blocked_and_closed, (10, 2018278)),
    ("7-blocked-before-8-rate", _blocked_and_rate_limited, (551, 1545041)),
    ("8-rate-before-9-owner", _rate_limited_and_other_owner, (613, None)),
    ("9-owner", _other_owner, (10, 2018300)),
]


@pytest.mark.parametrize(("setup", "expected"), [r[1:] for r in ORDER], ids=[r[0] for r in ORDER])
async def test_checks_run_in_the_references_order(
    setup: Setup, expected: tuple[int, int | None]
) -> None:
    async with graph_world() as world:
        world.at("2026-07-01T12:00:00")
        person = world.person()
        call = setup(world, person)
        response = await world.send(
            call["body"], path=call.get("path", "/v25.0/me/messages"), token=call.get("token")
        )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error.get("error_subcode")) == expected


async def test_long_text_error_names_the_parameter() -> None:
    async with graph_world() as world:
        person = world.person()
        response = await world.send(text_to(person, "x" * 3000))
    assert response.json()["error"]["message"] == (
        "(#100) Length of param message[text] must be less than or equal to 2000"
    )


async def test_an_expired_thread_control_lets_the_page_send_again() -> None:
    async with graph_world() as world:
        world.at("2026-07-01T12:00:00")
        person = world.person()
        person.thread_owner_app_id = PAGE_INBOX_APP_ID
        person.thread_owner_expires_ms = world.emulator.clock.now_ms() + 1000
        world.advance(1)
        response = await world.send(text_to(person))
    assert response.status_code == 200


async def test_a_success_adds_the_message_records_the_call_and_tells_the_webhooks() -> None:
    async with graph_world() as world:
        world.at("2026-07-01T12:00:00")
        person = world.person()
        body = text_to(person, "Votre commande est prête")
        body["message"]["metadata"] = "order-42"
        body["message"]["quick_replies"] = [
            {"content_type": "text", "title": "Merci", "payload": "THANKS"}
        ]
        response = await world.send(body)
        state = world.emulator.state
        item = state.thread(world.page.page_id, person.psid)[-1]
        record = state.sent[-1]
    assert response.status_code == 200
    answer = response.json()
    assert answer == {"recipient_id": person.psid, "message_id": item.mid}
    assert answer["message_id"].startswith("m_")
    assert (item.sender, item.text, item.metadata) == (
        "page",
        "Votre commande est prête",
        "order-42",
    )
    assert item.app_id == world.page.app_id
    assert item.messaging_type == "RESPONSE"  # omitted = RESPONSE
    assert item.quick_replies == body["message"]["quick_replies"]
    assert item.timestamp_ms == world.emulator.clock.now_ms()
    assert state.messages[item.mid] is item
    assert (record.status, record.response, record.request) == (200, answer, body)
    assert record.path == "/v25.0/me/messages"
    assert [(p.page_id, q.psid, i.mid) for p, q, i in world.webhooks.sent] == [
        (world.page.page_id, person.psid, item.mid)
    ]


async def test_the_access_token_is_not_kept_in_the_call_log() -> None:
    async with graph_world() as world:
        person = world.person()
        response = await world.client.post(
            f"/v25.0/{world.page.page_id}/messages",
            json={**text_to(person), "access_token": world.token},
        )
        record = world.emulator.state.sent[-1]
    assert response.status_code == 200
    assert "access_token" not in record.request
    assert world.token not in repr(record)


@pytest.mark.parametrize("action", ["typing_on", "TYPING_OFF", "mark_seen"])
async def test_sender_actions_answer_the_recipient_only(action: str) -> None:
    async with graph_world() as world:
        person = world.person()
        response = await world.send({"recipient": {"id": person.psid}, "sender_action": action})
        thread = world.emulator.state.thread(world.page.page_id, person.psid)
    assert response.status_code == 200
    assert response.json() == {"recipient_id": person.psid}
    assert len(thread) == 1  # only the person's message
    assert world.webhooks.sent == []


async def test_sender_actions_obey_the_window() -> None:
    async with graph_world() as world:
        world.at("2026-07-01T12:00:00")
        person = world.person()
        world.advance(25 * 3600)
        response = await world.send(
            {"recipient": {"id": person.psid}, "sender_action": "typing_on"}
        )
    assert response.json()["error"]["error_subcode"] == 2018278


async def test_react_and_unreact_to_a_message_of_the_thread() -> None:
    async with graph_world() as world:
        person = world.person()
        state = world.emulator.state
        user_item = state.thread(world.page.page_id, person.psid)[0]
        payload = {"message_id": user_item.mid, "reaction": "❤️"}
        react = {"recipient": {"id": person.psid}, "sender_action": "react", "payload": payload}
        reacted = await world.send(react)
        after_react = dict(user_item.reactions)
        unreact = {**react, "sender_action": "unreact", "payload": {"message_id": user_item.mid}}
        unreacted = await world.send(unreact)
        foreign = {**react, "payload": {"message_id": "m_other", "reaction": "👍"}}
        refused = await world.send(foreign)
    assert (reacted.status_code, unreacted.status_code) == (200, 200)
    assert after_react == {"page": "❤️"}
    assert user_item.reactions == {}
    assert refused.status_code == 400
    assert "payload[message_id]" in refused.json()["error"]["message"]


def _fill(value: Any, psid: str) -> Any:
    """The table's body with ``{psid}`` replaced by the person's PSID."""
    if isinstance(value, dict):
        return {key: _fill(item, psid) for key, item in value.items()}
    return psid if value == "{psid}" else value


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"message": {"text": "x"}}, "(#100) The parameter recipient is required"),
        ({"recipient": {"id": "{psid}"}}, "(#100) The parameter message is required"),
        (
            {"recipient": {"id": "{psid}"}, "message": {"text": "x"}, "messaging_type": "PROMO"},
            "(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG, "
            'UTILITY} - got "PROMO"',
        ),
        (
            {
                "recipient": {"id": "{psid}"},
                "message": {"text": "x"},
                "messaging_type": "MESSAGE_TAG",
            },
            "(#100) The parameter tag is required",
        ),
        (
            {"recipient": {"id": "{psid}"}, "sender_action": "dance"},
            "(#100) Param sender_action must be one of {MARK_SEEN, TYPING_ON, TYPING_OFF, REACT, "
            'UNREACT} - got "dance"',
        ),
        ({"recipient": "not json", "message": {"text": "x"}}, None),
        ({"recipient": {"id": "+33612345678"}, "message": {"text": "x"}}, None),
    ],
    ids=[
        "no-recipient",
        "no-message",
        "bad-messaging-type",
        "tag-missing",
        "bad-action",
        "recipient-not-json",
        "phone-in-id",
    ],
)
async def test_malformed_calls_get_a_graph_error(body: dict[str, Any], message: str | None) -> None:
    async with graph_world() as world:
        person = world.person()
        response = await world.send(_fill(body, person.psid))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 100
    assert error["type"] == "OAuthException"
    if message is not None:
        assert error["message"] == message


async def test_reply_to_must_name_a_message_of_the_conversation() -> None:
    async with graph_world() as world:
        person = world.person()
        other = world.person(first_name="Léa")
        own_mid = world.emulator.state.thread(world.page.page_id, person.psid)[0].mid
        other_mid = world.emulator.state.thread(world.page.page_id, other.psid)[0].mid
        accepted = await world.send(text_to(person, reply_to={"mid": own_mid}))
        refused = await world.send(text_to(person, reply_to={"mid": other_mid}))
        silent = await world.send(text_to(person, notification_type="SILENT_PUSH"))
        loud = await world.send(text_to(person, notification_type="LOUD"))
    assert accepted.status_code == 200
    assert "reply_to[mid]" in refused.json()["error"]["message"]
    assert silent.status_code == 200
    assert "notification_type" in loud.json()["error"]["message"]
