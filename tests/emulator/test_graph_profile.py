"""The Messenger Profile API (reference §6.1): properties, their limits, GET/POST/DELETE."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.emulator.factories import GraphWorld, graph_world

pytestmark = pytest.mark.anyio

PROFILE = "/v25.0/me/messenger_profile"
GET_STARTED = {"payload": "GET_STARTED"}
CALL_BUTTON = {"type": "phone_number", "title": "Call", "payload": "+3312345678"}


async def _post(world: GraphWorld, body: dict[str, Any]) -> Any:
    return await world.call("POST", PROFILE, json=body)


def _menu(count: int, title: str = "Menu") -> list[dict[str, Any]]:
    items = [{"type": "postback", "title": title, "payload": f"ITEM_{i}"} for i in range(count)]
    return [{"locale": "default", "composer_input_disabled": False, "call_to_actions": items}]


def _questions(count: int) -> list[dict[str, Any]]:
    questions = [{"question": f"Question {i}?", "payload": f"Q{i}"} for i in range(count)]
    return [{"locale": "default", "call_to_actions": questions}]


Make = Callable[[int], dict[str, Any]]
LIMITS: list[tuple[str, Make, int]] = [
    ("get-started-payload-1000", lambda n: {"get_started": {"payload": "p" * n}}, 1000),
    ("greeting-text-160",
     lambda n: {"greeting": [{"locale": "default", "text": "g" * n}]}, 160),
    ("menu-items-20", lambda n: {"get_started": GET_STARTED, "persistent_menu": _menu(n)}, 20),
    ("menu-title-30",
     lambda n: {"get_started": GET_STARTED, "persistent_menu": _menu(1, "t" * n)}, 30),
    ("ice-breakers-4", lambda n: {"ice_breakers": _questions(n)}, 4),
    ("legacy-ice-breakers-4",
     lambda n: {"ice_breakers": _questions(n)[0]["call_to_actions"]}, 4),
    ("whitelisted-domains-50",
     lambda n: {"whitelisted_domains": [f"https://d{i}.example.com" for i in range(n)]}, 50),
    ("command-name-32", lambda n: {"commands": [{"locale": "default", "commands": [
        {"name": "c" * n, "description": "Find flights"}]}]}, 32),
    ("command-description-64", lambda n: {"commands": [{"locale": "default", "commands": [
        {"name": "flights", "description": "d" * n}]}]}, 64),
    ("commands-100", lambda n: {"commands": [{"locale": "default", "commands": [
        {"name": f"c{i}", "description": "x"} for i in range(n)]}]}, 100),
]  # fmt: skip


@pytest.mark.parametrize(("make", "limit"), [r[1:] for r in LIMITS], ids=[r[0] for r in LIMITS])
async def test_profile_limit_n_passes_n_plus_1_fails(make: Make, limit: int) -> None:
    async with graph_world() as world:
        world.emulator.config.rate_limits.enabled = False
        accepted = await _post(world, make(limit))
        refused = await _post(world, make(limit + 1))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"result": "success"}
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == 100


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "Requires one of the params"),
        ({"greeting": [{"locale": "en_US", "text": "Hello"}]}, '"default" locale'),
        ({"persistent_menu": _menu(1)}, "Get Started"),
        ({"get_started": GET_STARTED, "persistent_menu": [{"locale": "default",
          "call_to_actions": [CALL_BUTTON]}]}, "type"),
        ({"whitelisted_domains": ["https://127.0.0.1"]}, "IP address"),
        ({"whitelisted_domains": ["http://example.com"]}, "HTTPS"),
        ({"ice_breakers": [_questions(1)[0], {"question": "q", "payload": "p"}]}, "one format"),
        ({"commands": [{"locale": "default", "commands": [{"name": "/go", "description": "x"}]}]},
         "leading /"),
        ({"account_linking_url": "http://example.com/link"}, "HTTPS"),
    ],
    ids=["nothing", "no-default-locale", "menu-without-get-started", "phone-in-menu", "ip-domain",
         "http-domain", "mixed-ice-breakers", "slash-command", "http-linking-url"],
)  # fmt: skip
async def test_profile_errors(body: dict[str, Any], fragment: str) -> None:
    async with graph_world() as world:
        response = await _post(world, body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


async def test_get_returns_the_requested_properties_and_delete_removes_them() -> None:
    async with graph_world() as world:
        greeting = [{"locale": "default", "text": "Bonjour {{user_first_name}} !"}]
        await _post(world, {"get_started": GET_STARTED, "greeting": greeting})
        both = await world.call("GET", f"{PROFILE}?fields=get_started,greeting")
        one = await world.call("GET", f"{PROFILE}?fields=greeting")
        deleted = await world.call("DELETE", PROFILE, json={"fields": ["greeting"]})
        after = await world.call("GET", f"{PROFILE}?fields=greeting")
        unknown = await world.call("GET", f"{PROFILE}?fields=home_url")
    assert both.json() == {"data": [{"get_started": GET_STARTED, "greeting": greeting}]}
    assert one.json() == {"data": [{"greeting": greeting}]}
    assert deleted.json() == {"result": "success"}
    assert after.json() == {"data": []}
    assert unknown.status_code == 400


async def test_get_started_cannot_go_while_a_menu_remains() -> None:
    async with graph_world() as world:
        world.emulator.config.rate_limits.enabled = False
        await _post(world, {"get_started": GET_STARTED, "persistent_menu": _menu(2)})
        refused = await world.call("DELETE", PROFILE, json={"fields": ["get_started"]})
        together = await world.call(
            "DELETE", PROFILE, json={"fields": ["get_started", "persistent_menu"]}
        )
    assert refused.status_code == 400
    assert together.status_code == 200


async def test_form_encoded_profile_post() -> None:
    async with graph_world() as world:
        response = await world.call("POST", PROFILE, data={"get_started": '{"payload": "GO"}'})
    assert response.status_code == 200
    assert world.page.profile["get_started"] == {"payload": "GO"}


@pytest.mark.parametrize(
    ("when", "ok"), [("2022-08-03T12:00:00", True), ("2022-08-04T12:00:00", False)]
)
async def test_nested_menus_until_2022_08_04(when: str, ok: bool) -> None:
    async with graph_world() as world:
        world.at(when)
        nested = {
            "type": "nested",
            "title": "Plus",
            "call_to_actions": [{"type": "postback", "title": "Aide", "payload": "HELP"}],
        }
        menu = [{"locale": "default", "call_to_actions": [nested]}]
        response = await _post(world, {"get_started": GET_STARTED, "persistent_menu": menu})
    assert (response.status_code == 200) is ok


async def test_user_level_menu() -> None:
    async with graph_world() as world:
        person = world.person()
        path = "/v25.0/me/custom_user_settings"
        set_menu = await world.call(
            "POST", path, json={"psid": person.psid, "persistent_menu": _menu(2)}
        )
        read = await world.call("GET", f"{path}?psid={person.psid}")
        unknown = await world.call("GET", f"{path}?psid=999")
        removed = await world.call(
            "DELETE", path, json={"psid": person.psid, "params": ["persistent_menu"]}
        )
        empty = await world.call("GET", f"{path}?psid={person.psid}")
        page_level = await world.call("GET", f"{PROFILE}?fields=persistent_menu")
    assert set_menu.json() == {"result": "success"}
    assert read.json() == {"data": [{"user_level_persistent_menu": _menu(2)}]}
    assert unknown.json()["error"]["error_subcode"] == 2018001
    assert removed.status_code == 200
    assert empty.json() == {"data": []}
    assert page_level.json() == {"data": []}
