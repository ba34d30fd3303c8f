"""Full-text search over message text and contact names (SQLite FTS5, PostgreSQL tsvector)."""

from __future__ import annotations

from typing import Any

import pytest

from comptoir.storage.tables import contacts, messages
from tests.web.inbox_api.conftest import Browser, Desk

pytestmark = pytest.mark.anyio


async def found(browser: Browser, q: str, **params: Any) -> list[int]:
    response = await browser.get("/inbox/api/conversations", q=q, **params)
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()["data"]]


async def test_search_finds_words_and_prefixes_in_messages_and_names(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    coloring = desk.rows.thread(desk.shop, desk.shop_page, minutes_ago=3)[1]
    desk.rows.message(coloring, text="Je voudrais une coloration vendredi")
    refund = desk.rows.thread(desk.shop, desk.shop_page, minutes_ago=2)[1]
    desk.rows.message(refund, text="Remboursement de ma commande 4512 SVP")
    zoe_contact = desk.rows.contact(desk.shop, desk.shop_page, first_name="Zoé", last_name="Hugo")
    zoe = desk.rows.conversation(desk.shop, desk.shop_page, zoe_contact)
    theirs = desk.rows.thread(desk.other, desk.other_page)[1]
    desk.rows.message(theirs, text="coloration aussi chez eux")
    browser = await desk.signed_in(nadia)
    assert await found(browser, "coloration") == [coloring]
    assert await found(browser, "COLOR") == [coloring]  # prefix, any case
    assert await found(browser, "commande 4512") == [refund]  # every word must match
    assert await found(browser, "commande vendredi") == []
    assert await found(browser, "zoe") == [zoe]  # accents are ignored
    assert await found(browser, "ZOÉ") == [zoe]
    assert await found(browser, "hugo") == [zoe]
    assert await found(browser, "coloration", status="resolved") == []


async def test_search_text_is_never_query_syntax(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    conversation_id = desk.rows.thread(desk.shop, desk.shop_page)[1]
    desk.rows.message(conversation_id, text="price: 20 EUR (or less)")
    browser = await desk.signed_in(nadia)
    for q in ['"', "price:", "NEAR(", "a & b | !c", "*", "'; DROP TABLE messages; --", "(or"]:
        response = await browser.get("/inbox/api/conversations", q=q)
        assert response.status_code in (200, 422), (q, response.text)
    assert await found(browser, "price: (or") == [conversation_id]
    only_symbols = await browser.get("/inbox/api/conversations", q="&&&")
    assert only_symbols.status_code == 422


async def test_the_index_follows_edits_and_new_names(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    contact_id, conversation_id = desk.rows.thread(desk.shop, desk.shop_page)
    message_id = desk.rows.message(conversation_id, text="rendez-vous lundi")
    browser = await desk.signed_in(nadia)
    assert await found(browser, "lundi") == [conversation_id]
    with desk.container.engine.begin() as conn:
        conn.execute(messages.update().where(messages.c.id == message_id).values(text="mardi"))
        conn.execute(
            contacts.update().where(contacts.c.id == contact_id).values(first_name="Bérénice")
        )
    assert await found(browser, "lundi") == []
    assert await found(browser, "mardi") == [conversation_id]
    assert await found(browser, "bérénice") == [conversation_id]
    assert await found(browser, "camille") == []


def test_the_queries_fold_accents_like_the_indexes() -> None:
    import importlib

    from comptoir.storage import inbox_search

    migration = importlib.import_module("comptoir.storage.migrations.versions.0006_inbox")
    assert migration.ACCENTED == inbox_search.ACCENTED
    assert migration.PLAIN == inbox_search.PLAIN
