"""Broadcasts and their recipients (``tables.broadcasts``, ``tables.broadcast_recipients``).

Every function takes the caller's ``Connection`` and never commits: the broadcast worker
writes a batch of recipient rows, their messages and outbox rows, and moves the broadcast's
``cursor``, in one transaction (``services.broadcasts``). ``claim_batch`` moves the cursor
first, on the condition that it is still where the batch started, so two workers never both
write the same batch; the
unique (broadcast, contact) key would refuse it anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.storage.outbound import TARGET_COLUMNS, SendTarget, metadata_for
from comptoir.storage.tables import (
    broadcast_recipients,
    broadcasts,
    consent_events,
    contacts,
    conversations,
    messages,
    outbox,
    pages,
)

#: States a broadcast can be in; the worker acts on ``scheduled`` (when due) and ``sending``.
STATES = ("draft", "scheduled", "sending", "paused", "cancelled", "done")
ACTIVE = ("scheduled", "sending", "paused")


@dataclass(frozen=True, slots=True)
class BroadcastRow:
    id: int
    workspace_id: int
    page_ref: int
    name: str
    segment_id: int | None
    audience: dict[str, Any]
    message: dict[str, Any]
    mode: str
    topic: str | None
    promotional: bool
    state: str
    scheduled_at: datetime | None
    timezone: str
    cursor: int
    examined: int
    queued: int
    excluded: int
    planned: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime


def _row(row: Any) -> BroadcastRow:
    values = dict(row._mapping)
    values["audience"] = dict(values["audience"] or {})
    values["message"] = dict(values["message"] or {})
    values["planned"] = dict(values["planned"] or {})
    return BroadcastRow(**values)


def insert_broadcast(conn: Connection, **values: Any) -> int:
    result = conn.execute(broadcasts.insert().values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def get_broadcast(conn: Connection, workspace_id: int, broadcast_id: int) -> BroadcastRow | None:
    row = conn.execute(
        sa.select(broadcasts).where(
            broadcasts.c.id == broadcast_id, broadcasts.c.workspace_id == workspace_id
        )
    ).first()
    return None if row is None else _row(row)


def broadcast_by_id(conn: Connection, broadcast_id: int) -> BroadcastRow | None:
    row = conn.execute(sa.select(broadcasts).where(broadcasts.c.id == broadcast_id)).first()
    return None if row is None else _row(row)


def list_broadcasts(conn: Connection, workspace_id: int, limit: int = 100) -> list[BroadcastRow]:
    result = conn.execute(
        sa.select(broadcasts)
        .where(broadcasts.c.workspace_id == workspace_id)
        .order_by(broadcasts.c.id.desc())
        .limit(limit)
    )
    return [_row(row) for row in result]


def due_broadcasts(conn: Connection, now: datetime) -> list[BroadcastRow]:
    """Broadcasts the worker should move on: sending, or scheduled and due."""
    result = conn.execute(
        sa.select(broadcasts)
        .where(
            sa.or_(
                broadcasts.c.state == "sending",
                sa.and_(broadcasts.c.state == "scheduled", broadcasts.c.scheduled_at <= now),
            )
        )
        .order_by(broadcasts.c.id)
    )
    return [_row(row) for row in result]


def next_scheduled(conn: Connection) -> datetime | None:
    """When the next scheduled broadcast is due (the worker sleeps until then at most)."""
    value = conn.execute(
        sa.select(sa.func.min(broadcasts.c.scheduled_at)).where(broadcasts.c.state == "scheduled")
    ).scalar()
    return value if isinstance(value, datetime) else None


def change_state(
    conn: Connection,
    broadcast_id: int,
    from_states: Sequence[str],
    to_state: str,
    now: datetime,
    **extra: Any,
) -> bool:
    """Move the broadcast to ``to_state`` if it is in one of ``from_states``."""
    result = conn.execute(
        broadcasts.update()
        .where(broadcasts.c.id == broadcast_id, broadcasts.c.state.in_(list(from_states)))
        .values(state=to_state, updated_at=now, **extra)
    )
    return bool(result.rowcount)


def claim_batch(conn: Connection, broadcast: BroadcastRow, *, cursor: int, now: datetime) -> bool:
    """Move the cursor past a batch before writing it; False when another worker moved it
    first (the statement waits for that worker's transaction, then finds another cursor)."""
    result = conn.execute(
        broadcasts.update()
        .where(
            broadcasts.c.id == broadcast.id,
            broadcasts.c.cursor == broadcast.cursor,
            broadcasts.c.state == "sending",
        )
        .values(cursor=cursor, updated_at=now)
    )
    return bool(result.rowcount)


def count_batch(
    conn: Connection, broadcast_id: int, *, examined: int, queued: int, excluded: int
) -> None:
    conn.execute(
        broadcasts.update()
        .where(broadcasts.c.id == broadcast_id)
        .values(
            examined=broadcasts.c.examined + examined,
            queued=broadcasts.c.queued + queued,
            excluded=broadcasts.c.excluded + excluded,
        )
    )


def bulk_in_flight(conn: Connection, page_ref: int) -> int:
    """Bulk messages of a Page handed to the relay and not sent yet (the pacing window)."""
    value = conn.execute(
        sa.select(sa.func.count())
        .select_from(outbox)
        .where(
            outbox.c.state.in_(("pending", "sending")),
            outbox.c.priority > 0,
            outbox.c.page_ref == page_ref,
        )
    ).scalar()
    return int(value or 0)


def still_queued(conn: Connection, broadcast_id: int) -> int:
    """Recipients whose message has not left yet (sent, failed or cancelled)."""
    value = conn.execute(
        sa.select(sa.func.count())
        .select_from(
            broadcast_recipients.join(messages, messages.c.id == broadcast_recipients.c.message_id)
        )
        .where(broadcast_recipients.c.broadcast_id == broadcast_id, messages.c.status == "queued")
    ).scalar()
    return int(value or 0)


# -- sending targets ----------------------------------------------------------------------


def load_targets(
    conn: Connection, workspace_id: int, contact_ids: Sequence[int]
) -> list[SendTarget]:
    """What the policy and the sending path need about each contact, in id order."""
    if not contact_ids:
        return []
    latest = (
        sa.select(
            conversations.c.contact_id, sa.func.max(conversations.c.id).label("conversation_id")
        )
        .where(conversations.c.contact_id.in_(contact_ids), conversations.c.status != "resolved")
        .group_by(conversations.c.contact_id)
        .subquery()
    )
    query = (
        sa.select(
            *TARGET_COLUMNS,
            latest.c.conversation_id,
            conversations.c.thread_owner_app_id,
        )
        .select_from(
            contacts.join(pages, pages.c.id == contacts.c.page_ref)
            .outerjoin(latest, latest.c.contact_id == contacts.c.id)
            .outerjoin(conversations, conversations.c.id == latest.c.conversation_id)
        )
        .where(contacts.c.id.in_(contact_ids), contacts.c.workspace_id == workspace_id)
        .order_by(contacts.c.id)
    )
    return [SendTarget(**dict(row._mapping)) for row in conn.execute(query)]


@dataclass(frozen=True, slots=True)
class Outbound:
    """One broadcast message to write: who, and the columns that differ per person."""

    target: SendTarget
    content: dict[str, Any]
    messaging_type: str | None
    tag: str | None
    request: dict[str, Any]
    intent: dict[str, Any]


def insert_outbound_many(
    conn: Connection,
    items: Sequence[Outbound],
    *,
    author_name: str,
    text: str | None,
    now: datetime,
) -> list[int]:
    """Write the messages (``queued``) and their outbox rows (bulk priority) of a batch in a
    few statements, opening a conversation for people who have none; returns the message
    ids in the order of ``items``. Same rows as ``storage.outbound.insert_outbound``."""
    if not items:
        return []
    missing = [item.target for item in items if item.target.conversation_id is None]
    opened: dict[int, int] = {}
    if missing:
        created = conn.execute(
            conversations.insert().returning(conversations.c.id, sort_by_parameter_order=True),
            [
                {
                    "workspace_id": target.workspace_id,
                    "page_ref": target.page_ref,
                    "contact_id": target.contact_id,
                    "status": "open",
                    "last_activity_at": now,
                    "created_at": now,
                }
                for target in missing
            ],
        ).scalars()
        opened = {
            target.contact_id: int(new_id) for target, new_id in zip(missing, created, strict=True)
        }
    conversation_ids = [
        item.target.conversation_id or opened[item.target.contact_id] for item in items
    ]
    message_ids = [
        int(value)
        for value in conn.execute(
            messages.insert().returning(messages.c.id, sort_by_parameter_order=True),
            [
                {
                    "workspace_id": item.target.workspace_id,
                    "page_ref": item.target.page_ref,
                    "conversation_id": conversation_id,
                    "contact_id": item.target.contact_id,
                    "direction": "out",
                    "author_kind": "broadcast",
                    "author_name": author_name,
                    "text": text,
                    "content": item.content,
                    "status": "queued",
                    "messaging_type": item.messaging_type,
                    "tag": item.tag,
                    "created_at": now,
                }
                for item, conversation_id in zip(items, conversation_ids, strict=True)
            ],
        ).scalars()
    ]
    outbox_rows = []
    for item, message_id in zip(items, message_ids, strict=True):
        body = dict(item.request)
        if isinstance(body.get("message"), dict):
            body["message"] = {**body["message"], "metadata": metadata_for(message_id)}
        outbox_rows.append(
            {
                "message_id": message_id,
                "page_ref": item.target.page_ref,
                "priority": 1,
                "state": "pending",
                "attempts": 0,
                "available_at": now,
                "request": body,
                "intent": item.intent,
                "resends": 0,
                "created_at": now,
            }
        )
    conn.execute(outbox.insert(), outbox_rows)
    existing = sorted(
        {
            c
            for item, c in zip(items, conversation_ids, strict=True)
            if item.target.conversation_id is not None
        }
    )
    if existing:
        conn.execute(
            conversations.update()
            .where(conversations.c.id.in_(existing), conversations.c.last_activity_at < now)
            .values(last_activity_at=now)
        )
    return message_ids


def insert_recipients(conn: Connection, rows: Iterable[dict[str, Any]]) -> None:
    values = list(rows)
    if values:
        conn.execute(broadcast_recipients.insert(), values)


# -- results ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecipientResult:
    id: int
    contact_id: int
    psid: str
    mechanism: str | None
    #: excluded, cancelled, or the message's status: queued, sent, delivered, read, failed
    status: str
    reason: str | None
    message_id: int | None
    mid: str | None
    error_code: int | None


def recipient_results(
    conn: Connection, broadcast_id: int, *, after_id: int = 0, limit: int = 100
) -> list[RecipientResult]:
    query = (
        sa.select(
            broadcast_recipients.c.id,
            broadcast_recipients.c.contact_id,
            contacts.c.psid,
            broadcast_recipients.c.mechanism,
            broadcast_recipients.c.state,
            broadcast_recipients.c.reason,
            broadcast_recipients.c.message_id,
            messages.c.status,
            messages.c.mid,
            messages.c.error_code,
            messages.c.error_reason,
        )
        .select_from(
            broadcast_recipients.join(
                contacts, contacts.c.id == broadcast_recipients.c.contact_id
            ).outerjoin(messages, messages.c.id == broadcast_recipients.c.message_id)
        )
        .where(
            broadcast_recipients.c.broadcast_id == broadcast_id,
            broadcast_recipients.c.id > after_id,
        )
        .order_by(broadcast_recipients.c.id)
        .limit(limit)
    )
    found = []
    for row in conn.execute(query):
        queued = row.state == "queued" and row.status is not None
        found.append(
            RecipientResult(
                id=int(row.id),
                contact_id=int(row.contact_id),
                psid=str(row.psid),
                mechanism=row.mechanism,
                status=str(row.status) if queued else str(row.state),
                reason=(row.error_reason if queued else row.reason),
                message_id=row.message_id,
                mid=row.mid,
                error_code=row.error_code,
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class Totals:
    by_status: dict[str, int]
    by_mechanism: dict[str, int]
    excluded: dict[str, int]
    failed: dict[str, int]
    replied: int
    quick_reply_taps: int
    opted_out: int
    #: When the first and the last message of the broadcast left (for the rate).
    first_sent_at: datetime | None
    last_sent_at: datetime | None


def totals(
    conn: Connection, broadcast: BroadcastRow, quick_reply_payloads: frozenset[str]
) -> Totals:
    """Counts by message status, mechanism, exclusion and failure reason; the reactions."""
    r, m = broadcast_recipients, messages
    joined = r.outerjoin(m, m.c.id == r.c.message_id)
    mine = r.c.broadcast_id == broadcast.id
    by_status: dict[str, int] = {}
    by_mechanism: dict[str, int] = {}
    excluded: dict[str, int] = {}
    failed: dict[str, int] = {}
    grouped = conn.execute(
        sa.select(
            r.c.state, r.c.reason, r.c.mechanism, m.c.status, m.c.error_reason, sa.func.count()
        )
        .select_from(joined)
        .where(mine)
        .group_by(r.c.state, r.c.reason, r.c.mechanism, m.c.status, m.c.error_reason)
    )
    for state, reason, mechanism, status, error, count in grouped:
        if state == "queued" and status is not None:
            by_status[status] = by_status.get(status, 0) + count
            if mechanism:
                by_mechanism[mechanism] = by_mechanism.get(mechanism, 0) + count
            if status == "failed":
                key = error or "unknown"
                failed[key] = failed.get(key, 0) + count
        elif state == "excluded":
            key = reason or "unknown"
            excluded[key] = excluded.get(key, 0) + count
        else:
            by_status[state] = by_status.get(state, 0) + count
    first_sent, last_sent = conn.execute(
        sa.select(sa.func.min(m.c.sent_at), sa.func.max(m.c.sent_at))
        .select_from(joined)
        .where(mine)
    ).one()
    reached = (
        sa.select(r.c.contact_id, r.c.message_id)
        .select_from(joined)
        .where(mine, m.c.sent_at.is_not(None))
        .subquery()
    )
    # Messages are numbered as they are stored: an answer is stored after the broadcast.
    answers = conn.execute(
        sa.select(m.c.contact_id, m.c.content)
        .select_from(m.join(reached, reached.c.contact_id == m.c.contact_id))
        .where(m.c.direction == "in", m.c.id > reached.c.message_id)
    ).all()
    replied = {int(contact) for contact, _ in answers}
    taps = sum(1 for _, content in answers if _tapped(content, quick_reply_payloads))
    opted_out = 0
    if broadcast.started_at is not None:
        opted_out = int(
            conn.execute(
                sa.select(sa.func.count(sa.distinct(consent_events.c.contact_id)))
                .select_from(consent_events.join(r, r.c.contact_id == consent_events.c.contact_id))
                .where(
                    mine,
                    r.c.state == "queued",
                    consent_events.c.action == "opt_out",
                    consent_events.c.at >= broadcast.started_at,
                )
            ).scalar()
            or 0
        )
    return Totals(
        by_status=by_status,
        by_mechanism=by_mechanism,
        excluded=excluded,
        failed=failed,
        replied=len(replied),
        quick_reply_taps=taps,
        opted_out=opted_out,
        first_sent_at=first_sent,
        last_sent_at=last_sent,
    )


def _tapped(content: Any, payloads: frozenset[str]) -> bool:
    if not payloads or not isinstance(content, dict):
        return False
    reply = content.get("quick_reply")
    return isinstance(reply, dict) and reply.get("payload") in payloads


def delete_queued(conn: Connection, message_id: int) -> None:
    """Undo a message written in this transaction (its token could not be reserved)."""
    conn.execute(outbox.delete().where(outbox.c.message_id == message_id))
    conn.execute(messages.delete().where(messages.c.id == message_id))


def cancel_queued(conn: Connection, broadcast_id: int, now: datetime) -> list[tuple[int, int]]:
    """Take back the broadcast's messages the relay has not claimed; returns the (message,
    token) pairs of those that had reserved a notification token, to give them back."""
    waiting = {
        int(row.message_id): row.token_id
        for row in conn.execute(
            sa.select(broadcast_recipients.c.message_id, broadcast_recipients.c.token_id)
            .select_from(
                broadcast_recipients.join(
                    outbox, outbox.c.message_id == broadcast_recipients.c.message_id
                )
            )
            .where(broadcast_recipients.c.broadcast_id == broadcast_id, outbox.c.state == "pending")
        )
    }
    if not waiting:
        return []
    taken = [
        int(row.message_id)
        for row in conn.execute(
            outbox.update()
            .where(outbox.c.message_id.in_(list(waiting)), outbox.c.state == "pending")
            .values(state="dead", last_error="broadcast cancelled", claimed_until=None)
            .returning(outbox.c.message_id)
        )
    ]
    if taken:
        conn.execute(
            messages.update()
            .where(messages.c.id.in_(taken), messages.c.status == "queued")
            .values(status="failed", error_reason="The broadcast was cancelled before it left.")
        )
        conn.execute(
            broadcast_recipients.update()
            .where(broadcast_recipients.c.message_id.in_(taken))
            .values(state="cancelled", reason="cancelled")
        )
    return [
        (message_id, int(token_id))
        for message_id in taken
        if (token_id := waiting[message_id]) is not None
    ]
