"""The REST API over an in-process Comptoir, with rows written straight into the tables.

``api`` gives a Comptoir app (no background workers running), an HTTP client to it, a fixed
clock, a ``Rows`` writer and two workspaces with their own token and Page, so every test can
check that one workspace never sees the other's data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from comptoir.bootstrap import Container
from comptoir.domain.clock import FixedClock
from comptoir.web.app import create_app
from tests.support.inbox_rows import T0, Rows, make_container


@dataclass
class Tenant:
    workspace_id: int
    token: str
    page_ref: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Api:
    container: Container
    app: FastAPI
    http: httpx.AsyncClient
    clock: FixedClock
    rows: Rows
    shop: Tenant
    other: Tenant

    async def get(self, path: str, tenant: Tenant | None = None, **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params, headers=(tenant or self.shop).headers)

    async def post(self, path: str, body: Any, tenant: Tenant | None = None) -> httpx.Response:
        return await self.http.post(path, json=body, headers=(tenant or self.shop).headers)

    async def patch(self, path: str, body: Any, tenant: Tenant | None = None) -> httpx.Response:
        return await self.http.patch(path, json=body, headers=(tenant or self.shop).headers)

    async def delete(self, path: str, tenant: Tenant | None = None) -> httpx.Response:
        return await self.http.delete(path, headers=(tenant or self.shop).headers)


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of an error answer, after checking the shape every error has."""
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert isinstance(error["code"], str), error
    assert isinstance(error["message"], str), error
    assert error["message"], error
    return error


def tenant(rows: Rows, name: str) -> Tenant:
    workspace_id = rows.workspace(name)
    return Tenant(workspace_id, rows.token(workspace_id), rows.page(workspace_id, name))


@pytest.fixture
async def api(tmp_path: Path, database_url: str) -> AsyncIterator[Api]:
    clock = FixedClock(T0)
    container = make_container(tmp_path, database_url, clock)
    rows = Rows(container.engine, container.secrets)
    shop, other = tenant(rows, "Salon Lumière"), tenant(rows, "Garage Dupont")
    app = create_app(container)
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://comptoir.test"
    )
    try:
        yield Api(container, app, http, clock, rows, shop, other)
    finally:
        await http.aclose()
        await container.aclose()
