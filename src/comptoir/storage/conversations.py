"""Conversations: the thread a contact's messages belong to.

A customer's message goes to the contact's latest conversation unless it is resolved; after
a resolved one, a new conversation opens (history is kept). The thread owner under
Conversation Routing follows the handover events, the latest event winning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.storage.tables import conversations
from comptoir.storage.types import UTCDateTime


@dataclass(frozen=True, slots=True)
class ConversationRef:
    id: int
    status: str
    thread_owner_app_id: str | None
    thread_owner_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewConversation:
    workspace_id: int
    page_ref: int
    #: When its first event happened.
    started_at: datetime


def latest_conversations(
    conn: Connection, contact_ids: Iterable[int]
) -> dict[int, ConversationRef]:
    """The most recent conversation of each contact that has one (contact id -> ref)."""
    ids = set(contact_ids)
    if not ids:
        return {}
    latest = (
        sa.select(sa.func.max(conversations.c.id))
        .where(conversations.c.contact_id.in_(ids))
        .group_by(conversations.c.contact_id)
    )
    result = conn.execute(
        sa.select(
            conversations.c.contact_id,
            conversations.c.id,
            conversations.c.status,
            conversations.c.thread_owner_app_id,
            conversations.c.thread_owner_at,
        ).where(conversations.c.id.in_(latest))
    )
    return {
        int(row.contact_id): ConversationRef(
            int(row.id), str(row.status), row.thread_owner_app_id, row.thread_owner_at
        )
        for row in result
    }


def open_conversations(
    conn: Connection,
    wanted: Mapping[int, NewConversation],
    previous: Mapping[int, ConversationRef],
    now: datetime,
) -> dict[int, int]:
    """Create one open conversation per contact in ``wanted`` (contact id -> new id).

    The thread owner carries over from the contact's ``previous`` conversation: it belongs to
    the Messenger thread, not to our bookkeeping."""
    if not wanted:
        return {}
    rows = []
    for contact_id, new in wanted.items():
        before = previous.get(contact_id)
        rows.append(
            {
                "workspace_id": new.workspace_id,
                "page_ref": new.page_ref,
                "contact_id": contact_id,
                "status": "open",
                "thread_owner_app_id": before.thread_owner_app_id if before else None,
                "thread_owner_at": before.thread_owner_at if before else None,
                "last_activity_at": new.started_at,
                "created_at": now,
            }
        )
    result = conn.execute(
        conversations.insert().returning(conversations.c.contact_id, conversations.c.id), rows
    )
    return {int(contact_id): int(conversation_id) for contact_id, conversation_id in result}


def touch_activity(conn: Connection, activity: Mapping[int, datetime]) -> None:
    """Move ``last_activity_at`` forward (conversation id -> time), never back."""
    if not activity:
        return
    at = sa.bindparam("at", type_=UTCDateTime)
    conn.execute(
        conversations.update()
        .where(
            conversations.c.id == sa.bindparam("conversation_id"),
            conversations.c.last_activity_at < at,
        )
        .values(last_activity_at=at),
        [{"conversation_id": cid, "at": when} for cid, when in activity.items()],
    )


def set_thread_owner(
    conn: Connection, conversation_id: int, owner_app_id: str | None, at: datetime
) -> bool:
    """Record who controls the thread since ``at``, unless a later handover is already
    recorded. Returns whether the row changed."""
    result = conn.execute(
        conversations.update()
        .where(
            conversations.c.id == conversation_id,
            sa.or_(
                conversations.c.thread_owner_at.is_(None), conversations.c.thread_owner_at <= at
            ),
        )
        .values(thread_owner_app_id=owner_app_id, thread_owner_at=at)
    )
    return result.rowcount > 0
