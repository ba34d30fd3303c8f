"""Automation's rows: what it needs to know about one incoming message, and its state per
conversation (``automation_threads``: taken by a person, greeted, away message, flow, wait)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.storage import tables
from comptoir.storage.bulk import Bulk

__all__ = [
    "ContactData",
    "Incoming",
    "ThreadState",
    "due_waits",
    "load_contact_data",
    "load_incoming",
    "load_referral",
    "load_thread",
    "save_contact_data",
    "update_thread",
]


@dataclass(frozen=True, slots=True)
class ThreadState:
    conversation_id: int
    taken_at: datetime | None = None
    taken_by: str = ""
    greeted_at: datetime | None = None
    away_sent_at: datetime | None = None
    flow_name: str | None = None
    flow_step: str | None = None
    flow_data: dict[str, Any] | None = None
    wait_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class ContactData:
    fields: dict[str, str]
    labels: frozenset[str]
    consents: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Incoming:
    """One customer message (or postback) with its conversation, contact and Page."""

    message_id: int
    workspace_id: int
    page_ref: int
    conversation_id: int
    contact_id: int
    text: str | None
    content: dict[str, Any]
    standby: bool
    created_at: datetime
    conversation_status: str
    thread_owner_app_id: str | None
    first_name: str
    locale: str | None
    contact_content: dict[str, Any]
    thread: ThreadState
    #: What flows gathered about the contact, read with the message (None: not read).
    contact_data: ContactData | None = None


_T = tables.automation_threads
_C = tables.automation_contacts


#: ``load_incoming``'s query, in the driver's own terms (run for every incoming message).
_INCOMING_COLUMNS = (
    "m_id",
    "workspace_id",
    "page_ref",
    "conversation_id",
    "contact_id",
    "m_text",
    "m_content",
    "standby",
    "created_at",
    "status",
    "thread_owner_app_id",
    "first_name",
    "locale",
    "contact_content",
    "taken_at",
    "taken_by",
    "greeted_at",
    "away_sent_at",
    "flow_name",
    "flow_step",
    "flow_data",
    "wait_until",
    "data_contact_id",
    "fields",
    "labels",
    "consents",
)
_INCOMING = (
    "SELECT m.id AS m_id, m.workspace_id, m.page_ref, m.conversation_id, m.contact_id, "
    "m.text AS m_text, m.content AS m_content, m.standby, m.created_at, c.status, "
    "c.thread_owner_app_id, p.first_name, p.locale, p.content AS contact_content, "
    "t.taken_at, t.taken_by, t.greeted_at, t.away_sent_at, t.flow_name, t.flow_step, "
    "t.flow_data, t.wait_until, d.contact_id AS data_contact_id, d.fields, d.labels, "
    "d.consents "
    "FROM messages AS m JOIN conversations AS c ON c.id = m.conversation_id "
    "JOIN contacts AS p ON p.id = m.contact_id "
    "LEFT OUTER JOIN automation_threads AS t ON t.conversation_id = m.conversation_id "
    "LEFT OUTER JOIN automation_contacts AS d ON d.contact_id = m.contact_id "
    "WHERE m.id {among} AND m.direction = 'in' ORDER BY m.id"
)


def _json(value: Any) -> Any:
    """A JSON column as read through ``Bulk.query`` (text on SQLite, decoded on PostgreSQL)."""
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


def load_incoming(conn: Connection, message_ids: list[int]) -> list[Incoming]:
    """The incoming messages among ``message_ids`` (outgoing ones are left out), oldest first."""
    if not message_ids:
        return []
    bulk = Bulk(conn)
    time = bulk.read_time
    found = []
    rows = bulk.query(
        _INCOMING.format(among=bulk.among("int")), (bulk.listed(message_ids),), _INCOMING_COLUMNS
    )
    for row in rows:
        values = dict(zip(_INCOMING_COLUMNS, row, strict=True))
        flow_data = _json(values["flow_data"])
        created_at = time(values["created_at"])
        assert created_at is not None
        found.append(
            Incoming(
                message_id=int(values["m_id"]),
                workspace_id=int(values["workspace_id"]),
                page_ref=int(values["page_ref"]),
                conversation_id=int(values["conversation_id"]),
                contact_id=int(values["contact_id"]),
                text=values["m_text"],
                content=dict(_json(values["m_content"]) or {}),
                standby=bool(values["standby"]),
                created_at=created_at,
                conversation_status=values["status"],
                thread_owner_app_id=values["thread_owner_app_id"],
                first_name=values["first_name"] or "",
                locale=values["locale"],
                contact_content=dict(_json(values["contact_content"]) or {}),
                thread=ThreadState(
                    conversation_id=int(values["conversation_id"]),
                    taken_at=time(values["taken_at"]),
                    taken_by=values["taken_by"] or "",
                    greeted_at=time(values["greeted_at"]),
                    away_sent_at=time(values["away_sent_at"]),
                    flow_name=values["flow_name"],
                    flow_step=values["flow_step"],
                    flow_data=dict(flow_data) if flow_data is not None else None,
                    wait_until=time(values["wait_until"]),
                ),
                contact_data=ContactData(
                    dict(_json(values["fields"]) or {}),
                    frozenset(_json(values["labels"]) or ()),
                    tuple(_json(values["consents"]) or ()),
                )
                if values["data_contact_id"] is not None
                else ContactData({}, frozenset()),
            )
        )
    return found


def load_thread(conn: Connection, conversation_id: int) -> ThreadState:
    row = conn.execute(sa.select(_T).where(_T.c.conversation_id == conversation_id)).first()
    if row is None:
        return ThreadState(conversation_id)
    return ThreadState(
        conversation_id=row.conversation_id,
        taken_at=row.taken_at,
        taken_by=row.taken_by or "",
        greeted_at=row.greeted_at,
        away_sent_at=row.away_sent_at,
        flow_name=row.flow_name,
        flow_step=row.flow_step,
        flow_data=dict(row.flow_data or {}),
        wait_until=row.wait_until,
    )


def update_thread(conn: Connection, conversation_id: int, now: datetime, **values: Any) -> None:
    """Set ``values`` on the conversation's automation row, creating it when missing."""
    changed = conn.execute(
        sa.update(_T)
        .where(_T.c.conversation_id == conversation_id)
        .values(updated_at=now, **values)
    )
    if changed.rowcount == 0:
        values.setdefault("flow_data", {})
        conn.execute(
            sa.insert(_T).values(conversation_id=conversation_id, updated_at=now, **values)
        )


