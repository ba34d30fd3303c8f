"""What the REST API reads, always within one workspace (SQLAlchemy Core, synchronous).

Every function takes the workspace id from the API token and filters on it, so another
workspace's ids simply are not found. Lists use keyset pagination (``pagination.py``):
they fetch one row more than asked to know whether a next page exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.services.resources import (
    contact_resource,
    conversation_resource,
    message_resource,
)
from comptoir.storage.pages import get_page, list_pages
from comptoir.storage.tables import contacts, conversations, messages, pages

SEARCH_FIELDS = (contacts.c.first_name, contacts.c.last_name, contacts.c.psid)


@dataclass(frozen=True, slots=True)
class Slice:
    """One page of a list, and the position of its last item when more follow."""

    items: list[dict[str, Any]]
    last: tuple[Any, ...] | None


def _slice(items: list[dict[str, Any]], limit: int, position: Any) -> Slice:
    if len(items) > limit:
        items = items[:limit]
        return Slice(items, position(items[-1]))
    return Slice(items, None)


# -- Pages ------------------------------------------------------------------------------------


def _subscribed_at(conn: Connection, page_refs: list[int]) -> dict[int, datetime | None]:
    if not page_refs:
        return {}
    rows = conn.execute(
        sa.select(pages.c.id, pages.c.subscribed_at).where(pages.c.id.in_(page_refs))
    )
    return {int(row.id): row.subscribed_at for row in rows}


def page_list(conn: Connection, workspace_id: int) -> list[dict[str, Any]]:
    records = list_pages(conn, workspace_id)
    subscribed = _subscribed_at(conn, [record.id for record in records])
    return [{**record.public(), "subscribed_at": subscribed[record.id]} for record in records]


def page_detail(conn: Connection, workspace_id: int, page_ref: int) -> dict[str, Any] | None:
    record = get_page(conn, page_ref)
    if record is None or record.workspace_id != workspace_id:
        return None
    return {**record.public(), "subscribed_at": _subscribed_at(conn, [record.id])[record.id]}


def page_exists(conn: Connection, workspace_id: int, page_ref: int) -> bool:
    return page_detail(conn, workspace_id, page_ref) is not None


# -- Contacts ---------------------------------------------------------------------------------


def contact_list(
    conn: Connection,
    workspace_id: int,
    *,
    limit: int,
    after_id: int | None = None,
    page_ref: int | None = None,
    search: str | None = None,
    blocked: bool | None = None,
) -> Slice:
    """Newest contacts first."""
    query = sa.select(contacts).where(contacts.c.workspace_id == workspace_id)
    if page_ref is not None:
        query = query.where(contacts.c.page_ref == page_ref)
    if search:
        pattern = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%") + "%"
        pattern = pattern.replace("_", "\\_")
        full_name = sa.func.lower(contacts.c.first_name + " " + contacts.c.last_name)
        query = query.where(
            sa.or_(
                full_name.like(pattern, escape="\\"),
                *(sa.func.lower(field).like(pattern, escape="\\") for field in SEARCH_FIELDS),
            )
        )
    if blocked is not None:
        query = query.where(
            contacts.c.blocked_at.is_not(None) if blocked else contacts.c.blocked_at.is_(None)
        )
    if after_id is not None:
        query = query.where(contacts.c.id < after_id)
    rows = conn.execute(query.order_by(contacts.c.id.desc()).limit(limit + 1))
    items = [contact_resource(row._mapping) for row in rows]
    return _slice(items, limit, lambda item: (item["id"],))


def contact_detail(conn: Connection, workspace_id: int, contact_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        sa.select(contacts).where(
            contacts.c.id == contact_id, contacts.c.workspace_id == workspace_id
        )
    ).first()
    return contact_resource(row._mapping) if row else None


# -- Conversations ----------------------------------------------------------------------------

_CONTACT_LABELS = [column.label(f"contact__{column.name}") for column in contacts.c]


def _conversation_query(workspace_id: int) -> sa.Select[Any]:
    return (
        sa.select(conversations, *_CONTACT_LABELS)
        .join(contacts, contacts.c.id == conversations.c.contact_id)
        .where(conversations.c.workspace_id == workspace_id)
    )


def _conversation_item(row: Any) -> dict[str, Any]:
    mapping = row._mapping
    contact = {column.name: mapping[f"contact__{column.name}"] for column in contacts.c}
    return conversation_resource(mapping, contact)


def conversation_list(
    conn: Connection,
    workspace_id: int,
    *,
    limit: int,
    after: tuple[datetime, int] | None = None,
    status: str | None = None,
    page_ref: int | None = None,
    contact_id: int | None = None,
    assignee_id: int | None = None,
) -> Slice:
    """Newest activity first; ties broken by id, so the order is total and stable."""
    query = _conversation_query(workspace_id)
    if status is not None:
        query = query.where(conversations.c.status == status)
    if page_ref is not None:
        query = query.where(conversations.c.page_ref == page_ref)
    if contact_id is not None:
        query = query.where(conversations.c.contact_id == contact_id)
    if assignee_id is not None:
        query = query.where(conversations.c.assignee_id == assignee_id)
    if after is not None:
        moment, last_id = after
        query = query.where(
            sa.or_(
                conversations.c.last_activity_at < moment,
                sa.and_(conversations.c.last_activity_at == moment, conversations.c.id < last_id),
            )
        )
    query = query.order_by(conversations.c.last_activity_at.desc(), conversations.c.id.desc())
    items = [_conversation_item(row) for row in conn.execute(query.limit(limit + 1))]
    return _slice(items, limit, lambda item: (item["last_activity_at"], item["id"]))


def conversation_detail(
    conn: Connection, workspace_id: int, conversation_id: int
) -> dict[str, Any] | None:
    row = conn.execute(
        _conversation_query(workspace_id).where(conversations.c.id == conversation_id)
    ).first()
    return _conversation_item(row) if row else None


def update_conversation(
    conn: Connection, workspace_id: int, conversation_id: int, changes: dict[str, Any]
) -> bool:
    result = conn.execute(
        conversations.update()
        .where(
            conversations.c.id == conversation_id,
            conversations.c.workspace_id == workspace_id,
        )
        .values(**changes)
    )
    return result.rowcount > 0


# -- Messages ---------------------------------------------------------------------------------


def message_list(
    conn: Connection,
    workspace_id: int,
    conversation_id: int,
    *,
    limit: int,
    before_id: int | None = None,
) -> Slice:
    """Newest first; the cursor walks back in time."""
    query = sa.select(messages).where(
        messages.c.workspace_id == workspace_id, messages.c.conversation_id == conversation_id
    )
    if before_id is not None:
        query = query.where(messages.c.id < before_id)
    rows = conn.execute(query.order_by(messages.c.id.desc()).limit(limit + 1))
    items = [message_resource(row._mapping) for row in rows]
    return _slice(items, limit, lambda item: (item["id"],))


def message_detail(conn: Connection, workspace_id: int, message_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        sa.select(messages).where(
            messages.c.id == message_id, messages.c.workspace_id == workspace_id
        )
    ).first()
    return message_resource(row._mapping) if row else None
