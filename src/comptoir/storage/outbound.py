"""Outgoing messages as ``send_message`` writes them: the target, the message, its outbox row.

``find_target`` loads everything the policy needs about a conversation (or a contact) of a
workspace in one query; ``insert_outbound`` writes the message (``queued``) and the outbox
row holding the full Send API request, with ``metadata = "cpt:<message id>"`` so the echo
of the message can be matched to it. Both run inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.storage.tables import contacts, conversations, messages, outbox, pages

#: ``message.metadata`` of every message Comptoir sends: the echo brings it back.
METADATA_PREFIX = "cpt:"


def metadata_for(message_id: int) -> str:
    return f"{METADATA_PREFIX}{message_id}"


def message_id_from_metadata(metadata: str | None) -> int | None:
    """The message id in an echo's ``metadata``, or None if it is not one of ours."""
    if not metadata or not metadata.startswith(METADATA_PREFIX):
        return None
    digits = metadata[len(METADATA_PREFIX) :]
    return int(digits) if digits.isdigit() else None


@dataclass(frozen=True, slots=True)
class SendTarget:
    """A person of a workspace, the conversation to write in (if any yet), and its Page."""

    workspace_id: int
    conversation_id: int | None
    contact_id: int
    psid: str
    last_user_message_at: datetime | None
    last_qualifying_action_at: datetime | None
    window_seconds: int
    blocked_at: datetime | None
    thread_owner_app_id: str | None
    page_ref: int
    page_id: str
    app_id: str
    timezone: str
    human_agent_enabled: bool
    utility_enabled: bool
    one_time_notif_enabled: bool
    restricted_until: datetime | None
    access_token_sealed: str


#: What a send needs to know of the contact and its Page (``find_target``, broadcasts).
TARGET_COLUMNS = (
    contacts.c.workspace_id,
    contacts.c.id.label("contact_id"),
    contacts.c.psid,
    contacts.c.last_user_message_at,
    contacts.c.last_qualifying_action_at,
    contacts.c.window_seconds,
    contacts.c.blocked_at,
    pages.c.id.label("page_ref"),
    pages.c.page_id,
    pages.c.app_id,
    pages.c.timezone,
    pages.c.human_agent_enabled,
    pages.c.utility_enabled,
    pages.c.one_time_notif_enabled,
    pages.c.restricted_until,
    pages.c.access_token_sealed,
)


def find_target(
    conn: Connection,
    workspace_id: int,
    *,
    conversation_id: int | None = None,
    contact_id: int | None = None,
) -> SendTarget | None:
    """The target of a send, only within ``workspace_id`` (None: no such thing there).

    With a contact alone, the conversation is its latest one not resolved (None if there is
    none: ``open_conversation`` makes one when the message is accepted).
    """
    if conversation_id is not None:
        row = conn.execute(
            sa.select(
                *TARGET_COLUMNS,
                conversations.c.id.label("conversation_id"),
                conversations.c.thread_owner_app_id,
            )
            .select_from(
                conversations.join(contacts, contacts.c.id == conversations.c.contact_id).join(
                    pages, pages.c.id == contacts.c.page_ref
                )
            )
            .where(
                conversations.c.id == conversation_id,
                conversations.c.workspace_id == workspace_id,
            )
        ).first()
        if row is None or (contact_id is not None and row.contact_id != contact_id):
            return None
        return SendTarget(**dict(row._mapping))
    if contact_id is None:
        return None
    row = conn.execute(
        sa.select(*TARGET_COLUMNS)
        .select_from(contacts.join(pages, pages.c.id == contacts.c.page_ref))
        .where(contacts.c.id == contact_id, contacts.c.workspace_id == workspace_id)
    ).first()
    if row is None:
        return None
    latest = conn.execute(
        sa.select(conversations.c.id, conversations.c.thread_owner_app_id)
        .where(conversations.c.contact_id == contact_id, conversations.c.status != "resolved")
        .order_by(conversations.c.id.desc())
        .limit(1)
    ).first()
    return SendTarget(
        **dict(row._mapping),
        conversation_id=int(latest.id) if latest else None,
        thread_owner_app_id=latest.thread_owner_app_id if latest else None,
    )


def open_conversation(conn: Connection, target: SendTarget, now: datetime) -> int:
    """A new open conversation with the target's contact; returns its id."""
    result = conn.execute(
        conversations.insert().values(
            workspace_id=target.workspace_id,
            page_ref=target.page_ref,
            contact_id=target.contact_id,
            status="open",
            last_activity_at=now,
            created_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


@dataclass(frozen=True, slots=True)
class OutboundRow:
    message_id: int
    outbox_id: int
    conversation_id: int


def insert_outbound(
    conn: Connection,
    target: SendTarget,
    *,
    conversation_id: int,
    author_kind: str,
    author_name: str,
    text: str | None,
    content: dict[str, Any],
    messaging_type: str | None,
    tag: str | None,
    request: dict[str, Any],
    intent: dict[str, Any],
    priority: int,
    now: datetime,
) -> OutboundRow:
    """Write the queued message and its outbox row; ``request`` gets the metadata here."""
    result = conn.execute(
        messages.insert().values(
            workspace_id=target.workspace_id,
            page_ref=target.page_ref,
            conversation_id=conversation_id,
            contact_id=target.contact_id,
            direction="out",
            author_kind=author_kind,
            author_name=author_name,
            text=text,
            content=content,
            status="queued",
            messaging_type=messaging_type,
            tag=tag,
            created_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    message_id = int(key[0])
    body = dict(request)
    if isinstance(body.get("message"), dict):
        body["message"] = {**body["message"], "metadata": metadata_for(message_id)}
    result = conn.execute(
        outbox.insert().values(
            message_id=message_id,
            page_ref=target.page_ref,
            priority=priority,
            state="pending",
            attempts=0,
            available_at=now,
            request=body,
            intent=intent,
            resends=0,
            created_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    conn.execute(
        conversations.update()
        .where(conversations.c.id == conversation_id, conversations.c.last_activity_at < now)
        .values(last_activity_at=now)
    )
    return OutboundRow(
        message_id=message_id, outbox_id=int(key[0]), conversation_id=conversation_id
    )


def mark_contact_blocked(conn: Connection, contact_id: int, now: datetime) -> None:
    """Meta answered 551 for this person: they blocked the Page or cannot be reached."""
    conn.execute(
        contacts.update()
        .where(contacts.c.id == contact_id, contacts.c.blocked_at.is_(None))
        .values(blocked_at=now)
    )
