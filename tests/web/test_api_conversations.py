"""``/api/v1/conversations``: newest activity first, keyset pagination, status and assignee."""

from __future__ import annotations

from datetime import timedelta

import pytest

from comptoir.realtime.bus import MemoryBus
from comptoir.storage.tables import conversations
from tests.support.api import Api, error_of

pytestmark = pytest.mark.anyio


async def ids(api: Api, **params: object) -> list[int]:
    response = await api.get("/api/v1/conversations", **params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


async def test_newest_activity_comes_first_and_ties_keep_a_stable_order(api: Api) -> None:
    ws, page = api.shop.workspace_id, api.shop.page_ref
    _, old = api.rows.thread(ws, page, minutes_ago=90)
    _, tie_a = api.rows.thread(ws, page, minutes_ago=30)
    _, tie_b = api.rows.thread(ws, page, minutes_ago=30)
    _, fresh = api.rows.thread(ws, page, minutes_ago=1)

    assert await ids(api) == [fresh, tie_b, tie_a, old]

    first = (await api.get("/api/v1/conversations", limit=2)).json()
    assert [c["id"] for c in first["data"]] == [fresh, tie_b]
    second = (await api.get("/api/v1/conversations", limit=2, cursor=first["next_cursor"])).json()
    assert [c["id"] for c in second["data"]] == [tie_a, old]
    assert second["next_cursor"] is None


async def test_a_conversation_that_becomes_active_does_not_repeat_on_later_pages(
    api: Api,
) -> None:
    ws, page = api.shop.workspace_id, api.shop.page_ref
    threads = [api.rows.thread(ws, page, minutes_ago=10 * n)[1] for n in range(1, 5)]
    first = (await api.get("/api/v1/conversations", limit=2)).json()
    assert [c["id"] for c in first["data"]] == threads[:2]
    with api.container.engine.begin() as conn:  # the oldest gets a new message
        conn.execute(
            conversations.update()
            .where(conversations.c.id == threads[3])
            .values(last_activity_at=api.clock.now())
        )
    second = (await api.get("/api/v1/conversations", limit=2, cursor=first["next_cursor"])).json()
    assert [c["id"] for c in second["data"]] == [threads[2]]
    assert await ids(api) == [threads[3], threads[0], threads[1], threads[2]]


async def test_a_conversation_carries_its_contact(api: Api) -> None:
    contact_id, conversation_id = api.rows.thread(api.shop.workspace_id, api.shop.page_ref)
    body = (await api.get(f"/api/v1/conversations/{conversation_id}")).json()
    assert body["contact"]["id"] == contact_id
    assert body["contact"]["name"] == "Camille Martin"
    assert body["status"] == "open"
    assert body["assignee_id"] is None


async def test_filters(api: Api) -> None:
    ws, page = api.shop.workspace_id, api.shop.page_ref
    contact, open_one = api.rows.thread(ws, page, minutes_ago=5)
    other_contact = api.rows.contact(ws, page)
    resolved = api.rows.conversation(ws, page, other_contact, status="resolved")
    pending = api.rows.conversation(ws, page, contact, status="pending", assignee_id=7)

    assert await ids(api, status="resolved") == [resolved]
    assert await ids(api, status="open") == [open_one]
    assert await ids(api, contact_id=contact) == [pending, open_one]
    assert await ids(api, assignee_id=7) == [pending]
    response = await api.get("/api/v1/conversations", status="closed")
    assert response.status_code == 422
    assert error_of(response)["message"].startswith("query.status:")


async def test_patch_changes_status_and_assignee_and_tells_the_inbox(api: Api) -> None:
    _, conversation_id = api.rows.thread(api.shop.workspace_id, api.shop.page_ref)
    path = f"/api/v1/conversations/{conversation_id}"

    response = await api.patch(path, {"status": "pending", "assignee_id": 42})
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["assignee_id"]) == ("pending", 42)

    response = await api.patch(path, {"assignee_id": None})  # unassign, status untouched
    assert (response.json()["status"], response.json()["assignee_id"]) == ("pending", None)

    bus = api.container.bus
    assert isinstance(bus, MemoryBus)
    events = [(e.type, e.data) for e in bus.recent(api.shop.workspace_id)]
    assert events == [
        (
            "conversation.updated",
            {"conversation_id": conversation_id, "status": "pending", "assignee_id": 42},
        ),
        ("conversation.updated", {"conversation_id": conversation_id, "assignee_id": None}),
    ]
    assert bus.recent(api.other.workspace_id) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"status": None}, "status"),
        ({"assignee_id": "bob"}, "assignee_id"),
        ({"assignee_id": 0}, "assignee_id"),
        ({"colour": "blue"}, "colour"),
        ({}, "status"),
        ([], "body"),
    ],
)
async def test_a_bad_patch_is_422_naming_the_field(api: Api, body: object, field: str) -> None:
    _, conversation_id = api.rows.thread(api.shop.workspace_id, api.shop.page_ref)
    response = await api.patch(f"/api/v1/conversations/{conversation_id}", body)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert error["fields"][0]["field"] == field
    after = (await api.get(f"/api/v1/conversations/{conversation_id}")).json()
    assert after["status"] == "open"


async def test_patching_an_unknown_conversation_is_404(api: Api) -> None:
    response = await api.patch("/api/v1/conversations/424242", {"status": "resolved"})
    assert response.status_code == 404


async def test_messages_page_back_in_time(api: Api) -> None:
    _, conversation_id = api.rows.thread(api.shop.workspace_id, api.shop.page_ref)
    ids_in_order = [
        api.rows.message(
            conversation_id, text=f"message {n}", created_at=api.clock.now() + timedelta(seconds=n)
        )
        for n in range(5)
    ]
    path = f"/api/v1/conversations/{conversation_id}/messages"
    first = (await api.get(path, limit=3)).json()
    assert [m["id"] for m in first["data"]] == ids_in_order[:1:-1]
    assert first["data"][0]["text"] == "message 4"
    assert first["data"][0]["author"] == {"kind": "customer", "name": None}
    second = (await api.get(path, limit=3, cursor=first["next_cursor"])).json()
    assert [m["id"] for m in second["data"]] == ids_in_order[1::-1]
    assert second["next_cursor"] is None
    missing = await api.get("/api/v1/conversations/999999/messages")
    assert missing.status_code == 404
