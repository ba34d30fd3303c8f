"""Connecting a Page: stored sealed, subscribed through the Graph client, undone if refused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from comptoir.bootstrap import Container
from comptoir.services import pages
from comptoir.storage.pages import find_page
from comptoir.storage.tables import pages as pages_table
from tests.support.inbox_rows import make_container

pytestmark = pytest.mark.anyio

TOKEN = "EAApage-token-0123456789"


@dataclass
class FakeGraph:
    """Answers ``subscribed_apps`` with ``answer`` and records each request."""

    answer: tuple[int, dict[str, object]] = (200, {"success": True})
    requests: list[httpx.Request] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.answer
        return httpx.Response(status, json=body)


@dataclass
class World:
    container: Container
    graph: FakeGraph
    workspace_id: int

    def command(self, **overrides: object) -> pages.ConnectPage:
        values: dict[str, object] = {
            "workspace_id": self.workspace_id,
            "page_id": "104000000000077",
            "access_token": TOKEN,
            "app_secret": "app-secret-0123456789",
            "verify_token": "verify-token-0123",
            "name": "Salon Lumière",
        }
        values.update(overrides)
        return pages.ConnectPage(**values)  # type: ignore[arg-type]

    def stored(self) -> list[dict[str, object]]:
        with self.container.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(pages_table))]


@pytest.fixture
async def world(tmp_path: Path, database_url: str) -> AsyncIterator[World]:
    graph = FakeGraph()
    container = make_container(
        tmp_path, database_url, graph_transport=httpx.MockTransport(graph.handler)
    )
    workspace_id = pages.create_workspace(container, "Salon Lumière")
    yield World(container, graph, workspace_id)
    await container.aclose()


async def test_connect_subscribes_every_field_with_the_token_in_the_header(world: World) -> None:
    connected = await pages.connect_page(world.container, world.command())

    (request,) = world.graph.requests
    assert request.method == "POST"
    assert request.url.path == "/v25.0/104000000000077/subscribed_apps"
    assert request.url.params["subscribed_fields"].split(",") == list(pages.WEBHOOK_FIELDS)
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(request.url)
    assert connected.created
    assert connected.page.name == "Salon Lumière"
    (row,) = world.stored()
    assert row["subscribed_at"] == connected.subscribed_at
    assert TOKEN not in json.dumps(row, default=str)
    assert connected.page.open_secrets(world.container.secrets).access_token == TOKEN
    assert "0123456789" not in repr(world.command())


async def test_a_refused_new_page_is_removed_again(world: World) -> None:
    world.graph.answer = (
        400,
        {"error": {"message": f"Invalid OAuth access token {TOKEN}.", "code": 190}},
    )
    with pytest.raises(pages.SubscriptionError) as refused:
        await pages.connect_page(world.container, world.command())
    assert refused.value.code == 190
    assert not refused.value.retryable
    assert TOKEN not in str(refused.value)
    assert "Invalid OAuth access token ***." in str(refused.value)
    assert world.stored() == []


async def test_a_refused_reconnect_keeps_the_working_credentials(world: World) -> None:
    await pages.connect_page(world.container, world.command())
    world.graph.answer = (500, {"error": {"message": "Please retry", "code": 2}})
    with pytest.raises(pages.SubscriptionError) as refused:
        await pages.connect_page(world.container, world.command(access_token="EAAnew-but-bad"))
    assert refused.value.retryable
    with world.container.engine.connect() as conn:
        record = find_page(conn, "104000000000077")
    assert record is not None
    assert record.open_secrets(world.container.secrets).access_token == TOKEN


async def test_a_page_of_another_workspace_is_a_conflict(world: World) -> None:
    await pages.connect_page(world.container, world.command())
    other = pages.create_workspace(world.container, "Garage Dupont")
    with pytest.raises(pages.PageConflictError, match="another workspace"):
        await pages.connect_page(world.container, world.command(workspace_id=other))
    assert len(world.graph.requests) == 1


async def test_workspaces_and_tokens(world: World) -> None:
    assert pages.ensure_workspace(world.container, "Salon Lumière") == (world.workspace_id, False)
    made, created = pages.ensure_workspace(world.container, "Bistro")
    assert created
    assert made != world.workspace_id
    assert pages.create_api_token(world.container, made).startswith("cpt_")
    with pytest.raises(pages.WorkspaceNotFoundError):
        pages.create_api_token(world.container, 9999)
    with pytest.raises(pages.PagesError, match="needs a name"):
        pages.create_workspace(world.container, "   ")
