"""Build emulator state directly, for tests that need exact times (window edges, token ages).

``graph_world()`` gives an emulator with one Page and an httpx client on its ASGI app (no
lifespan: Pages built here have no callback, so nothing is sent out). People, their messages,
tokens and private-reply rights are made with the functions below, stamped with the
emulator's clock, which tests freeze and move with ``at(world, "2026-05-01T12:00:00")``.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from comptoir.emulator.app import create_app
from comptoir.emulator.config import EmulatorConfig
from comptoir.emulator.core import Emulator, build_emulator
from comptoir.emulator.graph.context import GraphContext
from comptoir.emulator.state import (
    NotificationToken,
    Page,
    Person,
    PrivateReplyRight,
    ThreadItem,
    TokenKind,
    Upload,
)

GRAPH = "https://graph.facebook.com"
HOUR_MS = 3600 * 1000
DAY_MS = 24 * HOUR_MS


def instant(text: str) -> datetime:
    """``2026-05-01T12:00:00`` as an aware UTC datetime."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def make_page(
    emulator: Emulator, *, name: str = "Comptoir Test Shop", features: set[str] | None = None
) -> Page:
    state = emulator.state
    page = Page(
        page_id=state.new_numeric_id("1"),
        name=name,
        app_id=state.new_numeric_id("2"),
        app_secret=secrets.token_hex(16),
        access_token="EAA" + secrets.token_urlsafe(32),
        created_ms=emulator.clock.now_ms(),
    )
    if features is not None:
        page.features = set(features)
    return state.add_page(page)


def make_person(
    emulator: Emulator, page: Page, *, first_name: str = "Camille", last_name: str = "Martin"
) -> Person:
    state = emulator.state
    person = Person(
        psid=state.new_numeric_id("3"),
        page_id=page.page_id,
        first_name=first_name,
        last_name=last_name,
        profile_pic="https://example.com/camille.jpg",
        created_ms=emulator.clock.now_ms(),
    )
    return state.add_person(person)


def user_writes(
    emulator: Emulator, person: Person, text: str = "Bonjour", *, window_hours: float = 24.0
) -> ThreadItem:
    """The person sends a message now: it opens the window and restarts HUMAN_AGENT's 7 days."""
    now = emulator.clock.now_ms()
    person.last_user_message_ms = now
    person.last_qualifying_action_ms = now
    person.window_seconds = window_hours * 3600
    person.has_thread = True
    item = ThreadItem(
        mid=emulator.state.new_mid(),
        page_id=person.page_id,
        psid=person.psid,
        sender="user",
        timestamp_ms=now,
        text=text,
    )
    return emulator.state.add_item(item)


def give_token(
    emulator: Emulator,
    person: Person,
    kind: TokenKind = "notification_messages",
    *,
    title: str = "Weekly deals",
) -> NotificationToken:
    """A token as if the person had tapped an opt-in request now."""
    token = NotificationToken(
        token="87" + "".join(str(secrets.randbelow(10)) for _ in range(14)),
        kind=kind,
        page_id=person.page_id,
        psid=person.psid,
        created_ms=emulator.clock.now_ms(),
        title=title,
    )
    emulator.state.tokens[token.token] = token
    return token


def private_reply_right(emulator: Emulator, person: Person, *, post: bool = False) -> str:
    """A comment (or visitor post) by the person now; returns its id."""
    object_id = f"{person.page_id}_{secrets.randbelow(10**15)}"
    emulator.state.private_replies[object_id] = PrivateReplyRight(
        object_id=object_id,
        page_id=person.page_id,
        psid=person.psid,
        created_ms=emulator.clock.now_ms(),
    )
    return object_id


def make_upload(emulator: Emulator, page: Page, kind: str = "image") -> Upload:
    upload = Upload(
        attachment_id=emulator.state.new_numeric_id("68"),
        page_id=page.page_id,
        type=kind,
        url=f"https://cdn.example.com/file.{kind}",
        created_ms=emulator.clock.now_ms(),
    )
    emulator.state.uploads[upload.attachment_id] = upload
    return upload


@dataclass
class RecordingWebhooks:
    """Stands for the webhook dispatcher: records the Page messages it is told about."""

    sent: list[tuple[Page, Person, ThreadItem]] = field(default_factory=list)
    emitted: list[tuple[Page, list[dict[str, Any]]]] = field(default_factory=list)

    def page_message_sent(self, page: Page, person: Person, item: ThreadItem) -> None:
        self.sent.append((page, person, item))

    def emit(self, page: Page, events: list[dict[str, Any]]) -> None:
        self.emitted.append((page, events))


@dataclass
class FixedRandom:
    """Stands for the failure-injection random source: returns ``values`` in turn."""

    values: list[float]

    def random(self) -> float:
        return self.values.pop(0) if len(self.values) > 1 else self.values[0]


@dataclass
class GraphWorld:
    emulator: Emulator
    client: httpx.AsyncClient
    page: Page
    webhooks: RecordingWebhooks
    graph: GraphContext

    @property
    def token(self) -> str:
        return self.page.access_token

    def person(self, *, writes: bool = True, **names: str) -> Person:
        """A person of the Page; by default one who just wrote (window open)."""
        person = make_person(self.emulator, self.page, **names)
        if writes:
            user_writes(self.emulator, person)
        return person

    def at(self, when: str | datetime) -> None:
        """Freeze the emulator's clock at ``when``."""
        clock = self.emulator.clock
        clock.freeze()
        clock.set(instant(when) if isinstance(when, str) else when)

    def advance(self, seconds: float) -> None:
        self.emulator.clock.advance(seconds)

    async def send(
        self, body: dict[str, Any], *, path: str = "/v25.0/me/messages", token: str | None = None
    ) -> httpx.Response:
        """POST a Send API call with the Page's token as a Bearer header."""
        return await self.client.post(
            path, json=body, headers={"Authorization": f"Bearer {token or self.token}"}
        )

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        headers.setdefault("Authorization", f"Bearer {self.token}")
        return await self.client.request(method, path, headers=headers, **kwargs)


def text_to(person: Person, text: str = "Merci pour votre message", **extra: Any) -> dict[str, Any]:
    """A Send API body: a text message to a PSID."""
    return {"recipient": {"id": person.psid}, "message": {"text": text}, **extra}


@asynccontextmanager
async def graph_world(
    config: EmulatorConfig | None = None, *, features: set[str] | None = None
) -> AsyncIterator[GraphWorld]:
    emulator = build_emulator(config)
    webhooks = RecordingWebhooks()
    emulator.webhooks = webhooks  # type: ignore[assignment]
    page = make_page(emulator, features=features)
    app = create_app(emulator)
    graph_app = next(route for route in app.routes if getattr(route, "name", "") == "graph")
    context = graph_app.app.context  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=GRAPH) as client:
        yield GraphWorld(emulator, client, page, webhooks, context)
