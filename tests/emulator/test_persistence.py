"""With a data directory, a restart keeps Pages, people, threads and tokens."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from comptoir.emulator.persistence import Persistence
from comptoir.emulator.state import EmulatorState, NotificationToken, Upload
from tests.emulator.harness import emulator_world

pytestmark = pytest.mark.anyio


async def test_a_restart_keeps_pages_people_and_threads(tmp_path: Path) -> None:
    async with emulator_world(data_dir=tmp_path) as world:
        page = await world.create_page()
        psid = await world.create_person(page["page_id"], first_name="Léa")
        first = await world.act(page["page_id"], psid, type="message", text="Bonjour ❤️")
        second = await world.act(page["page_id"], psid, type="message", text="Vous êtes ouverts ?")
        await world.act(page["page_id"], psid, type="react", mid=first["mid"], reaction="love")
        await world.act(page["page_id"], psid, type="block")
        token = NotificationToken(
            token="8700000000000001",
            kind="notification_messages",
            page_id=page["page_id"],
            psid=psid,
            created_ms=1,
        )
        world.emulator.state.tokens[token.token] = token

    async with emulator_world(data_dir=tmp_path) as world:
        pages = (await world.client.get("/_emulator/pages")).json()["data"]
        assert [p["page_id"] for p in pages] == [page["page_id"]]
        assert pages[0]["app_secret"] == page["app_secret"]
        assert pages[0]["webhook_url"] == "http://receiver.test/webhook"
        # The token still authenticates the Page.
        assert world.emulator.state.page_for_token(page["page_access_token"]) is not None
        person = (await world.client.get(f"/_emulator/pages/{page['page_id']}/users/{psid}")).json()
        assert person["first_name"] == "Léa"
        assert person["blocked"] is True
        assert person["window"]["open"] is True
        thread = await world.thread(page["page_id"], psid)
        assert [i["mid"] for i in thread] == [first["mid"], second["mid"]]
        assert thread[0]["text"] == "Bonjour ❤️"
        assert thread[0]["reactions"] == {"user": "love"}
        assert world.emulator.state.tokens["8700000000000001"].psid == psid


async def test_reset_empties_the_database(tmp_path: Path) -> None:
    async with emulator_world(data_dir=tmp_path) as world:
        await world.create_page(webhook=False)
        await world.emulator.persistence.flush(world.emulator.state)  # type: ignore[union-attr]
        await world.client.post("/_emulator/reset")
    async with emulator_world(data_dir=tmp_path) as world:
        assert (await world.client.get("/_emulator/pages")).json()["data"] == []


async def test_flush_writes_only_what_changed(tmp_path: Path) -> None:
    async with emulator_world(data_dir=tmp_path) as world:
        page = await world.create_page(webhook=False)
        psid = await world.create_person(page["page_id"])
        store = world.emulator.persistence
        assert store is not None
        assert await store.flush(world.emulator.state) == 2
        assert await store.flush(world.emulator.state) == 0
        await world.act(page["page_id"], psid, type="message", text="hi")
        # The new message and the person (last message, window) changed.
        assert await store.flush(world.emulator.state) == 2


async def test_the_database_uses_wal(tmp_path: Path) -> None:
    store = Persistence(tmp_path / "emulator.sqlite3")
    store.load(EmulatorState())
    await store.aclose(EmulatorState())
    with sqlite3.connect(tmp_path / "emulator.sqlite3") as connection:
        (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    assert mode == "wal"


async def test_an_unreadable_row_is_skipped_not_fatal(tmp_path: Path) -> None:
    async with emulator_world(data_dir=tmp_path) as world:
        page = await world.create_page(webhook=False)
    with sqlite3.connect(tmp_path / "emulator.sqlite3") as connection:
        connection.execute(
            "INSERT INTO entities (kind, key, seq, data) VALUES ('person', 'x', 99, '{oops')"
        )
    async with emulator_world(data_dir=tmp_path) as world:
        assert list(world.emulator.state.pages) == [page["page_id"]]
        assert world.emulator.state.people == {}


async def test_removed_entities_are_removed_from_the_database(tmp_path: Path) -> None:
    async with emulator_world(data_dir=tmp_path) as world:
        page = await world.create_page(webhook=False)
        psid = await world.create_person(page["page_id"])
        state = world.emulator.state
        for value in ("8700000000000001", "8700000000000002"):
            state.tokens[value] = NotificationToken(
                token=value,
                kind="notification_messages",
                page_id=page["page_id"],
                psid=psid,
                created_ms=1,
            )
        store = world.emulator.persistence
        assert store is not None
        await store.flush(state)
        del state.tokens["8700000000000001"]
        assert await store.flush(state) == 1
    async with emulator_world(data_dir=tmp_path) as world:
        assert list(world.emulator.state.tokens) == ["8700000000000002"]


async def test_counter_made_ids_continue_after_a_restart(tmp_path: Path) -> None:
    async with emulator_world(data_dir=tmp_path) as world:
        page = await world.create_page(webhook=False)
        first = world.emulator.state.new_numeric_id("68")
        world.emulator.state.uploads[first] = Upload(
            attachment_id=first, page_id=page["page_id"], type="image", url=None, created_ms=1
        )
    async with emulator_world(data_dir=tmp_path) as world:
        following = world.emulator.state.new_numeric_id("68")
        assert int(following) > int(first)
        assert following not in world.emulator.state.uploads
