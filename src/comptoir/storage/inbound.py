"""Messages as the webhook intake writes them: inbound messages, echoes, receipts, edits.

Deduplication by the unique key (page_ref, mid); statuses only move forward
(queued -> sent -> delivered -> read): a late or replayed receipt changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.storage.bulk import Bulk, columns
from comptoir.storage.tables import messages, outgoing_webhooks

#: Longest mid the column holds.
MAX_MID_LENGTH = 255
#: Statuses a delivery receipt may move to ``delivered``, and a read receipt to ``read``.
DELIVERABLE = ("sent",)
READABLE = ("sent", "delivered")
#: Statuses an echo proves wrong: the message did leave.
NOT_YET_SENT = ("queued", "sending", "failed")


_MESSAGE_COLUMNS = columns(
    messages,
    "workspace_id",
    "page_ref",
    "conversation_id",
    "contact_id",
    "direction",
    "author_kind",
    "author_name",
    "mid",
    "text",
    "content",
    "status",
    "created_at",
    "sent_at",
    "standby",
)


def insert_messages(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[int | None]:
    """Insert message rows (the keys of ``_MESSAGE_COLUMNS``); a row whose (page_ref, mid)
    exists is skipped. Returns, for each row in order, the new id or None when it was a
    duplicate."""
    ids: list[int | None] = [None] * len(rows)
    with_mid = [i for i, row in enumerate(rows) if row.get("mid")]
    if with_mid:
        bulk = Bulk(conn)
        time, json = bulk.time, bulk.json
        values = [
            (
                row["workspace_id"],
                row["page_ref"],
                row["conversation_id"],
                row["contact_id"],
                row["direction"],
                row["author_kind"],
                row["author_name"],
                row["mid"],
                row["text"],
                json(row["content"]),
                row["status"],
                time(row["created_at"]),
                time(row["sent_at"]),
                row["standby"],
            )
            for row in (rows[i] for i in with_mid)
        ]
        new_ids = bulk.insert(messages.name, _MESSAGE_COLUMNS, values, key=("page_ref", "mid"))
        for i, message_id in zip(with_mid, new_ids, strict=True):
            ids[i] = message_id
    for i, row in enumerate(rows):
        if not row.get("mid"):
            key = conn.execute(messages.insert().values(**row)).inserted_primary_key
            assert key is not None
            ids[i] = int(key[0])
    return ids


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: int
    page_ref: int
    mid: str | None
    direction: str
    status: str
    text: str | None
    content: dict[str, Any]
    created_at: datetime
    sent_at: datetime | None


_STORED = (
    messages.c.id,
    messages.c.page_ref,
    messages.c.mid,
    messages.c.direction,
    messages.c.status,
    messages.c.text,
    messages.c.content,
    messages.c.created_at,
    messages.c.sent_at,
)


def _stored(row: Any) -> StoredMessage:
    return StoredMessage(
        id=int(row.id),
        page_ref=int(row.page_ref),
        mid=row.mid,
        direction=str(row.direction),
        status=str(row.status),
        text=row.text,
        content=dict(row.content or {}),
        created_at=row.created_at,
        sent_at=row.sent_at,
    )


def messages_by_mid(
    conn: Connection, page_ref: int, mids: Iterable[str]
) -> dict[str, StoredMessage]:
    wanted = set(mids)
    if not wanted:
        return {}
    result = conn.execute(
        sa.select(*_STORED).where(messages.c.page_ref == page_ref, messages.c.mid.in_(wanted))
    )
    return {str(row.mid): _stored(row) for row in result}


def message_by_id(conn: Connection, page_ref: int, message_id: int) -> StoredMessage | None:
    row = conn.execute(
        sa.select(*_STORED).where(messages.c.id == message_id, messages.c.page_ref == page_ref)
    ).first()
    return _stored(row) if row else None


def update_message(conn: Connection, message_id: int, **values: Any) -> None:
    conn.execute(messages.update().where(messages.c.id == message_id).values(**values))


def apply_delivery(
    conn: Connection, page_ref: int, contact_id: int, watermark: datetime, mids: Sequence[str]
) -> list[int]:
    """A delivery receipt: the listed mids, and every message sent to the contact up to the
    watermark, become ``delivered``. Returns the ids that changed."""
    changed: list[int] = []
    if mids:
        changed += _returning_ids(
            conn,
            messages.update()
            .where(
                messages.c.page_ref == page_ref,
                messages.c.mid.in_(list(mids)),
                messages.c.direction == "out",
                messages.c.status.in_(DELIVERABLE),
            )
            .values(status="delivered", delivered_at=watermark),
        )
    changed += _returning_ids(
        conn,
        messages.update()
        .where(
            messages.c.contact_id == contact_id,
            messages.c.direction == "out",
            messages.c.status.in_(DELIVERABLE),
            messages.c.sent_at <= watermark,
        )
        .values(status="delivered", delivered_at=watermark),
    )
    return changed


def apply_read(conn: Connection, contact_id: int, watermark: datetime) -> list[int]:
    """A read receipt: every message sent to the contact up to the watermark becomes
    ``read`` (and delivered, if that receipt never came). Returns the ids that changed."""
    return _returning_ids(
        conn,
        messages.update()
        .where(
            messages.c.contact_id == contact_id,
            messages.c.direction == "out",
            messages.c.status.in_(READABLE),
            messages.c.sent_at <= watermark,
        )
        .values(
            status="read",
            read_at=watermark,
            delivered_at=sa.func.coalesce(messages.c.delivered_at, watermark),
        ),
    )


def mark_sent_from_echo(
    conn: Connection, page_ref: int, message_id: int, mid: str, at: datetime
) -> tuple[bool, bool]:
    """The echo of our message ``message_id`` came back with ``mid``: it left, whatever the
    relay recorded. Returns (the message exists here, something changed)."""
    stored = message_by_id(conn, page_ref, message_id)
    if stored is None or stored.direction != "out":
        return False, False
    values: dict[str, Any] = {}
    if stored.status in NOT_YET_SENT:
        values.update(
            status="sent",
            sent_at=stored.sent_at or at,
            error_code=None,
            error_subcode=None,
            error_reason=None,
        )
    if stored.mid is None:
        taken = conn.execute(
            sa.select(messages.c.id).where(messages.c.page_ref == page_ref, messages.c.mid == mid)
        ).first()
        if taken is None:
            values["mid"] = mid
    if values:
        update_message(conn, message_id, **values)
    return True, bool(values)


def _returning_ids(conn: Connection, statement: sa.Update) -> list[int]:
    return [int(row[0]) for row in conn.execute(statement.returning(messages.c.id))]


def wanted_outgoing_events(conn: Connection, workspace_id: int) -> set[str]:
    """The events the workspace's active outgoing webhook endpoints subscribe to (read on
    the intake's hot path, hence the plain query)."""
    bulk = Bulk(conn)
    sql = (
        f"SELECT events FROM {outgoing_webhooks.name} "  # noqa: S608 (no input in it)
        f"WHERE workspace_id = {bulk.slot('int')} AND active"
    )
    wanted: set[str] = set()
    for (events,) in bulk.query(sql, (workspace_id,), ("events",)):
        names = json.loads(events) if isinstance(events, str) else events
        wanted.update(str(name) for name in names or ())
    return wanted
