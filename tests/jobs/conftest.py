"""A sending harness: Comptoir's container with a scripted fake Send API, and one customer.

The relay is driven inline (``relay.run_once``); the clock is a ``FixedClock`` moved by hand,
so back-offs and grace periods come due exactly when a test says.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from comptoir.bootstrap import Container, build_container
from comptoir.domain.clock import FixedClock
from comptoir.jobs.ratelimit import LimiterConfig, MemoryLimiter
from comptoir.jobs.relay import OutboxRelay, RelayConfig, RetryPolicy, relay_of
from comptoir.services.sending import SendMessage, SendOutcome, send_message
from comptoir.settings import Settings
from comptoir.storage import tables
from comptoir.storage.pages import connect_page, create_workspace

START = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
PAGE_ID = "104000000000001"
PAGE_TOKEN = "page-token-0001-secret"
PSID = "7100000000000001"

Answer = tuple[int, dict[str, Any]] | Exception | Callable[[httpx.Request], httpx.Response]


def graph_error(code: int, subcode: int | None = None, message: str = "error") -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


@dataclass
class FakeSendApi:
    """Answers Send API calls from ``script`` (in order), then with success; records calls."""

    script: list[Answer] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    counter: int = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script:
            answer = self.script.pop(0)
            if isinstance(answer, Exception):
                raise answer
            if callable(answer):
                return answer(request)
            return httpx.Response(answer[0], json=answer[1])
        self.counter += 1
        body = json.loads(request.content)
        return httpx.Response(
            200,
            json={"recipient_id": body["recipient"].get("id"), "message_id": f"m_{self.counter}"},
        )

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]

    def metadata(self) -> list[str]:
        return [body["message"]["metadata"] for body in self.bodies()]


@dataclass
class SendHarness:
    container: Container
    relay: OutboxRelay
    api: FakeSendApi
    clock: FixedClock
    workspace_id: int
    page_ref: int
    contact_id: int
    conversation_id: int

    async def send(self, text: str = "Hello", **fields: Any) -> SendOutcome:
        fields.setdefault("conversation_id", self.conversation_id)
        return await send_message(
            self.container, SendMessage(workspace_id=self.workspace_id, text=text, **fields)
        )

    def advance(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    def rows(self, table: sa.Table, *where: Any) -> list[dict[str, Any]]:
        with self.container.engine.connect() as conn:
            result = conn.execute(sa.select(table).where(*where).order_by(table.c.id))
            return [dict(row._mapping) for row in result]

    def message(self, message_id: int) -> dict[str, Any]:
        (row,) = self.rows(tables.messages, tables.messages.c.id == message_id)
        return row

    def outbox_row(self, message_id: int) -> dict[str, Any]:
        (row,) = self.rows(tables.outbox, tables.outbox.c.message_id == message_id)
        return row

    def contact(self) -> dict[str, Any]:
        (row,) = self.rows(tables.contacts, tables.contacts.c.id == self.contact_id)
        return row

    def add_contact(self, psid: str, last_user_message_at: datetime) -> tuple[int, int]:
        with self.container.engine.begin() as conn:
            return seed_contact(
                conn, self.workspace_id, self.page_ref, psid, last_user_message_at, self.clock
            )


def seed_contact(
    conn: sa.Connection,
    workspace_id: int,
    page_ref: int,
    psid: str,
    last_user_message_at: datetime,
    clock: FixedClock,
) -> tuple[int, int]:
    contact = conn.execute(
        tables.contacts.insert().values(
            workspace_id=workspace_id,
            page_ref=page_ref,
            psid=psid,
            first_name="Camille",
            last_name="Martin",
            last_user_message_at=last_user_message_at,
            last_qualifying_action_at=last_user_message_at,
            created_at=clock.now(),
        )
    ).inserted_primary_key
    assert contact is not None
    conversation = conn.execute(
        tables.conversations.insert().values(
            workspace_id=workspace_id,
            page_ref=page_ref,
            contact_id=contact[0],
            status="open",
            last_activity_at=last_user_message_at,
            created_at=clock.now(),
        )
    ).inserted_primary_key
    assert conversation is not None
    return int(contact[0]), int(conversation[0])


FAST_RETRY = RetryPolicy(first_delay=1.0, max_delay=60.0, jitter=0.0, echo_grace=5.0)


def build_harness_container(
    database_url: str, data_dir: Path, api: FakeSendApi, clock: FixedClock
) -> Container:
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        graph_url="https://graph.facebook.test",
        secret_key="comptoir-test-secret-key-0123456789",
    )
    container = build_container(
        settings, clock=clock, graph_transport=httpx.MockTransport(api.handler)
    )
    relay = relay_of(container)
    assert relay is not None
    relay.configure(RelayConfig(retry=FAST_RETRY))
    return container


@pytest.fixture
async def send_harness(database_url: str, tmp_path: Path) -> AsyncIterator[SendHarness]:
    api = FakeSendApi()
    clock = FixedClock(START)
    container = build_harness_container(database_url, tmp_path, api, clock)
    relay = relay_of(container)
    assert relay is not None
    # Meta's nominal rates, but no waiting in tests that send a handful of messages.
    relay.limiter = MemoryLimiter(LimiterConfig(text_per_second=10_000, default_pause=0.01))
    try:
        with container.engine.begin() as conn:
            workspace_id = create_workspace(conn, "Shop", clock.now())
            page = connect_page(
                conn,
                container.secrets,
                workspace_id=workspace_id,
                page_id=PAGE_ID,
                access_token=PAGE_TOKEN,
                app_secret="app-secret-0001",
                verify_token="verify-0001",
                now=clock.now(),
                app_id="1517776481860111",
            )
            contact_id, conversation_id = seed_contact(
                conn, workspace_id, page.id, PSID, clock.now() - timedelta(hours=1), clock
            )
        yield SendHarness(
            container=container,
            relay=relay,
            api=api,
            clock=clock,
            workspace_id=workspace_id,
            page_ref=page.id,
            contact_id=contact_id,
            conversation_id=conversation_id,
        )
    finally:
        await container.aclose()
