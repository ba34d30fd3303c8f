"""Every field of every control call, given a value of the wrong type or size: a 4xx JSON error
naming the problem (or a success when the value happens to be acceptable), never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.harness import World, emulator_world

pytestmark = pytest.mark.anyio

ODD_VALUES: list[Any] = [None, 0, -1, 1e300, True, [], ["x"], {}, {"a": [1]}, "", "x" * 5000]

ACTIONS: dict[str, dict[str, Any]] = {
    "message": {"text": "hi", "quick_reply_payload": "P", "attachments": [], "referral": {}},
    "postback": {"payload": "P", "title": "T", "referral": {"ref": "r"}},
    "referral": {"ref": "r", "source": "SHORTLINK", "ad_id": "1", "ads_context_data": {}},
    "optin": {"message_id": "m"},
    "react": {"mid": "m", "reaction": "love", "action": "react"},
    "edit": {"mid": "m", "text": "t"},
    "comment": {"text": "t", "post_id": "1_2"},
}

OTHER_CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/_emulator/pages", {"name": "n", "webhook_url": "http://x", "verify_token": "v"}),
    ("PUT", "{page}/webhook", {"url": "http://x", "verify_token": "v", "fields": ["messages"]}),
    ("PUT", "{page}/features", {"features": ["human_agent"]}),
    ("POST", "{page}/policy_enforcement", {"action": "block", "reason": "r", "days": 1}),
    ("POST", "{page}/users", {"first_name": "a", "last_name": "b", "locale": "en_US"}),
    ("PUT", "{user}/thread_owner", {"app_id": "1", "expires_in": 60, "notify": True}),
    ("POST", "/_emulator/clock", {"advance": 1}),
    ("POST", "/_emulator/clock", {"set": "2026-01-01T00:00:00Z"}),
    ("POST", "/_emulator/clock", {"set": "0001-01-01T00:00:00Z"}),
    ("POST", "/_emulator/clock", {"set": "9999-12-31T23:59:59Z", "advance": 1}),
    ("POST", "/_emulator/clock", {"freeze": True}),
    ("PUT", "/_emulator/config", {"webhooks": {"batch_size": 1}}),
    ("POST", "/_emulator/reset", {"keep_config": True}),
]


async def _setup(world: World) -> tuple[str, str]:
    page = await world.create_page(webhook=False)
    psid = await world.create_person(page["page_id"])
    return page["page_id"], psid


def _check(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        message = response.json()["error"]["message"]
        assert isinstance(message, str)
        assert message


@pytest.mark.parametrize("kind", sorted(ACTIONS))
async def test_odd_values_in_actions_never_fail_the_server(kind: str) -> None:
    async with emulator_world() as world:
        page_id, psid = await _setup(world)
        url = f"/_emulator/pages/{page_id}/users/{psid}/actions"
        for key in ACTIONS[kind]:
            for value in ODD_VALUES:
                body = {"type": kind, **ACTIONS[kind], key: value}
                _check(await world.client.post(url, json=body))
        _check(await world.client.post(url, json={"type": ["message"]}))


@pytest.mark.parametrize(("method", "path", "good"), OTHER_CALLS, ids=lambda v: str(v)[:30])
async def test_odd_values_in_other_calls_never_fail_the_server(
    method: str, path: str, good: dict[str, Any]
) -> None:
    async with emulator_world() as world:
        page_id, psid = await _setup(world)
        url = path.format(
            page=f"/_emulator/pages/{page_id}", user=f"/_emulator/pages/{page_id}/users/{psid}"
        )
        for key in good:
            for value in ODD_VALUES:
                _check(await world.client.request(method, url, json={**good, key: value}))
