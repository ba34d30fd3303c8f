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

from comptoir.storage.bulk import Bulk
from comptoir.storage.tables import conversations


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
    ids = sorted(set(contact_ids))
    if not ids:
        return {}
    bulk = Bulk(conn)
    table = conversations.name
    sql = (
        "SELECT contact_id, id, status, thread_owner_app_id, thread_owner_at "  # noqa: S608
        f"FROM {table} WHERE id IN (SELECT max(id) FROM {table} "
        f"WHERE contact_id {bulk.among('int')} GROUP BY contact_id)"
    )
    latest: dict[int, ConversationRef] = {}
    columns = ("contact_id", "id", "status", "thread_owner_app_id", "thread_owner_at")
    for contact_id, conversation_id, status, owner, owner_at in bulk.query(
        sql, (bulk.listed(ids),), columns
    ):
        latest[int(contact_id)] = ConversationRef(
            int(conversation_id), str(status), owner, bulk.read_time(owner_at)
        )
    return latest


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
    if activity:
        bulk = Bulk(conn)
        rows = [(cid, bulk.time(when)) for cid, when in sorted(activity.items())]
        bulk.move_forward(conversations.name, ("last_activity_at",), rows)


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
