"""Opt-in request templates and utility templates in the Send API (reference §2.11, §9).

An opt-in request is recorded as an ``OptInRequest`` the simulated person can tap later; a
utility template send renders the Page's approved template.
"""

from __future__ import annotations

from typing import Any

import pytest

from comptoir.emulator.config import EmulatorConfig
from comptoir.emulator.state import PAGE_INBOX_APP_ID
from tests.emulator.factories import graph_world, text_to

pytestmark = pytest.mark.anyio

DAY = 24 * 3600


def _optin(**payload: Any) -> dict[str, Any]:
    return {
        "attachment": {
            "type": "template",
            "payload": {"template_type": "notification_messages", **payload},
        }
    }


async def test_notification_messages_request_is_recorded_for_the_person_to_tap() -> None:
    async with graph_world() as world:
        world.at("2026-07-01T12:00:00")
        person = world.person()
        message = _optin(
            title="Offres de la semaine",
            payload="WEEKLY",
            notification_messages_timezone="Europe/Paris",
        )
        response = await world.send({"recipient": {"id": person.psid}, "message": message})
        mid = response.json()["message_id"]
        request = world.emulator.state.optin_requests[mid]
    assert (request.kind, request.title, request.payload, request.timezone) == (
        "notification_messages",
        "Offres de la semaine",
        "WEEKLY",
        "Europe/Paris",
    )
    assert (request.page_id, request.psid, request.token) == (world.page.page_id, person.psid, None)


async def test_optin_title_defaults_to_updates_and_promotions() -> None:
    async with graph_world() as world:
        person = world.person()
        response = await world.send({"recipient": {"id": person.psid}, "message": _optin()})
        request = world.emulator.state.optin_requests[response.json()["message_id"]]
    assert request.title == "Updates and promotions"


@pytest.mark.parametrize(
    ("gap", "same_title", "expected"),
    [
        (DAY, True, (613, 1893016)),
        (7 * DAY - 1, True, (613, 1893016)),
        (7 * DAY, True, None),
        (DAY, False, None),
    ],
    ids=["1-day", "7-days-minus-1s", "7-days", "other-title"],
)
async def test_one_optin_request_per_title_per_week(
    gap: float, same_title: bool, expected: tuple[int, int] | None
) -> None:
    async with graph_world() as world:
        world.at("2026-07-01T12:00:00")
        person = world.person()
        body = {"recipient": {"id": person.psid}, "message": _optin(title="Deals")}
        first = await world.send(body)
        world.advance(gap)
        person.last_qualifying_action_ms = world.emulator.clock.now_ms()  # window still open
        other = {"recipient": {"id": person.psid}, "message": _optin(title="News")}
        second = await world.send(body if same_title else other)
    assert first.status_code == 200
    if expected is None:
        assert second.status_code == 200
    else:
        error = second.json()["error"]
        assert (error["code"], error["error_subcode"]) == expected


async def test_optin_requests_need_the_window_even_when_tagged() -> None:
    async with graph_world() as world:
        world.at("2026-07-01T12:00:00")
        person = world.person()
        world.advance(2 * DAY)
        body = {
            "recipient": {"id": person.psid},
            "message": _optin(title="Deals"),
            "messaging_type": "MESSAGE_TAG",
            "tag": "HUMAN_AGENT",
        }
        response = await world.send(body)
    assert response.json()["error"]["error_subcode"] == 2018278


async def test_a_page_without_marketing_messages_cannot_ask() -> None:
    async with graph_world(features={"human_agent"}) as world:
        person = world.person()
        response = await world.send({"recipient": {"id": person.psid}, "message": _optin()})
    error = response.json()["error"]
    assert (error["code"], error["error_subcode"]) == (10, 1404170)


@pytest.mark.parametrize("enabled", [True, False], ids=["otn-configured", "otn-off"])
async def test_one_time_notif_request(enabled: bool) -> None:
    config = EmulatorConfig()
    config.features.one_time_notifications = enabled
    async with graph_world(config) as world:
        person = world.person()
        message = {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "one_time_notif_req",
                    "title": "Prévenez-moi du retour en stock",
                    "payload": "BACK_IN_STOCK",
                },
            }
        }
        response = await world.send({"recipient": {"id": person.psid}, "message": message})
        requests = list(world.emulator.state.optin_requests.values())
    if enabled:
        assert response.status_code == 200
        assert [(r.kind, r.payload) for r in requests] == [("one_time_notif", "BACK_IN_STOCK")]
    else:
        assert response.json()["error"]["code"] == 10
        assert requests == []


# ---- utility templates ----------------------------------------------------------------------


