"""The inbox API end to end: the emulator's customer writes, an agent signed in to the inbox
answers through ``/inbox/api`` and the customer sees it; the composer follows Meta's window
(24 hours, then a human agent for 7 days, then nothing); take over and hand back."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from comptoir.services import accounts
from comptoir.storage import tables
from tests.support.stack import Stack
from tests.web.inbox_api.conftest import PASSWORD, Browser

pytestmark = pytest.mark.anyio

HOUR = 3600.0
DAY = 24 * HOUR


async def agent_browser(stack: Stack, name: str = "Nadia") -> Browser:
    now = stack.container.clock.now()
    email = f"{name.lower()}@example.com"
    with stack.container.engine.begin() as conn:
        user_id = accounts.create_user(conn, email, PASSWORD, name, now)
        accounts.add_member(conn, user_id, stack.workspace_id, "agent", now)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=stack.app), base_url="http://comptoir.test"
    )
    browser = Browser(client)
    response = await client.post("/inbox/api/sign-in", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    browser.csrf = response.json()["csrf_token"]
    return browser


async def sign_in_again(browser: Browser, name: str = "Nadia") -> None:
    response = await browser.http.post(
        "/inbox/api/sign-in", json={"email": f"{name.lower()}@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    browser.csrf = response.json()["csrf_token"]


async def test_an_agent_answers_and_the_customer_sees_it(stack: Stack) -> None:
    await stack.customer_says("Bonjour, avez-vous un créneau demain ?")
    browser = await agent_browser(stack)
    try:
        listed = (await browser.get("/inbox/api/conversations")).json()["data"]
        assert len(listed) == 1
        conversation_id = listed[0]["id"]
        assert listed[0]["contact"]["name"] == "Camille Martin"
        assert listed[0]["last_message"]["text"] == "Bonjour, avez-vous un créneau demain ?"
        view = (await browser.get(f"/inbox/api/conversations/{conversation_id}")).json()
        assert view["composer"]["can_send"] is True
        assert view["composer"]["sentence"].startswith("The window is open for 24 h")
        sent = await browser.post(
            f"/inbox/api/conversations/{conversation_id}/messages",
            {"text": "Bonjour {first_name}, oui à 10 h.", "quick_replies": [{"title": "OK"}]},
        )
        assert sent.status_code == 201, sent.text
        message = sent.json()["message"]
        assert message["author_kind"] == "agent"
        assert message["author_name"] == "Nadia"
        assert message["text"] == "Bonjour Camille, oui à 10 h."

        for _ in range(1000):
            thread = await stack.thread()
            if any(m.get("text") == "Bonjour Camille, oui à 10 h." for m in thread):
                break
            await asyncio.sleep(0.01)
        else:
            pytest.fail("the customer never received the agent's answer")
        typing = await browser.post(
            f"/inbox/api/conversations/{conversation_id}/typing", {"on": True}
        )
        assert typing.json() == {"sent": True}
    finally:
        await browser.http.aclose()


async def test_the_composer_follows_the_window_then_refuses(stack: Stack) -> None:
    await stack.customer_says("Bonjour")
    browser = await agent_browser(stack)
    try:
        (conversation,) = stack.conversations()
        path = f"/inbox/api/conversations/{conversation['id']}"
        await stack.advance(25 * HOUR)
        await sign_in_again(browser)
        composer = (await browser.get(f"{path}/composer")).json()
        assert composer["can_send"] is True
        assert composer["mode"] == "human_agent"
        assert composer["sentence"].startswith("The window closed 1 h ago; you can still answer")
        french = (await browser.get(f"{path}/composer", lang="fr")).json()
        assert "agent humain" in french["sentence"]
        sent = await browser.post(f"{path}/messages", {"text": "Désolée pour l'attente."})
        assert sent.status_code == 201, sent.text
        assert sent.json()["message"]["tag"] == "HUMAN_AGENT"

        await stack.advance(7 * DAY)
        await sign_in_again(browser)
        composer = (await browser.get(f"{path}/composer")).json()
        assert composer["can_send"] is False
        assert composer["mode"] is None
        assert composer["sentence"]
        before = len(stack.messages())
        refused = await browser.post(f"{path}/messages", {"text": "Toujours là ?"})
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert error["code"] == "send_refused"
        assert error["message"] == composer["sentence"]
        assert len(stack.messages()) == before  # nothing stored
    finally:
        await browser.http.aclose()


async def test_take_over_and_hand_back(stack: Stack) -> None:
    await stack.customer_says("Je veux parler à quelqu'un")
    browser = await agent_browser(stack)
    try:
        (conversation,) = stack.conversations()
        path = f"/inbox/api/conversations/{conversation['id']}"
        taken = await browser.post(f"{path}/take")
        assert taken.json() == {"automation": "paused", "taken_by": "Nadia"}
        view = (await browser.get(path)).json()
        assert view["conversation"]["automation"] == "paused"
        assert view["composer"]["taken_by"] == "Nadia"
        with stack.container.engine.connect() as conn:
            thread = conn.execute(
                tables.automation_threads.select().where(
                    tables.automation_threads.c.conversation_id == conversation["id"]
                )
            ).one()
        assert thread.taken_at is not None
        back = await browser.post(f"{path}/hand-back")
        assert back.json() == {"automation": "active", "taken_by": ""}
        assert (await browser.get(path)).json()["conversation"]["automation"] == "active"
    finally:
        await browser.http.aclose()


async def test_an_attachment_by_url_reaches_the_customer_and_bad_bodies_are_refused(
    stack: Stack,
) -> None:
    await stack.customer_says("Vous avez une photo ?")
    browser = await agent_browser(stack)
    try:
        (conversation,) = stack.conversations()
        path = f"/inbox/api/conversations/{conversation['id']}/messages"
        url = "https://cdn.example.com/vitrine.jpg"
        sent = await browser.post(path, {"attachment": {"type": "image", "url": url}})
        assert sent.status_code == 201, sent.text
        assert sent.json()["message"]["attachments"] == [
            {"type": "image", "url": url, "name": None}
        ]
        for bad in (
            {},
            {"text": "  "},
            {"text": "hi", "attachment": {"type": "image", "url": url}},
            {"attachment": {"type": "image", "url": url}, "quick_replies": [{"title": "Yes"}]},
            {"attachment": {"type": "script", "url": url}},
            {"text": "x" * 2001},
        ):
            refused = await browser.post(path, bad)
            assert refused.status_code == 422, (bad, refused.text)
        for _ in range(1000):
            records = await stack.sent()
            attached = [
                r
                for r in records
                if r["request"]
                .get("message", {})
                .get("attachment", {})
                .get("payload", {})
                .get("url")
                == url
            ]
            if attached:
                break
            await asyncio.sleep(0.01)
        else:
            pytest.fail("the attachment was never sent")
    finally:
        await browser.http.aclose()
