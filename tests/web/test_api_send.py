"""Sending through the REST API, against the emulator: 201 with the policy decision, or 422
with the reason and the next legal option; Pages connected through the API; outgoing
webhooks for what happens along the way."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from comptoir.services.outgoing import verify
from comptoir.services.pages import WEBHOOK_FIELDS
from comptoir.storage.pages import create_api_token
from tests.support.api import error_of
from tests.support.servers import serve_in_thread
from tests.support.stack import Stack, wait_for

pytestmark = pytest.mark.anyio

HOUR = 3600.0


class Client:
    """The REST API of the stack's Comptoir, with a token of its workspace."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        with stack.container.engine.begin() as conn:
            token = create_api_token(conn, stack.workspace_id, "tests", stack.container.clock.now())
        self.headers = {"Authorization": f"Bearer {token}"}

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.stack.comptoir.get(path, params=params, headers=self.headers)

    async def post(self, path: str, body: Any) -> httpx.Response:
        return await self.stack.comptoir.post(path, json=body, headers=self.headers)

    async def conversation_id(self) -> int:
        listed = (await self.get("/api/v1/conversations", limit=1)).json()["data"]
        assert listed, "no conversation yet"
        return int(listed[0]["id"])

    async def send(self, conversation_id: int, text: str, kind: str = "agent") -> httpx.Response:
        return await self.post(
            f"/api/v1/conversations/{conversation_id}/messages",
            {"text": text, "author": {"kind": kind, "name": "Léa" if kind == "agent" else "Bot"}},
        )

    async def message(self, conversation_id: int, message_id: int) -> dict[str, Any]:
        listed = (await self.get(f"/api/v1/conversations/{conversation_id}/messages")).json()
        return next(m for m in listed["data"] if m["id"] == message_id)


async def page_texts(stack: Stack) -> list[str]:
    return [item["text"] for item in await stack.thread() if item["from"] == "page"]


async def test_a_reply_in_the_window_goes_out_and_its_status_follows(stack: Stack) -> None:
    api = Client(stack)
    await stack.customer_says("Bonjour, vous livrez à Lyon ?")
    conversation_id = await api.conversation_id()

    response = await api.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        {
            "text": "Oui, sous 48 h !",
            "quick_replies": [{"title": "Merci", "payload": "THANKS"}],
            "author": {"kind": "agent", "name": "Léa"},
        },
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["decision"]["messaging_type"] == "RESPONSE"
    assert body["decision"]["tag"] is None
    assert body["decision"]["valid_until"].startswith("2026-06-02T10:00")
    assert body["message"]["status"] == "queued"
    assert body["message"]["author"] == {"kind": "agent", "name": "Léa"}
    message_id = body["message"]["id"]

    async def delivered() -> bool:
        return (await api.message(conversation_id, message_id))["status"] in ("delivered", "read")

    await eventually(delivered, "the delivery receipt")
    thread = await stack.thread()
    (sent,) = [item for item in thread if item["from"] == "page"]
    assert sent["text"] == "Oui, sous 48 h !"
    assert [reply["title"] for reply in sent["quick_replies"]] == ["Merci"]

    await stack.act({"type": "read"})
    await stack.settle()

    async def read() -> bool:
        return (await api.message(conversation_id, message_id))["status"] == "read"

    await eventually(read, "the read receipt")


