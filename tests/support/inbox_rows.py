"""Rows written straight into the tables, for tests of what reads them (REST API, outgoing
webhooks) without going through the webhook intake. The full path is covered by the wired
stack in ``tests/support/stack.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from comptoir.bootstrap import Container, build_container
from comptoir.crypto import SecretBox
from comptoir.domain.clock import FixedClock
from comptoir.settings import Settings
from comptoir.storage import pages as page_store
from comptoir.storage.tables import contacts, conversations, messages

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
_page_ids = count(104000000000001)


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "secret_key": "test-secret-key-" + "x" * 32,
        "graph_url": "http://graph.test",
    }
    values.update(overrides)
    return Settings(**values)


def make_container(
    tmp_path: Path,
    database_url: str,
    clock: FixedClock | None = None,
    graph_transport: httpx.AsyncBaseTransport | None = None,
) -> Container:
    return build_container(
        make_settings(tmp_path, database_url),
        clock=clock or FixedClock(T0),
        graph_transport=graph_transport,
    )


def _insert(engine: Engine, table: Any, **values: Any) -> int:
    with engine.begin() as conn:
        key = conn.execute(table.insert().values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


@dataclass
class Rows:
    """Writes a small world: workspaces, Pages, contacts, conversations and messages."""

    engine: Engine
    box: SecretBox
    now: datetime = T0
    _psids: count[int] = field(default_factory=lambda: count(7000000000000001))

    def workspace(self, name: str = "Salon Lumière") -> int:
        with self.engine.begin() as conn:
            return page_store.create_workspace(conn, name, self.now)

    def token(self, workspace_id: int) -> str:
        with self.engine.begin() as conn:
            return page_store.create_api_token(conn, workspace_id, "tests", self.now)

    def page(self, workspace_id: int, name: str = "Salon Lumière") -> int:
        with self.engine.begin() as conn:
            record = page_store.connect_page(
                conn,
                self.box,
                workspace_id=workspace_id,
                page_id=str(next(_page_ids)),
                access_token="EAAtest-page-token",
                app_secret="test-app-secret",
                verify_token="test-verify-token",
                now=self.now,
                name=name,
            )
        return record.id

    def contact(self, workspace_id: int, page_ref: int, **values: Any) -> int:
        row: dict[str, Any] = {
            "workspace_id": workspace_id,
            "page_ref": page_ref,
            "psid": str(next(self._psids)),
            "first_name": "Camille",
            "last_name": "Martin",
            "profile_status": "fetched",
            "last_user_message_at": self.now,
            "created_at": self.now,
        }
        row.update(values)
        return _insert(self.engine, contacts, **row)

    def conversation(self, workspace_id: int, page_ref: int, contact_id: int, **values: Any) -> int:
        row: dict[str, Any] = {
            "workspace_id": workspace_id,
            "page_ref": page_ref,
            "contact_id": contact_id,
            "status": "open",
            "last_activity_at": self.now,
            "created_at": self.now,
        }
        row.update(values)
        return _insert(self.engine, conversations, **row)

    def message(self, conversation_id: int, *, text: str = "Bonjour !", **values: Any) -> int:
        with self.engine.begin() as conn:
            convo = conn.execute(
                conversations.select().where(conversations.c.id == conversation_id)
            ).one()
        row: dict[str, Any] = {
            "workspace_id": convo.workspace_id,
            "page_ref": convo.page_ref,
            "conversation_id": conversation_id,
            "contact_id": convo.contact_id,
            "direction": "in",
            "author_kind": "customer",
            "text": text,
            "content": {},
            "status": "received",
            "created_at": self.now,
        }
        row.update(values)
        return _insert(self.engine, messages, **row)

    def thread(self, workspace_id: int, page_ref: int, *, minutes_ago: int = 0) -> tuple[int, int]:
        """A contact with one conversation whose last activity was ``minutes_ago``."""
        at = self.now - timedelta(minutes=minutes_ago)
        contact_id = self.contact(workspace_id, page_ref)
        conversation_id = self.conversation(
            workspace_id, page_ref, contact_id, last_activity_at=at, created_at=at
        )
        return contact_id, conversation_id
