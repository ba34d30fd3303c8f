"""The inbox API over an in-process Comptoir: two workspaces with a Page each, people with
accounts in them, and HTTP clients that sign in with cookies like the inbox page does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from comptoir.bootstrap import Container
from comptoir.domain.clock import FixedClock
from comptoir.services import accounts
from comptoir.web.app import create_app
from tests.support.inbox_rows import T0, Rows, make_container

PASSWORD = "correct horse battery staple"
BASE_URL = "http://comptoir.test"


@dataclass
class Person:
    email: str
    name: str
    user_id: int
    workspace_id: int
    password: str = PASSWORD


@dataclass
class Browser:
    """One browser: its own cookies, the CSRF token it was given, its client address."""

    http: httpx.AsyncClient
    csrf: str = ""

    async def sign_in(self, person: Person, password: str | None = None) -> httpx.Response:
        response = await self.http.post(
            "/inbox/api/sign-in",
            json={"email": person.email, "password": password or person.password},
        )
        if response.status_code == 200:
            self.csrf = response.json()["csrf_token"]
        return response

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"X-CSRF-Token": self.csrf} if self.csrf else {}
        headers.update(extra or {})
        return headers

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params)

    async def post(
        self, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.http.post(path, json=body, headers=self._headers(headers))

    async def patch(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        return await self.http.patch(path, json=body, headers=self._headers(headers))

    async def delete(self, path: str) -> httpx.Response:
        return await self.http.delete(path, headers=self._headers(None))


@dataclass
class Desk:
    container: Container
    app: FastAPI
    clock: FixedClock
    rows: Rows
    shop: int
    shop_page: int
    other: int
    other_page: int
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def person(
        self, name: str, email: str, workspace_id: int | None = None, role: str = "agent"
    ) -> Person:
        workspace = workspace_id if workspace_id is not None else self.shop
        now = self.clock.now()
        with self.container.engine.begin() as conn:
            user_id = accounts.create_user(conn, email, PASSWORD, name, now)
            accounts.add_member(conn, user_id, workspace, role, now)
        return Person(email, name, user_id, workspace)

    def browser(self, address: str = "127.0.0.1") -> Browser:
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
        client = httpx.AsyncClient(transport=transport, base_url=BASE_URL)
        self.clients.append(client)
        return Browser(client)

    async def signed_in(self, person: Person, address: str = "127.0.0.1") -> Browser:
        browser = self.browser(address)
        response = await browser.sign_in(person)
        assert response.status_code == 200, response.text
        return browser


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert isinstance(error["code"], str), error
    assert error["message"], error
    return error


@pytest.fixture
async def desk(tmp_path: Path, database_url: str) -> AsyncIterator[Desk]:
    clock = FixedClock(T0)
    container = make_container(tmp_path, database_url, clock)
    rows = Rows(container.engine, container.secrets)
    shop = rows.workspace("Salon Lumière")
    other = rows.workspace("Garage Dupont")
    app = create_app(container)
    found = Desk(
        container, app, clock, rows, shop, rows.page(shop), other, rows.page(other, "Garage")
    )
    try:
        yield found
    finally:
        for client in found.clients:
            await client.aclose()
        await container.aclose()
