"""``/api/v1/broadcasts`` and ``/api/v1/custom-audiences`` over HTTP (no worker running here:
sending end to end is in ``tests/integration/test_broadcast_e2e.py``)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import timedelta
from typing import Any

import pytest

from comptoir.storage import tables
from tests.support.api import Api, error_of
from tests.support.inbox_rows import _insert

pytestmark = pytest.mark.anyio


async def create(api: Api, **fields: Any) -> dict[str, Any]:
    body = {"page_id": api.shop.page_ref, "name": "Spring news", "message": {"text": "Hello!"}}
    response = await api.post("/api/v1/broadcasts", {**body, **fields})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_create_preview_and_the_state_machine(api: Api) -> None:
    rows = api.rows
    rows.contact(api.shop.workspace_id, api.shop.page_ref)  # window open
    rows.contact(
        api.shop.workspace_id,
        api.shop.page_ref,
        last_user_message_at=api.clock.now() - timedelta(days=3),
    )
    rows.contact(api.shop.workspace_id, api.shop.page_ref, blocked_at=api.clock.now())
    created = await create(
        api, message={"text": "Hello!", "quick_replies": [{"title": "Yes", "payload": "Y"}]}
    )
    assert created["state"] == "draft"
    assert created["audience_size"] == 3
    broadcast = f"/api/v1/broadcasts/{created['id']}"

    preview = (await api.post(f"{broadcast}/preview", None)).json()
    assert preview["by_mechanism"] == {"window": 1}
    assert preview["excluded"] == {"blocked": 1, "window_closed": 1}
    assert preview["writing"]["counts"] is not None

    sent = (await api.post(f"{broadcast}/send", {})).json()
    assert sent["state"] == "sending"
    assert sent["planned"]["by_mechanism"] == {"window": 1}
    assert (await api.post(f"{broadcast}/pause", None)).json()["state"] == "paused"
    assert (await api.post(f"{broadcast}/resume", None)).json()["state"] == "sending"
    assert (await api.post(f"{broadcast}/cancel", None)).json()["state"] == "cancelled"
    again = await api.post(f"{broadcast}/cancel", None)
    assert again.status_code == 409
    assert error_of(again)["code"] == "invalid_state"
    listed = (await api.get("/api/v1/broadcasts")).json()["data"]
    assert [item["id"] for item in listed] == [created["id"]]


async def test_a_time_without_offset_is_in_the_pages_time_zone(api: Api) -> None:
    with api.container.engine.begin() as conn:
        conn.execute(
            tables.pages.update()
            .where(tables.pages.c.id == api.shop.page_ref)
            .values(timezone="Europe/Paris")
        )
    created = await create(api)
    tomorrow = (api.clock.now() + timedelta(days=1)).date().isoformat()

    response = await api.post(
        f"/api/v1/broadcasts/{created['id']}/send", {"at": f"{tomorrow}T09:30:00"}
    )

    assert response.status_code == 200, response.text
    scheduled = response.json()
    assert scheduled["state"] == "scheduled"
    assert scheduled["scheduled_at_local"] == f"{tomorrow}T09:30:00+02:00"
    assert scheduled["scheduled_at"] == f"{tomorrow}T07:30:00+00:00"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"mode": "spam"}, "mode"),
        ({"message": {"text": ""}}, "message.text"),
        (
            {"message": {"text": "x", "quick_replies": [{"title": "t" * 21, "payload": "p"}]}},
            "message.quick_replies[0].title",
        ),
        ({"mode": "utility"}, "mode"),
        ({"name": " "}, "name"),
        ({"audience": {"locales": "fr"}}, "audience"),
        ({"page_id": 999_999}, "page_id"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    api: Api, fields: dict[str, Any], field: str
) -> None:
    body = {"page_id": api.shop.page_ref, "name": "News", "message": {"text": "Hello"}}

    response = await api.post("/api/v1/broadcasts", {**body, **fields})

    assert response.status_code == 422, response.text
    assert field in error_of(response)["message"]


async def test_one_workspace_never_sees_another_ones_broadcast(api: Api) -> None:
    created = await create(api)

    for path in ("", "/recipients"):
        response = await api.get(f"/api/v1/broadcasts/{created['id']}{path}", api.other)
        assert response.status_code == 404
    response = await api.post(f"/api/v1/broadcasts/{created['id']}/send", {}, api.other)
    assert response.status_code == 404


async def test_custom_audience_export_hashes_identifiers(api: Api) -> None:
    contact = api.rows.contact(
        api.shop.workspace_id, api.shop.page_ref, first_name=" Élodie ", last_name="Le Gall"
    )
    _insert(
        api.container.engine,
        tables.automation_contacts,
        contact_id=contact,
        fields={"email": " Elodie@Example.COM ", "phone": "+33 6 12 34 56 78"},
        labels=[],
        consents=[],
        updated_at=api.clock.now(),
    )

    answer = (await api.get("/api/v1/custom-audiences", page_id=api.shop.page_ref)).json()
    as_csv = await api.get("/api/v1/custom-audiences", page_id=api.shop.page_ref, format="csv")

    (call,) = answer["calls"]
    payload = call["payload"]
    assert payload["schema"] == ["PAGEUID", "EMAIL", "PHONE", "FN", "LN"]
    (row,) = payload["data"]

    def sha(value: str) -> str:
        return hashlib.sha256(value.encode()).hexdigest()

    assert row[1:] == [sha("elodie@example.com"), sha("33612345678"), sha("élodie"), sha("legall")]
    assert len(payload["page_ids"]) == 1
    header, line = list(csv.reader(io.StringIO(as_csv.text)))
    assert header == payload["schema"]
    assert line == row
