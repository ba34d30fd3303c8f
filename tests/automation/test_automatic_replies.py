"""Instant reply, away message in the Page's time zone, disclosure, handover: end to end
through the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from comptoir.services.automation import automation_of
from tests.automation.support import SETTINGS, bot_texts, configure, post, settle
from tests.support.stack import Stack

pytestmark = pytest.mark.anyio

HOUR = 3600.0


async def test_a_new_conversation_gets_the_disclosure_and_the_instant_reply_once(
    stack: Stack,
) -> None:
    await configure(stack)
    await stack.customer_says("Bonjour, vous avez des chaussures ?")
    await settle(stack)
    assert await bot_texts(stack) == ["Réponses automatiques.", "Bonjour !"]
    await stack.customer_says("En 42 ?")
    await settle(stack)
    assert len(await bot_texts(stack)) == 2
    bot = [m for m in stack.messages() if m["author_kind"] == "bot"]
    assert all(m["status"] in ("sent", "delivered", "read") for m in bot)
    assert len(bot) == 2


async def test_resolving_resumes_and_the_next_conversation_speaks_the_contacts_language(
    stack: Stack,
) -> None:
    named = {
        **SETTINGS,
        "instant_reply": {"fr": "Bonjour {{first_name}} !", "en": "Hello {{first_name}}!"},
    }
    auth = await configure(stack, named)
    english = await stack.add_customer("Alex", "Smith", locale="en_US")
    await stack.customer_says("Hi there", psid=english)
    await settle(stack)
    # The profile (name, locale) is fetched after the first message is stored: the first
    # greeting is in the Page's default language without a name unless the profile came first.
    assert await bot_texts(stack, english) in (
        ["Réponses automatiques.", "Bonjour !"],
        ["Automated answers.", "Hello Alex!"],
    )
    (conversation,) = stack.conversations()
    taken = await post(stack, f"/api/v1/conversations/{conversation['id']}/take", auth)
    assert taken.status_code == 200
    resolved = await stack.comptoir.patch(
        f"/api/v1/conversations/{conversation['id']}", json={"status": "resolved"}, headers=auth
    )
    assert resolved.status_code == 200, resolved.text
    await stack.customer_says("One more question", psid=english)
    await settle(stack)
    assert (await bot_texts(stack, english))[2:] == ["Automated answers.", "Hello Alex!"]


async def test_a_page_without_settings_stays_silent(stack: Stack) -> None:
    await stack.customer_says("Bonjour")
    await settle(stack)
    assert await bot_texts(stack) == []


async def test_at_night_in_paris_the_away_message_says_when_a_person_answers(
    stack: Stack,
) -> None:
    await configure(stack)
    # 2026-06-01 10:00 UTC is Monday 12:00 in Paris: open, no away message.
    await stack.customer_says("Bonjour")
    await settle(stack)
    assert await bot_texts(stack) == ["Réponses automatiques.", "Bonjour !"]
    # Monday 20:30 UTC is 22:30 in Paris (UTC+2 in June): closed until Tuesday 09:00.
    await stack.advance(10.5 * HOUR)
    await stack.customer_says("Vous êtes là ?")
    await settle(stack)
    texts = await bot_texts(stack)
    assert texts[2:] == ["Nous sommes fermés. Une personne vous répondra mardi 09:00."]
    # Said once per closed period.
    await stack.customer_says("Allô ?")
    await settle(stack)
    assert len(await bot_texts(stack)) == 3


async def test_friday_night_the_away_message_points_to_monday(stack: Stack) -> None:
    await configure(stack)
    # Friday 2026-06-05 19:00 UTC = 21:00 in Paris.
    await stack.advance(4 * 24 * HOUR + 9 * HOUR)
    await stack.customer_says("Bonsoir")
    await settle(stack)
    texts = await bot_texts(stack)
    assert texts[-1] == "Nous sommes fermés. Une personne vous répondra lundi 09:00."


async def test_an_agent_taking_the_conversation_silences_the_bot_until_hand_back(
    stack: Stack,
) -> None:
    auth = await configure(stack)
    await stack.customer_says("Bonjour")
    await settle(stack)
    (conversation,) = stack.conversations()
    conversation_id = conversation["id"]
    taken = await post(
        stack, f"/api/v1/conversations/{conversation_id}/take", auth, {"agent": "Lou"}
    )
    assert taken.status_code == 200, taken.text
    assert taken.json()["automation"] == "paused"
    await stack.advance(12 * HOUR)  # closed: the away message would go, but a person has it
    await stack.customer_says("Il y a quelqu'un ?")
    await settle(stack)
    assert len(await bot_texts(stack)) == 2
    back = await post(stack, f"/api/v1/conversations/{conversation_id}/hand-back", auth)
    assert back.status_code == 200, back.text
    assert back.json() == {
        "conversation_id": conversation_id,
        "automation": "active",
        "taken_by": "",
        "disclosure_sent": True,
    }
    await settle(stack)
    assert (await bot_texts(stack))[2:] == ["Réponses automatiques."]
    await stack.customer_says("Merci")
    await settle(stack)
    assert (await bot_texts(stack))[3:] == [
        "Nous sommes fermés. Une personne vous répondra mardi 09:00."
    ]


async def test_a_thread_owned_by_another_app_gets_no_automated_answer(stack: Stack) -> None:
    await configure(stack)
    await stack.customer_says("Bonjour")
    await settle(stack)
    await stack.emulator_call(
        "PUT",
        f"/_emulator/pages/{stack.page.page_id}/users/{stack.customer}/thread_owner",
        {"app_id": "page_inbox"},
    )
    await stack.advance(12 * HOUR)
    await stack.customer_says("Hello? Anyone there?")
    await settle(stack)
    assert len(await bot_texts(stack)) == 2


async def test_handover_endpoints_refuse_unknown_conversations(stack: Stack) -> None:
    auth = await configure(stack)
    for action in ("take", "hand-back"):
        answer = await post(stack, f"/api/v1/conversations/999999/{action}", auth)
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found"


async def test_bad_settings_are_refused_with_the_setting_named(stack: Stack) -> None:
    auth = await configure(stack)
    path = f"/api/v1/pages/{stack.page.page_id}/automation"
    cases = [
        ({"hours": {"zone": "Mars/Olympus"}}, "hours"),
        ({"instant_reply": {"de": "Hallo"}}, "instant_reply.de"),
        ({"colour": "blue"}, "colour"),
        ({"hours": {"zone": "UTC", "weekly": {"mon": ["18:00-09:00"]}}}, "hours"),
        ({"flows_folder": "/nonexistent/flows"}, "flows_folder"),
    ]
    for body, field in cases:
        answer = await stack.comptoir.put(path, json=body, headers=auth)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["fields"][0]["field"] == field
    unknown = await stack.comptoir.put("/api/v1/pages/999/automation", json={}, headers=auth)
    assert unknown.status_code == 404


async def test_a_page_known_to_be_silent_is_not_loaded_until_its_settings_change(
    stack: Stack,
) -> None:
    automation = automation_of(stack.container)
    loaded: list[list[int]] = []
    load = automation._load

    def counting(ids: list[int]) -> list[Any]:
        loaded.append(ids)
        return load(ids)

    automation._load = counting  # type: ignore[method-assign]
    await stack.customer_says("Bonjour")
    await settle(stack)
    assert len(loaded) == 1  # the first message reads the Page's settings: none
    await stack.customer_says("Il y a quelqu'un ?")
    await settle(stack)
    assert len(loaded) == 1  # known to be silent: nothing loaded
    assert await bot_texts(stack) == []
    await configure(stack)  # forgets the cached settings
    await stack.customer_says("Allô ?")
    await settle(stack)
    assert len(loaded) == 2
    assert await bot_texts(stack) == ["Réponses automatiques.", "Bonjour !"]