async def _create_template(world: Any, **overrides: Any) -> Any:
    body = {
        "name": "order_update",
        "language": "fr",
        "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Votre commande {{1}} arrive le {{2}}."}],
        **overrides,
    }
    return await world.call("POST", f"/v25.0/{world.page.page_id}/message_templates", json=body)


def _utility(person_psid: str, *values: str, name: str = "order_update") -> dict[str, Any]:
    parameters = [{"type": "text", "text": value} for value in values]
    return {
        "recipient": {"id": person_psid},
        "messaging_type": "UTILITY",
        "message": {
            "template": {
                "name": name,
                "language": {"code": "fr"},
                "components": [{"type": "body", "parameters": parameters}],
            }
        },
    }


async def test_utility_template_is_approved_and_sent_outside_the_window() -> None:
    async with graph_world() as world:
        world.at("2026-07-01T12:00:00")
        created = await _create_template(world)
        person = world.person()
        world.advance(10 * DAY)
        response = await world.send(_utility(person.psid, "A-1042", "3 juillet"))
        item = world.emulator.state.messages[response.json()["message_id"]]
    assert created.json() == {
        "id": created.json()["id"],
        "status": "APPROVED",
        "category": "UTILITY",
    }
    assert response.status_code == 200
    assert (item.text, item.messaging_type) == (
        "Votre commande A-1042 arrive le 3 juillet.",
        "UTILITY",
    )


@pytest.mark.parametrize(
    ("values", "name", "fragment"),
    [
        (("A-1042",), "order_update", "Number of parameters"),
        (("A", "B", "C"), "order_update", "Number of parameters"),
        (("A", "B"), "unknown_template", "does not exist"),
    ],
    ids=["too-few", "too-many", "unknown"],
)
async def test_utility_send_errors(values: tuple[str, ...], name: str, fragment: str) -> None:
    async with graph_world() as world:
        await _create_template(world)
        person = world.person()
        response = await world.send(_utility(person.psid, *values, name=name))
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


async def test_utility_needs_the_pages_utility_permission() -> None:
    async with graph_world(features={"human_agent"}) as world:
        await _create_template(world)
        person = world.person()
        response = await world.send(_utility(person.psid, "A", "B"))
    assert response.json()["error"]["code"] == 10


async def test_utility_type_without_a_template_is_refused() -> None:
    async with graph_world() as world:
        person = world.person()
        response = await world.send(text_to(person, messaging_type="UTILITY"))
    assert (
        response.json()["error"]["message"] == "(#100) The parameter message[template] is required"
    )


@pytest.mark.parametrize(
    ("overrides", "status", "fragment"),
    [
        ({"category": "MARKETING"}, 400, "category"),
        ({"name": "Order Update"}, 400, "lowercase"),
        ({"components": [{"type": "BODY", "text": "Code {{2}}"}]}, 400, "{{1}}"),
        ({"components": [{"type": "BODY", "text": "Get 20% off with coupon SUMMER"}]}, 200, None),
    ],
    ids=["marketing-category", "bad-name", "placeholder-gap", "marketing-words-rejected"],
)
async def test_template_creation(
    overrides: dict[str, Any], status: int, fragment: str | None
) -> None:
    async with graph_world() as world:
        response = await _create_template(world, **overrides)
        templates = world.page.templates
    assert response.status_code == status
    if fragment is not None:
        assert fragment in response.json()["error"]["message"]
    else:
        assert response.json()["status"] == "REJECTED"
        assert templates["order_update"]["rejected_reason"] == "TAG_SHOULD_BE_MARKETING"


@pytest.mark.parametrize(
    ("when", "ok"), [("2026-03-05T12:00:00", False), ("2026-03-06T12:00:00", True)]
)
async def test_named_parameters_since_2026_03_06(when: str, ok: bool) -> None:
    async with graph_world() as world:
        world.at(when)
        response = await _create_template(
            world,
            parameter_format="NAMED",
            components=[{"type": "BODY", "text": "Bonjour {{first_name}}"}],
        )
    assert (response.status_code == 200) is ok


# ---- thread control carried by a send -------------------------------------------------------


async def test_a_send_can_pass_the_thread_to_the_page_inbox() -> None:
    async with graph_world() as world:
        person = world.person()
        body = text_to(person, thread_control={"control_type": "pass", "app_id": PAGE_INBOX_APP_ID})
        passed = await world.send(body)
        owner = person.thread_owner_app_id
        blocked = await world.send(text_to(person))
    assert passed.status_code == 200
    assert owner == PAGE_INBOX_APP_ID
    assert blocked.json()["error"]["error_subcode"] == 2018300
