"""The Messenger profile: Meta's limits checked before sending, then set on the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from comptoir.services.messenger_profile import ProfileError, build_profile, check_profile
from tests.automation.support import configure
from tests.support.stack import Stack

PROFILE: dict[str, Any] = {
    "get_started": "GET_STARTED",
    "greeting": {"fr": "Bonjour {{user_first_name}} !", "en": "Hello {{user_first_name}}!"},
    "ice_breakers": [
        {"question": {"fr": "Vos horaires ?", "en": "Your opening hours?"}, "payload": "HOURS"},
        {"question": "Ma commande", "payload": "ORDER_STATUS"},
    ],
    "persistent_menu": [
        {"title": {"fr": "Un conseiller", "en": "A person"}, "payload": "HUMAN"},
        {"title": "Boutique", "url": "https://shop.example.com"},
    ],
    "whitelisted_domains": ["https://shop.example.com"],
}


def fields(profile: Any) -> list[str]:
    return [problem.field for problem in check_profile(profile)]


def test_a_good_profile_becomes_metas_body_per_locale() -> None:
    body = build_profile(PROFILE)
    assert body["get_started"] == {"payload": "GET_STARTED"}
    assert body["greeting"] == [
        {"locale": "default", "text": "Bonjour {{user_first_name}} !"},
        {"locale": "en_US", "text": "Hello {{user_first_name}}!"},
        {"locale": "fr_FR", "text": "Bonjour {{user_first_name}} !"},
    ]
    english = next(b for b in body["ice_breakers"] if b["locale"] == "en_US")
    assert english["call_to_actions"][0] == {"question": "Your opening hours?", "payload": "HOURS"}
    assert english["call_to_actions"][1]["question"] == "Ma commande"  # no English: default
    (default_menu,) = [m for m in body["persistent_menu"] if m["locale"] == "default"]
    assert default_menu["call_to_actions"][1] == {
        "type": "web_url",
        "title": "Boutique",
        "url": "https://shop.example.com",
    }
    assert body["whitelisted_domains"] == ["https://shop.example.com"]


def test_metas_limits_are_checked_before_sending() -> None:
    assert fields({**PROFILE, "greeting": "x" * 161}) == ["greeting.fr"]
    assert fields({**PROFILE, "greeting": {"en": "Hi"}}) == ["greeting"]
    five = [{"question": f"Q{i}", "payload": f"P{i}"} for i in range(5)]
    assert fields({**PROFILE, "ice_breakers": five}) == ["ice_breakers"]
    long_title = [{"title": "t" * 31, "payload": "P"}]
    assert fields({**PROFILE, "persistent_menu": long_title}) == ["persistent_menu[0].title.fr"]
    many = [{"title": f"T{i}", "payload": f"P{i}"} for i in range(21)]
    assert fields({**PROFILE, "persistent_menu": many}) == ["persistent_menu"]
    no_start = {k: v for k, v in PROFILE.items() if k != "get_started"}
    assert fields(no_start) == ["persistent_menu"]
    domains = ["http://shop.example.com", "https://localhost", "https://10.0.0.1"]
    assert fields({**PROFILE, "whitelisted_domains": domains}) == [
        "whitelisted_domains[0]",
        "whitelisted_domains[1]",
        "whitelisted_domains[2]",
    ]
    assert fields({**PROFILE, "get_started": "p" * 1001}) == ["get_started"]
    assert fields({"colour": "blue"}) == ["colour"]
    with pytest.raises(ProfileError, match=r"greeting\.fr"):
        build_profile({**PROFILE, "greeting": "x" * 200})


@pytest.mark.anyio
async def test_the_profile_is_set_on_the_page_and_get_started_works(stack: Stack) -> None:
    auth = await configure(stack, {"profile": PROFILE})
    answer = await stack.comptoir.post(
        f"/api/v1/pages/{stack.page.page_id}/messenger-profile", headers=auth
    )
    assert answer.status_code == 200, answer.text
    page = stack.emulator.state.pages[stack.page.page_id]
    assert page.profile["get_started"] == {"payload": "GET_STARTED"}
    assert page.profile["greeting"][0] == {
        "locale": "default",
        "text": "Bonjour {{user_first_name}} !",
    }
    assert len(page.profile["persistent_menu"]) == 3


@pytest.mark.anyio
async def test_a_profile_beyond_limits_is_refused_when_saved_and_nothing_is_sent(
    stack: Stack,
) -> None:
    auth = await configure(stack, {})
    path = f"/api/v1/pages/{stack.page.page_id}/automation"
    answer = await stack.comptoir.put(
        path, json={"profile": {**PROFILE, "greeting": "x" * 161}}, headers=auth
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "profile.greeting.fr"
    sync = await stack.comptoir.post(
        f"/api/v1/pages/{stack.page.page_id}/messenger-profile", headers=auth
    )
    assert sync.status_code == 422
    assert stack.emulator.state.pages[stack.page.page_id].profile == {}
