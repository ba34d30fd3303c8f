"""The wired stack for tests: the emulator and Comptoir in-process, each the other's peer.

``stack`` (fixture, parametrised over SQLite and PostgreSQL through ``database_url``):

- the emulator, its clock frozen at 2026-06-01T10:00Z, delivering webhooks to Comptoir
  through ``httpx.ASGITransport`` (``https://comptoir.test/webhooks/messenger``);
- Comptoir, whose Graph client reaches the emulator through ``httpx.ASGITransport`` and whose
  clock reads the emulator's (``EmulatorTime``), so ``advance`` moves both;
- a workspace, an emulator Page connected through Comptoir's own connect service
  (``services.pages.connect_page``: stored, app subscribed through the emulator's Graph API)
  with its webhook verified by Meta's handshake against Comptoir's GET route, and a customer
  (``stack.customer``).

Helpers: ``customer_says``, ``act``, ``add_customer``, ``advance``, ``settle``, ``messages``,
``contacts``, ``conversations``, ``thread``, ``sent``, ``configure``.

``webhook_harness`` (fixture): Comptoir alone with one connected Page and a fake Graph API
(``FakeGraph``), for webhook tests that post signed bodies themselves (``sign``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from comptoir.bootstrap import Container, build_container
from comptoir.domain.clock import Clock, FixedClock
from comptoir.emulator.app import create_app as create_emulator_app
from comptoir.emulator.clock import EmulatorClock
from comptoir.emulator.core import Emulator, build_emulator
from comptoir.services.intake import intake_of
from comptoir.services.pages import ConnectPage, connect_page
from comptoir.services.pages import create_workspace as create_workspace_service
from comptoir.settings import Settings
from comptoir.storage import tables
from comptoir.storage.pages import connect_page as store_page
from comptoir.storage.pages import create_workspace
from comptoir.web.app import create_app

EMULATOR_START = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
WEBHOOK_URL = "https://comptoir.test/webhooks/messenger"
COMPTOIR_BASE = "https://comptoir.test"
EMULATOR_BASE = "http://emulator.test"
SECRET_KEY = "comptoir-test-secret-key-0123456789"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class EmulatorTime:
    """Comptoir's clock in the stack: whatever time the emulator says it is."""

    __slots__ = ("_clock",)

    def __init__(self, clock: EmulatorClock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        return self._clock.now()


class LateApp:
    """An ASGI app that forwards to one set later (the two apps each need the other)."""

    def __init__(self) -> None:
        self.target: Callable[[Scope, Receive, Send], Awaitable[None]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.target is not None, "LateApp called before its target was set"
        await self.target(scope, receive, send)


def sign(body: bytes, app_secret: str) -> str:
    """``X-Hub-Signature-256`` for ``body``, as Meta computes it."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def make_settings(database_url: str, data_dir: Path, graph_url: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        graph_url=graph_url,
        secret_key=SECRET_KEY,
    )


def rows(container: Container, table: sa.Table, *where: Any) -> list[dict[str, Any]]:
    """Every row of ``table`` (matching ``where``) as dicts, oldest first."""
    with container.engine.connect() as connection:
        result = connection.execute(sa.select(table).where(*where).order_by(table.c.id))
        return [dict(row._mapping) for row in result]


async def wait_for(
    predicate: Callable[[], bool], *, within: float = 10.0, what: str = "condition"
) -> None:
    """Poll ``predicate`` until true; fail the test (naming ``what``) after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@dataclass
class ConnectedPage:
    page_id: str
    page_ref: int
    app_id: str
    app_secret: str
    access_token: str
    verify_token: str


@dataclass
class Stack:
    emulator: Emulator
    container: Container
    app: FastAPI
    #: HTTP client to Comptoir (REST API, webhooks) and to the emulator (control API).
    comptoir: httpx.AsyncClient
    control: httpx.AsyncClient
    workspace_id: int
    page: ConnectedPage
    #: PSID of the first customer.
    customer: str
    customers: list[str] = field(default_factory=list)
    #: The emulator's ASGI app, and what its webhooks reach (pointed at a new Comptoir app to
    #: simulate a restart).
    emulator_app: Any = None
    late: LateApp | None = None

    # ---- the emulator's side ---------------------------------------------------------

    async def emulator_call(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Call the control API; a non-2xx answer fails the test with the emulator's error."""
        response = await self.control.request(method, path, json=body)
        if response.status_code >= 300:
            pytest.fail(f"{method} {path} -> {response.status_code}: {response.text}")
        answer: dict[str, Any] = response.json()
        return answer

    async def add_customer(
        self, first_name: str = "Camille", last_name: str = "Martin", locale: str = "fr_FR"
    ) -> str:
        answer = await self.emulator_call(
            "POST",
            f"/_emulator/pages/{self.page.page_id}/users",
            {"first_name": first_name, "last_name": last_name, "locale": locale},
        )
        psid = str(answer["psid"])
        self.customers.append(psid)
        return psid

    async def act(self, action: dict[str, Any], psid: str | None = None) -> dict[str, Any]:
        """The customer does something in Messenger (control API ``actions``)."""
        return await self.emulator_call(
            "POST",
            f"/_emulator/pages/{self.page.page_id}/users/{psid or self.customer}/actions",
            action,
        )

    async def customer_says(self, text: str, psid: str | None = None, **fields: Any) -> str:
        """The customer writes ``text``; returns the message's mid once Comptoir holds it."""
        answer = await self.act({"type": "message", "text": text, **fields}, psid)
        await self.settle()
        return str(answer["mid"])

    async def advance(self, seconds: float) -> datetime:
        await self.emulator_call("POST", "/_emulator/clock", {"advance": seconds})
        return self.emulator.clock.now()

    async def configure(self, patch: dict[str, Any]) -> dict[str, Any]:
        return await self.emulator_call("PUT", "/_emulator/config", patch)

    async def thread(self, psid: str | None = None) -> list[dict[str, Any]]:
        answer = await self.emulator_call(
            "GET", f"/_emulator/pages/{self.page.page_id}/users/{psid or self.customer}/thread"
        )
        data: list[dict[str, Any]] = answer["data"]
        return data

    async def sent(self) -> list[dict[str, Any]]:
        answer = await self.emulator_call("GET", f"/_emulator/pages/{self.page.page_id}/sent")
        data: list[dict[str, Any]] = answer["data"]
        return data

    async def webhook_log(self) -> list[dict[str, Any]]:
        answer = await self.emulator_call("GET", f"/_emulator/webhooks?page_id={self.page.page_id}")
        data: list[dict[str, Any]] = answer["data"]
        return data

    async def settle(self, within: float = 10.0) -> None:
        """Wait until the emulator has no webhook in flight and Comptoir's intake is idle
        (events committed, after-commit work such as profile fetches done)."""
        state = self.emulator.state

        def quiet() -> bool:
            return all(d.status in ("delivered", "failed") for d in state.webhooks)

        await wait_for(quiet, within=within, what="the emulator's webhook deliveries")
        await intake_of(self.container).wait_idle()

    # ---- Comptoir's side -------------------------------------------------------------

    def messages(self, *where: Any) -> list[dict[str, Any]]:
        return rows(self.container, tables.messages, *where)

    def contacts(self, *where: Any) -> list[dict[str, Any]]:
        return rows(self.container, tables.contacts, *where)

    def conversations(self, *where: Any) -> list[dict[str, Any]]:
        return rows(self.container, tables.conversations, *where)

    def webhook_events(self, *where: Any) -> list[dict[str, Any]]:
        return rows(self.container, tables.webhook_events, *where)


@asynccontextmanager
async def running_stack(database_url: str, data_dir: Path) -> AsyncIterator[Stack]:
    """Build, wire and start the emulator and Comptoir; stop both on exit."""
    comptoir_late = LateApp()
    emulator = build_emulator(webhook_transport=httpx.ASGITransport(app=comptoir_late))
    emulator.clock.freeze()
    emulator.clock.set(EMULATOR_START)
    emulator_app = create_emulator_app(emulator)
    settings = make_settings(database_url, data_dir, EMULATOR_BASE)
    container = build_container(
        settings,
        clock=EmulatorTime(emulator.clock),
        graph_transport=httpx.ASGITransport(app=emulator_app),
    )
    app = create_app(container)
    comptoir_late.target = app
    comptoir = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=COMPTOIR_BASE)
    control = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emulator_app), base_url=EMULATOR_BASE
    )
    await emulator.webhooks.start()
    await container.start()
    try:
        created = (await control.post("/_emulator/pages", json={"name": "Comptoir Test"})).json()
        verify_token = "verify-" + created["page_id"]
        workspace_id = create_workspace_service(container, "Test shop")
        connected = await connect_page(
            container,
            ConnectPage(
                workspace_id=workspace_id,
                page_id=created["page_id"],
                access_token=created["page_access_token"],
                app_secret=created["app_secret"],
                verify_token=verify_token,
                name=created["name"],
                app_id=created["app_id"],
            ),
        )
        record = connected.page
        handshake = await control.put(
            f"/_emulator/pages/{created['page_id']}/webhook",
            json={"url": WEBHOOK_URL, "verify_token": verify_token},
        )
        assert handshake.status_code == 200, handshake.text
        assert handshake.json()["verified"] is True, handshake.text
        page = ConnectedPage(
            page_id=created["page_id"],
            page_ref=record.id,
            app_id=created["app_id"],
            app_secret=created["app_secret"],
            access_token=created["page_access_token"],
            verify_token=verify_token,
        )
        stack = Stack(
            emulator=emulator,
            container=container,
            app=app,
            comptoir=comptoir,
            control=control,
            workspace_id=workspace_id,
            page=page,
            customer="",
            emulator_app=emulator_app,
            late=comptoir_late,
        )
        stack.customer = await stack.add_customer()
        yield stack
    finally:
        await container.aclose()
        await emulator.webhooks.aclose()
        await comptoir.aclose()
        await control.aclose()


