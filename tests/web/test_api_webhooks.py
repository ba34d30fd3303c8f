"""``/api/v1/webhooks``: the business's endpoints for outgoing webhooks."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from comptoir.storage.tables import outgoing_webhooks
from tests.support.api import Api, error_of

pytestmark = pytest.mark.anyio


async def test_an_endpoint_is_created_with_a_secret_shown_once(api: Api) -> None:
    response = await api.post(
        "/api/v1/webhooks", {"url": "https://crm.example/hooks/comptoir?key=abc"}
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["message.received", "message.status"]
    assert created["active"] is True

    listed = (await api.get("/api/v1/webhooks")).json()["data"]
    assert listed == [{k: v for k, v in created.items() if k != "secret"}]
    with api.container.engine.connect() as conn:
        sealed = conn.execute(sa.select(outgoing_webhooks.c.secret_sealed)).scalar_one()
    assert created["secret"] not in sealed
    assert api.container.secrets.open(sealed) == created["secret"]
    assert (await api.get("/api/v1/webhooks", api.other)).json() == {"data": []}


async def test_an_endpoint_can_ask_for_some_events_only(api: Api) -> None:
    response = await api.post(
        "/api/v1/webhooks", {"url": "http://127.0.0.1:9000/in", "events": ["message.status"]}
    )
    assert response.json()["events"] == ["message.status"]


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"url": "ftp://crm.example/hooks"}, "url", "http:// or https://"),
        ({"url": "not a url"}, "url", "http:// or https://"),
        ({"url": "https://crm.example", "events": ["message.nope"]}, "events", "message.nope"),
        ({"url": "https://crm.example", "events": []}, "events", "at least one"),
        ({"events": ["message.status"]}, "url", "Field required"),
        ({"url": "https://crm.example", "secret": "mine"}, "secret", "Extra inputs"),
    ],
)
async def test_a_bad_endpoint_is_422_naming_the_field(
    api: Api, body: dict[str, object], field: str, says: str
) -> None:
    response = await api.post("/api/v1/webhooks", body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert error["fields"][0]["field"] == field
    assert error["message"].startswith(f"body.{field}: ")
    assert says in error["message"]


async def test_an_endpoint_is_removed_once_and_only_by_its_workspace(api: Api) -> None:
    created = (await api.post("/api/v1/webhooks", {"url": "https://crm.example/h"})).json()
    path = f"/api/v1/webhooks/{created['id']}"

    assert (await api.delete(path, api.other)).status_code == 404
    response = await api.delete(path)
    assert response.status_code == 204
    assert response.content == b""
    assert (await api.delete(path)).status_code == 404
    assert (await api.get("/api/v1/webhooks")).json() == {"data": []}
