"""How stored rows look from outside: the JSON shapes of the REST API and outgoing webhooks.

One function per resource, from a row mapping (SQLAlchemy Core ``row._mapping``) to a plain
dict of JSON values. The REST API and the outgoing webhooks both use them, so a message has
the same shape in ``GET /api/v1/conversations/{id}/messages`` and in a ``message.received``
delivery. Nothing secret is ever part of a resource.

``page_ref`` is the ``id`` of a Page in this API (``GET /api/v1/pages/{id}``); ``page_id`` is
Meta's id of the Page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.storage.tables import contacts, messages


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def contact_name(first_name: str, last_name: str) -> str:
    return " ".join(part for part in (first_name, last_name) if part)


def contact_resource(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "page_ref": row["page_ref"],
        "psid": row["psid"],
        "name": contact_name(row["first_name"], row["last_name"]),
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "profile_pic": row["profile_pic"] or None,
        "locale": row["locale"],
        "timezone_offset": row["timezone_offset"],
        "profile_status": row["profile_status"],
        "source": row["source"],
        "source_ref": row["source_ref"],
        "last_user_message_at": iso(row["last_user_message_at"]),
        "blocked": row["blocked_at"] is not None,
        "blocked_at": iso(row["blocked_at"]),
        "created_at": iso(row["created_at"]),
    }


def conversation_resource(
    row: Mapping[Any, Any], contact: Mapping[Any, Any] | None = None
) -> dict[str, Any]:
    """A conversation; ``contact`` (a contacts row) adds a short summary of the person."""
    resource: dict[str, Any] = {
        "id": row["id"],
        "page_ref": row["page_ref"],
        "contact_id": row["contact_id"],
        "status": row["status"],
        "assignee_id": row["assignee_id"],
        "thread_owner_app_id": row["thread_owner_app_id"],
        "last_activity_at": iso(row["last_activity_at"]),
        "created_at": iso(row["created_at"]),
    }
    if contact is not None:
        resource["contact"] = {
            "id": contact["id"],
            "psid": contact["psid"],
            "name": contact_name(contact["first_name"], contact["last_name"]),
            "blocked": contact["blocked_at"] is not None,
        }
    return resource


def message_resource(row: Mapping[Any, Any]) -> dict[str, Any]:
    error = None
    if row["error_code"] is not None or row["error_reason"]:
        error = {
            "code": row["error_code"],
            "subcode": row["error_subcode"],
            "reason": row["error_reason"],
        }
    content = row["content"]
    return {
        "id": row["id"],
        "conversation_id": row["conversation_id"],
        "contact_id": row["contact_id"],
        "page_ref": row["page_ref"],
        "direction": row["direction"],
        "author": {"kind": row["author_kind"], "name": row["author_name"] or None},
        "mid": row["mid"],
        "text": row["text"],
        "content": content if isinstance(content, dict) else {},
        "status": row["status"],
        "messaging_type": row["messaging_type"],
        "tag": row["tag"],
        "error": error,
        "created_at": iso(row["created_at"]),
        "sent_at": iso(row["sent_at"]),
        "delivered_at": iso(row["delivered_at"]),
        "read_at": iso(row["read_at"]),
    }


def load_message_with_contact(
    conn: Connection, message_id: int
) -> tuple[dict[str, Any], dict[str, Any], int] | None:
    """The message and its contact as the API shows them, and the workspace id; None if gone."""
    message = conn.execute(sa.select(messages).where(messages.c.id == message_id)).first()
    if message is None:
        return None
    contact = conn.execute(
        sa.select(contacts).where(contacts.c.id == message._mapping["contact_id"])
    ).one()
    return (
        message_resource(message._mapping),
        contact_resource(contact._mapping),
        int(message._mapping["workspace_id"]),
    )