@pytest.fixture
async def stack(database_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(database_url, tmp_path) as running:
        yield running


# ---- Comptoir alone, with a fake Graph API ---------------------------------------------


@dataclass
class FakeGraph:
    """Meta's Graph API as far as the intake needs it: records every request; answers the
    User Profile API from ``profiles`` (psid -> JSON body, or (status, body))."""

    profiles: dict[str, Any] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        psid = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        answer = self.profiles.get(psid)
        if answer is None:
            error = {"message": "No profile", "type": "OAuthException", "code": 100}
            return httpx.Response(400, json={"error": {**error, "error_subcode": 2018218}})
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, tuple):
            return httpx.Response(answer[0], json=answer[1])
        return httpx.Response(200, json=answer)


@dataclass
class WebhookHarness:
    container: Container
    app: FastAPI
    client: httpx.AsyncClient
    graph: FakeGraph
    clock: FixedClock
    workspace_id: int
    page_id: str
    page_ref: int
    app_secret: str
    verify_token: str
    access_token: str

    def body(self, *items: dict[str, Any], standby: bool = False, page_id: str = "") -> bytes:
        """An envelope with ``items`` for this Page, serialised as Meta does (ASCII only)."""
        entry = {
            "id": page_id or self.page_id,
            "time": 1780308000000,
            "standby" if standby else "messaging": list(items),
        }
        return json.dumps({"object": "page", "entry": [entry]}).encode()

    async def post(
        self,
        body: bytes | dict[str, Any],
        *,
        signature: str | None = "auto",
        secret: str | None = None,
    ) -> httpx.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "auto":
            headers["X-Hub-Signature-256"] = sign(raw, secret or self.app_secret)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return await self.client.post("/webhooks/messenger", content=raw, headers=headers)

    async def settle(self) -> None:
        await intake_of(self.container).wait_idle()

    def rows(self, table: sa.Table, *where: Any) -> list[dict[str, Any]]:
        return rows(self.container, table, *where)


