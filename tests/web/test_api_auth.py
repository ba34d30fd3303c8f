"""Workspace API tokens: who may call, and what each workspace sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from comptoir.storage.pages import hash_api_token
from comptoir.storage.tables import api_tokens
from tests.support.api import Api, error_of

pytestmark = pytest.mark.anyio

PATHS = [
    "/api/v1/pages",
    "/api/v1/contacts",
    "/api/v1/conversations",
    "/api/v1/webhooks",
]


@pytest.mark.parametrize("path", PATHS)
async def test_no_token_is_a_401_that_says_how_to_authenticate(api: Api, path: str) -> None:
    response = await api.http.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    error = error_of(response)
    assert error["code"] == "unauthorized"
    assert "Authorization: Bearer" in error["message"]


@pytest.mark.parametrize(
    ("header", "says"),
    [
        ("Bearer nope", "malformed"),
        ("Bearer cpt_not-a-real-token", "unknown or revoked"),
        ("Basic dXNlcjpwYXNz", "required"),
        ("Bearer", "required"),
    ],
)
async def test_a_bad_token_is_a_401(api: Api, header: str, says: str) -> None:
    response = await api.http.get("/api/v1/contacts", headers={"Authorization": header})
    assert response.status_code == 401
    assert says in error_of(response)["message"]


async def test_a_revoked_token_no_longer_opens_the_workspace(api: Api) -> None:
    assert (await api.get("/api/v1/pages")).status_code == 200
    with api.container.engine.begin() as conn:
        conn.execute(
            api_tokens.update()
            .where(api_tokens.c.token_hash == hash_api_token(api.shop.token))
            .values(revoked_at=api.clock.now() + timedelta(seconds=1))
        )
    response = await api.get("/api/v1/pages")
    assert response.status_code == 401
    assert error_of(response)["message"] == "the API token is unknown or revoked"


async def test_tokens_are_stored_only_as_hashes(api: Api) -> None:
    with api.container.engine.connect() as conn:
        stored = conn.execute(sa.select(api_tokens.c.token_hash)).scalars().all()
    assert hash_api_token(api.shop.token) in stored
    assert api.shop.token not in stored


async def test_each_workspace_sees_only_its_own_data(api: Api) -> None:
    contact_id, conversation_id = api.rows.thread(api.shop.workspace_id, api.shop.page_ref)
    message_id = api.rows.message(conversation_id)
    assert message_id > 0

    for path in (
        f"/api/v1/contacts/{contact_id}",
        f"/api/v1/conversations/{conversation_id}",
        f"/api/v1/conversations/{conversation_id}/messages",
        f"/api/v1/pages/{api.shop.page_ref}",
    ):
        assert (await api.get(path)).status_code == 200, path
        response = await api.get(path, api.other)
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "not_found"

    theirs = await api.get("/api/v1/conversations", api.other)
    assert theirs.json() == {"data": [], "next_cursor": None}
    pages = (await api.get("/api/v1/pages", api.other)).json()["data"]
    assert [page["id"] for page in pages] == [api.other.page_ref]

    patch = await api.patch(
        f"/api/v1/conversations/{conversation_id}", {"status": "resolved"}, api.other
    )
    assert patch.status_code == 404
    send = await api.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        {"text": "Bonjour", "author": {"kind": "agent", "name": "Léa"}},
        api.other,
    )
    assert send.status_code == 404
    mine = (await api.get(f"/api/v1/conversations/{conversation_id}")).json()
    assert mine["status"] == "open"


async def test_the_openapi_document_declares_the_bearer_scheme(api: Api) -> None:
    docs = await api.http.get("/docs")
    assert docs.status_code == 200
    schema = (await api.http.get("/openapi.json")).json()
    assert schema["components"]["securitySchemes"]["WorkspaceToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["WorkspaceToken"]["description"],
    }
    assert "/api/v1/conversations/{conversation_id}/messages" in schema["paths"]
