"""The emulator's signed webhooks, verified and decoded by the Messenger channel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from comptoir.channels.messenger.events import (
    DeliveryReceived,
    EchoReceived,
    MessageEdited,
    MessageReceived,
    PostbackReceived,
    ReactionReceived,
    ReadReceived,
    ReceivedEvent,
    ReferralReceived,
)
from comptoir.channels.messenger.webhook import decode_events, verify_handshake, verify_signature
from comptoir.emulator.app import create_app
from comptoir.emulator.core import build_emulator

pytestmark = pytest.mark.anyio
VERIFY_TOKEN = "our-verify-token"


@dataclass
class Callback:
    """The Page's webhook, as Comptoir's web layer will do it: verify, then decode."""

    app_secret: str = ""
    events: list[ReceivedEvent] = field(default_factory=list)
    refused: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def app(self) -> Starlette:
        async def handshake(request: Request) -> Response:
            challenge = verify_handshake(dict(request.query_params), VERIFY_TOKEN)
            if challenge is None:
                return PlainTextResponse("forbidden", status_code=403)
            return PlainTextResponse(challenge)

        async def receive(request: Request) -> Response:
            raw = await request.body()
            if not verify_signature(
                raw, request.headers.get("x-hub-signature-256"), self.app_secret
            ):
                self.refused += 1
                self.arrived.set()
                return PlainTextResponse("bad signature", status_code=403)
            self.events.extend(decode_events(raw))
            self.arrived.set()
            return PlainTextResponse("EVENT_RECEIVED")

        return Starlette(
            routes=[
                Route("/webhook", handshake, methods=["GET"]),
                Route("/webhook", receive, methods=["POST"]),
            ]
        )

    async def wait_for(self, kind: type[Any], count: int = 1) -> list[Any]:
        async with asyncio.timeout(5):
            while len(found := [e for e in self.events if isinstance(e, kind)]) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return found


@dataclass
class World:
    client: httpx.AsyncClient
    callback: Callback
    page: dict[str, Any]
    psid: str

    async def act(self, **action: Any) -> dict[str, Any]:
        path = f"/_emulator/pages/{self.page['page_id']}/users/{self.psid}/actions"
        response = await self.client.post(path, json=action)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer


@pytest.fixture
async def world() -> AsyncIterator[World]:
    callback = Callback()
    emulator = build_emulator(webhook_transport=httpx.ASGITransport(app=callback.app))
    app = create_app(emulator)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://emulator.test"
        ) as client:
            created = await client.post(
                "/_emulator/pages",
                json={
                    "name": "Webhook Shop",
                    "webhook_url": "http://comptoir.test/webhook",
                    "verify_token": VERIFY_TOKEN,
                },
            )
            assert created.status_code == 200, created.text
            page = created.json()
            callback.app_secret = page["app_secret"]
            person = await client.post(
                f"/_emulator/pages/{page['page_id']}/users",
                json={"first_name": "Camille", "last_name": "Martin"},
            )
            assert person.status_code == 200, person.text
            yield World(client, callback, page, person.json()["psid"])


async def test_a_conversation_arrives_as_typed_events(world: World) -> None:
    page_id = world.page["page_id"]

    await world.act(type="message", text="Bonjour, c'est ouvert dimanche ?")
    [message] = await world.callback.wait_for(MessageReceived)
    sent = await world.client.post(
        "/v25.0/me/messages",
        json={"recipient": {"id": world.psid}, "message": {"text": "Oui, de 9 h à 13 h."}},
        headers={"Authorization": f"Bearer {world.page['page_access_token']}"},
    )
    assert sent.status_code == 200, sent.text
    [echo] = await world.callback.wait_for(EchoReceived)
    await world.act(type="react", mid=sent.json()["message_id"], reaction="love")
    await world.act(type="edit", mid=message.mid, text="Bonjour, c'est ouvert le dimanche ?")
    await world.act(type="read")
    await world.act(type="postback", payload="MENU_HOURS", title="Hours")
    await world.act(type="referral", ref="store_qr_12")

    [reaction] = await world.callback.wait_for(ReactionReceived)
    [edit] = await world.callback.wait_for(MessageEdited)
    [postback] = await world.callback.wait_for(PostbackReceived)
    [referral] = await world.callback.wait_for(ReferralReceived)
    await world.callback.wait_for(ReadReceived)
    await world.callback.wait_for(DeliveryReceived)

    assert world.callback.refused == 0
    assert (message.page_id, message.psid, message.text) == (
        page_id,
        world.psid,
        "Bonjour, c'est ouvert dimanche ?",
    )
    assert (echo.psid, echo.mid, echo.text) == (
        world.psid,
        sent.json()["message_id"],
        "Oui, de 9 h à 13 h.",
    )
    assert not echo.from_page_inbox
    assert (reaction.mid, reaction.reaction) == (sent.json()["message_id"], "love")
    assert (edit.mid, edit.num_edit) == (message.mid, 1)
    assert postback.payload == "MENU_HOURS"
    assert referral.referral.ref == "store_qr_12"
    keys = [event.dedupe_key for event in world.callback.events]
    assert len(keys) == len(set(keys))


async def test_a_wrong_secret_is_refused(world: World) -> None:
    world.callback.app_secret = "not-the-app-secret"

    await world.act(type="message", text="Hello")
    async with asyncio.timeout(5):
        while world.callback.refused == 0:
            world.callback.arrived.clear()
            await world.callback.arrived.wait()

    assert world.callback.events == []