@asynccontextmanager
async def running_harness(
    database_url: str, data_dir: Path, clock: Clock | None = None
) -> AsyncIterator[WebhookHarness]:
    graph = FakeGraph()
    fixed = clock if isinstance(clock, FixedClock) else FixedClock(EMULATOR_START)
    settings = make_settings(database_url, data_dir, "https://graph.facebook.test")
    container = build_container(
        settings, clock=fixed, graph_transport=httpx.MockTransport(graph.handler)
    )
    app = create_app(container)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=COMPTOIR_BASE)
    await container.start()
    try:
        with container.engine.begin() as connection:
            workspace_id = create_workspace(connection, "Test shop", fixed.now())
            record = store_page(
                connection,
                container.secrets,
                workspace_id=workspace_id,
                page_id="104000000000001",
                access_token="page-token-0001",
                app_secret="app-secret-0001",
                verify_token="verify-0001",
                now=fixed.now(),
                name="Test Page",
                app_id="1517776481860111",
            )
        yield WebhookHarness(
            container=container,
            app=app,
            client=client,
            graph=graph,
            clock=fixed,
            workspace_id=workspace_id,
            page_id=record.page_id,
            page_ref=record.id,
            app_secret="app-secret-0001",
            verify_token="verify-0001",
            access_token="page-token-0001",
        )
    finally:
        await container.aclose()
        await client.aclose()


@pytest.fixture
async def webhook_harness(database_url: str, tmp_path: Path) -> AsyncIterator[WebhookHarness]:
    async with running_harness(database_url, tmp_path) as harness:
        yield harness
