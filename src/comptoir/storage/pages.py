"""Workspaces, Pages and API tokens: create, connect, look up.

Page tokens, app secrets and verify tokens are sealed with ``SecretBox`` before they touch
the database and opened only by ``PageRecord.open_secrets``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.crypto import SecretBox
from comptoir.storage.tables import api_tokens, pages, workspaces


class PageConflictError(Exception):
    """The Page is already connected to another workspace."""


@dataclass(frozen=True, slots=True)
class PageSecrets:
    access_token: str
    app_secret: str
    verify_token: str

    def __repr__(self) -> str:
        return "PageSecrets(***)"


@dataclass(frozen=True, slots=True)
class PageRecord:
    id: int
    workspace_id: int
    page_id: str
    name: str
    app_id: str
    timezone: str
    human_agent_enabled: bool
    utility_enabled: bool
    one_time_notif_enabled: bool
    restricted_until: datetime | None
    access_token_sealed: str
    app_secret_sealed: str
    verify_token_sealed: str

    def open_secrets(self, box: SecretBox) -> PageSecrets:
        return PageSecrets(
            access_token=box.open(self.access_token_sealed),
            app_secret=box.open(self.app_secret_sealed),
            verify_token=box.open(self.verify_token_sealed),
        )

    def public(self) -> dict[str, Any]:
        """What the REST API shows: never a secret."""
        return {
            "id": self.id,
            "page_id": self.page_id,
            "name": self.name,
            "app_id": self.app_id,
            "timezone": self.timezone,
            "human_agent_enabled": self.human_agent_enabled,
            "utility_enabled": self.utility_enabled,
            "one_time_notif_enabled": self.one_time_notif_enabled,
            "restricted_until": self.restricted_until.isoformat()
            if self.restricted_until
            else None,
        }


_PAGE_COLUMNS = [
    pages.c.id,
    pages.c.workspace_id,
    pages.c.page_id,
    pages.c.name,
    pages.c.app_id,
    pages.c.timezone,
    pages.c.human_agent_enabled,
    pages.c.utility_enabled,
    pages.c.one_time_notif_enabled,
    pages.c.restricted_until,
    pages.c.access_token_sealed,
    pages.c.app_secret_sealed,
    pages.c.verify_token_sealed,
]


def _record(row: Any) -> PageRecord:
    return PageRecord(**dict(row._mapping))


def create_workspace(conn: Connection, name: str, now: datetime, timezone: str = "UTC") -> int:
    result = conn.execute(workspaces.insert().values(name=name, timezone=timezone, created_at=now))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def find_workspace_by_name(conn: Connection, name: str) -> int | None:
    row = conn.execute(
        sa.select(workspaces.c.id).where(workspaces.c.name == name).order_by(workspaces.c.id)
    ).first()
    return int(row[0]) if row else None


def connect_page(
    conn: Connection,
    box: SecretBox,
    *,
    workspace_id: int,
    page_id: str,
    access_token: str,
    app_secret: str,
    verify_token: str,
    now: datetime,
    name: str = "",
    app_id: str = "",
    timezone: str = "UTC",
) -> PageRecord:
    """Connect a Page to a workspace, or update its credentials if it is already there."""
    existing = find_page(conn, page_id)
    values = {
        "name": name or (existing.name if existing else ""),
        "app_id": app_id or (existing.app_id if existing else ""),
        "timezone": timezone,
        "access_token_sealed": box.seal(access_token),
        "app_secret_sealed": box.seal(app_secret),
        "verify_token_sealed": box.seal(verify_token),
    }
    if existing is None:
        conn.execute(
            pages.insert().values(
                workspace_id=workspace_id, page_id=page_id, created_at=now, **values
            )
        )
    elif existing.workspace_id != workspace_id:
        raise PageConflictError(f"Page {page_id} is already connected to another workspace")
    else:
        conn.execute(pages.update().where(pages.c.id == existing.id).values(**values))
    record = find_page(conn, page_id)
    assert record is not None
    return record


def find_page(conn: Connection, page_id: str) -> PageRecord | None:
    row = conn.execute(sa.select(*_PAGE_COLUMNS).where(pages.c.page_id == page_id)).first()
    return _record(row) if row else None


def get_page(conn: Connection, page_ref: int) -> PageRecord | None:
    row = conn.execute(sa.select(*_PAGE_COLUMNS).where(pages.c.id == page_ref)).first()
    return _record(row) if row else None


def list_pages(conn: Connection, workspace_id: int) -> list[PageRecord]:
    rows = conn.execute(
        sa.select(*_PAGE_COLUMNS).where(pages.c.workspace_id == workspace_id).order_by(pages.c.id)
    )
    return [_record(row) for row in rows]


def mark_subscribed(conn: Connection, page_ref: int, now: datetime) -> None:
    conn.execute(pages.update().where(pages.c.id == page_ref).values(subscribed_at=now))


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(conn: Connection, workspace_id: int, name: str, now: datetime) -> str:
    """Create a workspace API token and return it; only its hash is stored."""
    token = "cpt_" + secrets.token_urlsafe(32)
    conn.execute(
        api_tokens.insert().values(
            workspace_id=workspace_id, name=name, token_hash=hash_api_token(token), created_at=now
        )
    )
    return token


def workspace_for_api_token(conn: Connection, token: str) -> int | None:
    row = conn.execute(
        sa.select(api_tokens.c.workspace_id).where(
            api_tokens.c.token_hash == hash_api_token(token), api_tokens.c.revoked_at.is_(None)
        )
    ).first()
    return int(row[0]) if row else None