async def test_after_25_hours_a_bot_is_refused_and_an_agent_answers_as_human_agent(
    stack: Stack,
) -> None:
    api = Client(stack)
    await stack.customer_says("Ma commande n'est pas arrivée.")
    conversation_id = await api.conversation_id()
    await stack.advance(25 * HOUR)

    refused = await api.send(conversation_id, "Votre colis arrive demain.", kind="bot")

    assert refused.status_code == 422, refused.text
    error = error_of(refused)
    assert error["code"] == "window_closed"
    assert error["reason"]
    assert error["next_option"]["tag"] == "HUMAN_AGENT"
    assert error["next_option"]["senders"] == ["agent"]
    assert error["next_option"]["until"].startswith("2026-06-08T10:00")

    allowed = await api.send(conversation_id, "Je regarde tout de suite, Léa.")
    assert allowed.status_code == 201, allowed.text
    decision = allowed.json()["decision"]
    assert (decision["messaging_type"], decision["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    await wait_for_text(stack, "Je regarde tout de suite, Léa.")
    (sent,) = [call for call in await stack.sent() if call["status"] == 200]
    assert sent["request"]["tag"] == "HUMAN_AGENT"


async def test_after_8_days_even_an_agent_is_refused(stack: Stack) -> None:
    api = Client(stack)
    await stack.customer_says("Bonjour ?")
    conversation_id = await api.conversation_id()
    await stack.advance(8 * 24 * HOUR)

    refused = await api.send(conversation_id, "Désolée pour l'attente.")

    assert refused.status_code == 422, refused.text
    error = error_of(refused)
    assert error["code"] == "window_closed"
    assert error["next_option"] is None  # HUMAN_AGENT ended after 7 days
    assert error["reason"] == "The window closed 7 d ago."
    await stack.settle()
    assert await page_texts(stack) == []


async def test_a_bad_send_is_422_naming_the_field_and_nothing_is_sent(stack: Stack) -> None:
    api = Client(stack)
    await stack.customer_says("Hello")
    conversation_id = await api.conversation_id()
    too_many = [{"title": f"R{n}", "payload": f"P{n}"} for n in range(14)]
    cases = [
        ({"text": "x" * 2001, "author": {"kind": "agent", "name": "Léa"}}, "text"),
        ({"text": "   ", "author": {"kind": "agent", "name": "Léa"}}, "text"),
        ({"text": "Hi", "author": {"kind": "customer", "name": "Léa"}}, "author.kind"),
        ({"text": "Hi", "author": {"kind": "agent"}}, "author.name"),
        (
            {"text": "Hi", "author": {"kind": "agent", "name": "Léa"}, "quick_replies": too_many},
            "quick_replies",
        ),
        (
            {
                "text": "Hi",
                "author": {"kind": "agent", "name": "Léa"},
                "quick_replies": [{"title": "x" * 21, "payload": "P"}],
            },
            "quick_replies.0.title",
        ),
        ({"text": "Hi", "author": {"kind": "agent", "name": "Léa"}, "tag": "HUMAN_AGENT"}, "tag"),
    ]
    for body, field in cases:
        response = await api.post(f"/api/v1/conversations/{conversation_id}/messages", body)
        assert response.status_code == 422, (field, response.text)
        assert error_of(response)["fields"][0]["field"] == field
    missing = await api.send(987654, "Hi")
    assert missing.status_code == 404
    await stack.settle()
    assert await page_texts(stack) == []


async def test_a_page_connected_through_the_api_is_subscribed(stack: Stack) -> None:
    api = Client(stack)
    created = await stack.emulator_call("POST", "/_emulator/pages", {"name": "Boutique Deux"})
    body = {
        "page_id": created["page_id"],
        "access_token": created["page_access_token"],
        "app_secret": created["app_secret"],
        "verify_token": "verify-boutique-deux",
        "name": "Boutique Deux",
        "timezone": "Europe/Paris",
    }

    response = await api.post("/api/v1/pages", body)

    assert response.status_code == 201, response.text
    page = response.json()
    assert page["page_id"] == created["page_id"]
    assert page["timezone"] == "Europe/Paris"
    assert page["subscribed_at"] is not None
    for secret in ("access_token", "app_secret", "verify_token"):
        assert body[secret] not in response.text
    emulated = stack.emulator.state.pages[created["page_id"]]
    assert sorted(emulated.subscribed_fields) == sorted(WEBHOOK_FIELDS)
    listed = (await api.get("/api/v1/pages")).json()["data"]
    assert [p["page_id"] for p in listed] == [stack.page.page_id, created["page_id"]]
    again = await api.post("/api/v1/pages", body)  # new credentials for the same Page
    assert again.status_code == 200, again.text
    assert again.json()["id"] == page["id"]

    refused = await api.post("/api/v1/pages", {**body, "access_token": "EAAwrong-token-xyz"})
    assert refused.status_code == 422
    error = error_of(refused)
    assert error["code"] == "page_subscription_refused"
    assert error["graph_code"] == 190
    assert "EAAwrong-token-xyz" not in refused.text

    invalid = await api.post("/api/v1/pages", {**body, "timezone": "Mars/Olympus"})
    assert invalid.status_code == 422
    assert error_of(invalid)["fields"][0]["field"] == "timezone"


@pytest.fixture
def business() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """The business's own endpoint, on a real port (the worker posts over HTTP)."""
    received: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: Request) -> Response:
        received.append((dict(request.headers), await request.body()))
        return Response(status_code=204)

    app = Starlette(routes=[Route("/hooks", hook, methods=["POST"])])
    with serve_in_thread(app) as url:
        yield f"{url}/hooks", received


async def test_outgoing_webhooks_tell_the_business_what_happened(
    stack: Stack, business: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, received = business
    api = Client(stack)
    endpoint = await api.post("/api/v1/webhooks", {"url": url})
    secret = endpoint.json()["secret"]

    await stack.customer_says("Je voudrais un rendez-vous.")
    conversation_id = await api.conversation_id()
    sent = await api.send(conversation_id, "Mardi 10 h ?")
    assert sent.status_code == 201

    def events() -> list[tuple[str, dict[str, Any]]]:
        found = []
        for headers, raw in list(received):
            assert verify(secret, raw, headers["x-comptoir-signature"])
            found.append((headers["x-comptoir-event"], json.loads(raw)["data"]))
        return found

    def seen() -> bool:
        statuses = {d["message"]["status"] for e, d in events() if e == "message.status"}
        return "delivered" in statuses or "read" in statuses

    await wait_for(seen, within=20, what="message.status webhooks up to delivered")
    (first_event, first), *rest = events()
    assert first_event == "message.received"
    assert first["message"]["text"] == "Je voudrais un rendez-vous."
    assert first["contact"]["psid"] == stack.customer
    outgoing_ids = {d["message"]["id"] for e, d in rest if e == "message.status"}
    assert outgoing_ids == {sent.json()["message"]["id"]}


async def eventually(check: Callable[[], Awaitable[bool]], what: str, within: float = 15) -> None:
    for _ in range(int(within / 0.02)):
        if await check():
            return
        await anyio.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


async def wait_for_text(stack: Stack, text: str) -> None:
    async def arrived() -> bool:
        return text in await page_texts(stack)

    await eventually(arrived, f"the customer to receive {text!r}")
