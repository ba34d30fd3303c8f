"""The conversation list and view: folders, filters, keyset pages, unread counts, changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.web.inbox_api.conftest import Browser, Desk, error_of

pytestmark = pytest.mark.anyio


async def ids(browser: Browser, **params: Any) -> list[int]:
    response = await browser.get("/inbox/api/conversations", **params)
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()["data"]]


async def test_pages_follow_newest_activity_without_repeats(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    threads = [desk.rows.thread(desk.shop, desk.shop_page, minutes_ago=n)[1] for n in range(7)]
    desk.rows.thread(desk.other, desk.other_page)  # another workspace's: never listed
    browser = await desk.signed_in(nadia)
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = (await browser.get("/inbox/api/conversations", **params)).json()
        seen += [row["id"] for row in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == threads
    assert body["now"] == desk.clock.now().isoformat()
    bad = await browser.get("/inbox/api/conversations", cursor="bm90LWEtY3Vyc29y")
    assert bad.status_code == 400


async def test_a_row_says_who_what_and_how_long_the_window_stays_open(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    contact_id, conversation_id = desk.rows.thread(desk.shop, desk.shop_page)
    desk.rows.message(conversation_id, text="Avez-vous un créneau ?")
    browser = await desk.signed_in(nadia)
    row = (await browser.get("/inbox/api/conversations")).json()["data"][0]
    assert row["contact"] == {"id": contact_id, "name": "Camille Martin", "profile_pic": None}
    assert row["last_message"]["text"] == "Avez-vous un créneau ?"
    assert row["unread"] == 1
    assert row["automation"] == "active"
    assert row["window"]["state"] == "open"
    assert row["window"]["closes_at"] == (desk.clock.now() + timedelta(days=1)).isoformat()
    desk.clock.advance(timedelta(hours=25))
    browser = await desk.signed_in(nadia)  # the old session went idle meanwhile
    row = (await browser.get("/inbox/api/conversations")).json()["data"][0]
    assert row["window"]["state"] == "human_agent"
    desk.clock.advance(timedelta(days=7))
    browser = await desk.signed_in(nadia)
    row = (await browser.get("/inbox/api/conversations")).json()["data"][0]
    assert row["window"]["state"] == "closed"


async def test_folders_statuses_labels_and_filters(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    leo = desk.person("Léo", "leo@example.com")
    browser = await desk.signed_in(nadia)
    mine = desk.rows.thread(desk.shop, desk.shop_page, minutes_ago=1)[1]
    leos = desk.rows.thread(desk.shop, desk.shop_page, minutes_ago=2)[1]
    free = desk.rows.thread(desk.shop, desk.shop_page, minutes_ago=3)[1]
    done = desk.rows.thread(desk.shop, desk.shop_page, minutes_ago=4)[1]
    base = "/inbox/api/conversations"
    assigned = await browser.patch(f"{base}/{mine}", {"assignee_id": nadia.user_id})
    assert assigned.status_code == 200
    await browser.patch(f"{base}/{leos}", {"assignee_id": leo.user_id, "labels": ["VIP", " vip "]})
    await browser.patch(f"{base}/{done}", {"status": "resolved"})
    assert await ids(browser, folder="mine") == [mine]
    assert await ids(browser, folder="unassigned") == [free]
    assert await ids(browser, folder="all") == [mine, leos, free]
    assert await ids(browser, status="resolved") == [done]
    assert await ids(browser, label="vip") == [leos]
    assert await ids(browser, assignee_id=leo.user_id) == [leos]
    assert await ids(browser, page_id=desk.shop_page) == [mine, leos, free]
    other_page = await browser.get(base, page_id=desk.other_page)
    assert other_page.status_code == 404
    assert (await browser.get("/inbox/api/labels")).json() == {"data": ["vip"]}
    counts = (await browser.get("/inbox/api/counts")).json()
    assert counts["folders"]["all"] == {"open": 3, "pending": 0, "snoozed": 0, "resolved": 1}
    assert counts["folders"]["mine"]["open"] == 1
    assert counts["folders"]["unassigned"] == {"open": 1, "pending": 0, "snoozed": 0, "resolved": 1}
    reopened = await browser.patch(f"{base}/{done}", {"status": "open"})
    assert reopened.json()["status"] == "open"
    unknown_member = await browser.patch(f"{base}/{free}", {"assignee_id": 999999})
    assert unknown_member.status_code == 404


async def test_snoozed_until_the_time_or_until_the_customer_writes(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    browser = await desk.signed_in(nadia)
    conversation_id = desk.rows.thread(desk.shop, desk.shop_page)[1]
    path = f"/inbox/api/conversations/{conversation_id}"
    past = await browser.patch(path, {"snoozed_until": "2020-01-01T00:00:00+00:00"})
    assert past.status_code == 422
    until = (desk.clock.now() + timedelta(hours=2)).isoformat()
    snoozed = await browser.patch(path, {"snoozed_until": until})
    assert snoozed.json()["snoozed_until"] == until
    assert await ids(browser) == []
    assert await ids(browser, status="snoozed") == [conversation_id]
    desk.clock.advance(timedelta(hours=2))
    assert await ids(browser) == [conversation_id]
    await browser.patch(path, {"snoozed_until": (desk.clock.now() + timedelta(days=1)).isoformat()})
    assert await ids(browser) == []
    desk.clock.advance(timedelta(minutes=5))
    from comptoir.storage.tables import conversations

    with desk.container.engine.begin() as conn:  # the customer writes: activity moves on
        conn.execute(
            conversations.update()
            .where(conversations.c.id == conversation_id)
            .values(last_activity_at=desk.clock.now())
        )
    assert await ids(browser) == [conversation_id]


async def test_unread_counts_are_per_agent(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    leo = desk.person("Léo", "leo@example.com")
    conversation_id = desk.rows.thread(desk.shop, desk.shop_page)[1]
    desk.rows.message(conversation_id, text="one")
    desk.rows.message(conversation_id, text="two")
    desk.rows.message(conversation_id, text="ours", direction="out", author_kind="bot")
    nadias = await desk.signed_in(nadia)
    leos = await desk.signed_in(leo)
    assert (await nadias.get("/inbox/api/conversations")).json()["data"][0]["unread"] == 2
    read = await nadias.post(f"/inbox/api/conversations/{conversation_id}/read")
    assert read.status_code == 204
    assert (await nadias.get("/inbox/api/conversations")).json()["data"][0]["unread"] == 0
    assert (await leos.get("/inbox/api/conversations")).json()["data"][0]["unread"] == 2
    assert (await leos.get("/inbox/api/counts")).json()["unread"]["all"] == 1
    assert (await nadias.get("/inbox/api/counts")).json()["unread"]["all"] == 0
    desk.rows.message(conversation_id, text="three")
    assert (await nadias.get("/inbox/api/conversations")).json()["data"][0]["unread"] == 1


async def test_the_view_shows_messages_authors_statuses_taps_and_the_contact(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    contact_id, conversation_id = desk.rows.thread(desk.shop, desk.shop_page)
    desk.rows.message(
        conversation_id,
        text="Voulez-vous nos promotions ?",
        direction="out",
        author_kind="bot",
        status="delivered",
        content={"quick_replies": [{"content_type": "text", "title": "Oui", "payload": "YES"}]},
    )
    desk.rows.message(conversation_id, text="Oui", content={"quick_reply": {"payload": "YES"}})
    desk.rows.message(
        conversation_id,
        text=None,
        content={"attachments": [{"type": "image", "url": "https://cdn.example/p.jpg"}]},
    )
    desk.rows.message(
        conversation_id,
        text="Merci",
        direction="out",
        author_kind="agent",
        author_name="Léo",
        status="failed",
        error_code=551,
    )
    desk.rows.message(
        conversation_id,
        text=None,
        content={"attachments": [{"type": "file", "url": "javascript:alert(1)"}]},
    )
    browser = await desk.signed_in(nadia)
    body = (await browser.get(f"/inbox/api/conversations/{conversation_id}")).json()
    offered, tapped, image, failed, evil = body["messages"]
    assert offered["quick_replies"] == [{"title": "Oui", "payload": "YES"}]
    assert offered["author_kind"] == "bot"
    assert offered["status"] == "delivered"
    assert tapped["tapped"] == {"title": "Oui", "payload": "YES"}
    assert image["attachments"] == [
        {"type": "image", "url": "https://cdn.example/p.jpg", "name": None}
    ]
    assert failed["author_name"] == "Léo"
    assert failed["failure"]["reason"]
    assert "551" not in failed["failure"]["reason"]
    assert evil["attachments"][0]["url"] is None  # only http(s) links are passed on
    assert body["contact"]["id"] == contact_id
    assert body["contact"]["past_conversations"][0]["id"] == conversation_id
    assert body["composer"]["can_send"] is True
    assert body["composer"]["mode"] == "response"
    assert body["now"] == desk.clock.now().isoformat()


async def test_older_messages_page_backwards(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    conversation_id = desk.rows.thread(desk.shop, desk.shop_page)[1]
    written = [desk.rows.message(conversation_id, text=f"m{n}") for n in range(55)]
    browser = await desk.signed_in(nadia)
    body = (await browser.get(f"/inbox/api/conversations/{conversation_id}")).json()
    assert [m["id"] for m in body["messages"]] == written[5:]
    older = await browser.get(
        f"/inbox/api/conversations/{conversation_id}/messages", before=body["older_cursor"]
    )
    assert [m["id"] for m in older.json()["data"]] == written[:5]
    assert older.json()["older_cursor"] is None


async def test_notes_are_kept_and_published(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    conversation_id = desk.rows.thread(desk.shop, desk.shop_page)[1]
    browser = await desk.signed_in(nadia)
    path = f"/inbox/api/conversations/{conversation_id}"
    created = await browser.post(f"{path}/notes", {"text": "<b>rappeler</b> demain"})
    assert created.status_code == 201
    assert created.json()["author"] == {"id": nadia.user_id, "name": "Nadia"}
    empty = await browser.post(f"{path}/notes", {"text": "   "})
    assert empty.status_code == 422
    notes = (await browser.get(path)).json()["notes"]
    assert [n["text"] for n in notes] == ["<b>rappeler</b> demain"]


async def test_another_workspaces_ids_are_404_everywhere(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    theirs = desk.rows.thread(desk.other, desk.other_page)[1]
    browser = await desk.signed_in(nadia)
    base = f"/inbox/api/conversations/{theirs}"
    answers = [
        await browser.get(base),
        await browser.get(f"{base}/messages"),
        await browser.get(f"{base}/composer"),
        await browser.patch(base, {"status": "resolved"}),
        await browser.post(f"{base}/notes", {"text": "hello"}),
        await browser.post(f"{base}/read"),
        await browser.post(f"{base}/messages", {"text": "hello"}),
        await browser.post(f"{base}/typing", {"on": True}),
        await browser.post(f"{base}/take"),
        await browser.post(f"{base}/hand-back"),
        await browser.get("/inbox/api/saved-replies", conversation_id=theirs),
        await browser.get("/inbox/api/conversations/999999999"),
    ]
    for response in answers:
        assert response.status_code == 404, (response.request.url, response.text)
        assert error_of(response)["code"] == "not_found"
    unknown = answers[-1].json()["error"]["message"].replace("999999999", str(theirs))
    assert answers[0].json()["error"]["message"] == unknown  # no hint that it exists
    with desk.container.engine.connect() as conn:
        from comptoir.storage.tables import conversations

        status = (
            conn.execute(conversations.select().where(conversations.c.id == theirs)).one().status
        )
    assert status == "open"


async def test_saved_replies_fill_placeholders(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    conversation_id = desk.rows.thread(desk.shop, desk.shop_page)[1]
    browser = await desk.signed_in(nadia)
    created = await browser.post(
        "/inbox/api/saved-replies",
        {"name": "Hours", "text": "Hi {first_name}, {agent_name} here. {unknown} stays."},
    )
    assert created.status_code == 201
    listed = await browser.get("/inbox/api/saved-replies", conversation_id=conversation_id)
    reply = listed.json()["data"][0]
    assert reply["rendered"] == "Hi Camille, Nadia here. {unknown} stays."
    other = desk.person("Gus", "gus@example.com", workspace_id=desk.other)
    gus = await desk.signed_in(other)
    assert (await gus.get("/inbox/api/saved-replies")).json() == {"data": []}
    assert (await gus.delete(f"/inbox/api/saved-replies/{reply['id']}")).status_code == 404
    assert (await browser.delete(f"/inbox/api/saved-replies/{reply['id']}")).status_code == 204
