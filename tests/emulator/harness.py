"""An emulator in-process, with a callback that records what it receives.

``async with emulator_world() as world:`` gives ``world.client`` (an httpx client on the
emulator's ASGI app, lifespan started), ``world.emulator`` and ``world.receiver``, a tiny
Starlette app standing for the Page's webhook: it answers Meta's GET handshake, records every
POST with its raw bytes and headers, and can be told to fail.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from comptoir.emulator.app import create_app
from comptoir.emulator.config import EmulatorConfig
from comptoir.emulator.core import Emulator, build_emulator

VERIFY_TOKEN = "let-me-in"
CALLBACK_URL = "http://receiver.test/webhook"
FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class ReceivedPost:
    raw: bytes
    headers: dict[str, str]

    @property
    def body(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.raw)
        return value

    def events(self) -> list[dict[str, Any]]:
        """Every event of every entry, ``messaging`` and ``standby`` alike."""
        found: list[dict[str, Any]] = []
        for entry in self.body["entry"]:
            found.extend(entry.get("messaging", []))
            found.extend(entry.get("standby", []))
            found.extend(entry.get("changes", []))
        return found

    def signature_ok(self, app_secret: str) -> bool:
        expected = hmac.new(app_secret.encode(), self.raw, hashlib.sha256).hexdigest()
        return hmac.compare_digest(
            self.headers.get("x-hub-signature-256", ""), f"sha256={expected}"
        )

    def sha1_signature_ok(self, app_secret: str) -> bool:
        expected = hmac.new(app_secret.encode(), self.raw, hashlib.sha1).hexdigest()
        return hmac.compare_digest(self.headers.get("x-hub-signature", ""), f"sha1={expected}")


@dataclass
class Receiver:
    """The Page's callback: records POSTs; ``statuses`` are answered first, then 200."""

    verify_token: str = VERIFY_TOKEN
    posts: list[ReceivedPost] = field(default_factory=list)
    handshakes: list[dict[str, str]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    #: Seconds to wait before answering a POST (to provoke timeouts).
    delay: float = 0.0
    #: Answer the handshake with something other than the challenge.
    wrong_challenge: bool = False
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def app(self) -> Starlette:
        async def handshake(request: Request) -> Response:
            params = dict(request.query_params)
            self.handshakes.append(params)
            if params.get("hub.mode") != "subscribe" or params.get("hub.verify_token") != (
                self.verify_token
            ):
                return PlainTextResponse("forbidden", status_code=403)
            challenge = params.get("hub.challenge", "")
            return PlainTextResponse("nope" if self.wrong_challenge else f"{challenge}\n")

        async def receive(request: Request) -> Response:
            raw = await request.body()
            if self.delay:
                await asyncio.sleep(self.delay)
            self.posts.append(ReceivedPost(raw, dict(request.headers)))
            self.arrived.set()
            status = self.statuses.pop(0) if self.statuses else 200
            return PlainTextResponse("EVENT_RECEIVED", status_code=status)

        return Starlette(
            routes=[
                Route("/webhook", handshake, methods=["GET"]),
                Route("/webhook", receive, methods=["POST"]),
            ]
        )

    def events(self) -> list[dict[str, Any]]:
        return [event for post in self.posts for event in post.events()]

    async def wait_for_posts(self, count: int, within: float = 5.0) -> list[ReceivedPost]:
        """Wait until ``count`` POSTs arrived (a failure, not a timing check, if never)."""
        async with asyncio.timeout(within):
            while len(self.posts) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.posts


@dataclass
class World:
    emulator: Emulator
    client: httpx.AsyncClient
    receiver: Receiver

    async def create_page(
        self, *, name: str = "Comptoir Test Shop", webhook: bool = True, **extra: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, **extra}
        if webhook:
            body.setdefault("webhook_url", CALLBACK_URL)
            body.setdefault("verify_token", self.receiver.verify_token)
        response = await self.client.post("/_emulator/pages", json=body)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        return page

    async def create_person(
        self, page_id: str, first_name: str = "Camille", last_name: str = "Martin", **extra: Any
    ) -> str:
        response = await self.client.post(
            f"/_emulator/pages/{page_id}/users",
            json={"first_name": first_name, "last_name": last_name, **extra},
        )
        assert response.status_code == 200, response.text
        psid: str = response.json()["psid"]
        return psid

    async def act(self, page_id: str, psid: str, **action: Any) -> dict[str, Any]:
        response = await self.client.post(
            f"/_emulator/pages/{page_id}/users/{psid}/actions", json=action
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def send(self, page: dict[str, Any], body: dict[str, Any]) -> httpx.Response:
        """The Page's app calls the Send API."""
        return await self.client.post(
            "/v25.0/me/messages",
            json=body,
            headers={"Authorization": f"Bearer {page['page_access_token']}"},
        )

    async def thread(self, page_id: str, psid: str) -> list[dict[str, Any]]:
        response = await self.client.get(f"/_emulator/pages/{page_id}/users/{psid}/thread")
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["data"]
        return items

    async def configure(self, patch: dict[str, Any]) -> None:
        response = await self.client.put("/_emulator/config", json=patch)
        assert response.status_code == 200, response.text


@asynccontextmanager
async def emulator_world(
    config: EmulatorConfig | None = None,
    *,
    data_dir: Path | None = None,
    receiver: Receiver | None = None,
) -> AsyncIterator[World]:
    receiver = receiver or Receiver()
    emulator = build_emulator(
        config,
        data_dir=data_dir,
        webhook_transport=httpx.ASGITransport(app=receiver.app),
    )
    app = create_app(emulator)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://emulator.test"
        ) as client:
            yield World(emulator, client, receiver)


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    """Poll ``check`` until it holds; fails (TimeoutError) if it never does."""
    async with asyncio.timeout(within):
        while True:
            if await check():
                return
            await asyncio.sleep(0.005)


def load_fixture(*parts: str) -> Any:
    return json.loads(FIXTURES.joinpath(*parts).read_text())