def due_waits(conn: Connection, now: datetime, limit: int = 100) -> list[int]:
    """Conversations whose flow wait is due (not taken by a person), oldest first."""
    query = (
        sa.select(_T.c.conversation_id)
        .where(_T.c.wait_until.is_not(None), _T.c.wait_until <= now, _T.c.taken_at.is_(None))
        .order_by(_T.c.wait_until)
        .limit(limit)
    )
    return [row.conversation_id for row in conn.execute(query)]


# ---- what flows gathered about a contact ---------------------------------------------------


def load_contact_data(conn: Connection, contact_id: int) -> ContactData:
    row = conn.execute(sa.select(_C).where(_C.c.contact_id == contact_id)).first()
    if row is None:
        return ContactData({}, frozenset())
    return _contact_data(row)


def _contact_data(row: Any) -> ContactData:
    return ContactData(
        dict(row.fields or {}), frozenset(row.labels or ()), tuple(row.consents or ())
    )


def save_contact_data(conn: Connection, contact_id: int, data: ContactData, now: datetime) -> None:
    values = {
        "fields": dict(data.fields),
        "labels": sorted(data.labels),
        "consents": list(data.consents),
        "updated_at": now,
    }
    changed = conn.execute(sa.update(_C).where(_C.c.contact_id == contact_id).values(**values))
    if changed.rowcount == 0:
        conn.execute(sa.insert(_C).values(contact_id=contact_id, **values))


def load_referral(
    conn: Connection, contact_id: int, referral: dict[str, Any], now: datetime
) -> Incoming | None:
    """A referral event (m.me link, ad) on the contact's current conversation, seen as an
    incoming event without a message; None when the contact has no open conversation."""
    c, p = tables.conversations, tables.contacts
    row = conn.execute(
        sa.select(
            c.c.id,
            c.c.workspace_id,
            c.c.page_ref,
            c.c.status,
            c.c.thread_owner_app_id,
            p.c.first_name,
            p.c.locale,
            p.c.content,
        )
        .join(p, p.c.id == c.c.contact_id)
        .where(c.c.contact_id == contact_id, c.c.status != "resolved")
        .order_by(c.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return Incoming(
        message_id=0,
        workspace_id=row.workspace_id,
        page_ref=row.page_ref,
        conversation_id=row.id,
        contact_id=contact_id,
        text=None,
        content={"referral": dict(referral)},
        standby=False,
        created_at=now,
        conversation_status=row.status,
        thread_owner_app_id=row.thread_owner_app_id,
        first_name=row.first_name or "",
        locale=row.locale,
        contact_content=dict(row.content or {}),
        thread=load_thread(conn, row.id),
    )
