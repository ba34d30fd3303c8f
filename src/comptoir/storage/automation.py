"""Automation's rows: what it needs to know about one incoming message, and its state per
conversation (``automation_threads``: taken by a person, greeted, away message, flow, wait)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.storage import tables

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


def load_incoming(conn: Connection, message_ids: list[int]) -> list[Incoming]:
    """The incoming messages among ``message_ids`` (outgoing ones are left out), oldest first."""
    if not message_ids:
        return []
    m, c, p = tables.messages, tables.conversations, tables.contacts
    query = (
        sa.select(
            m.c.id,
            m.c.workspace_id,
            m.c.page_ref,
            m.c.conversation_id,
            m.c.contact_id,
            m.c.text,
            m.c.content,
            m.c.standby,
            m.c.created_at,
            c.c.status,
            c.c.thread_owner_app_id,
            p.c.first_name,
            p.c.locale,
            p.c.content.label("contact_content"),
            _T.c.taken_at,
            _T.c.taken_by,
            _T.c.greeted_at,
            _T.c.away_sent_at,
            _T.c.flow_name,
            _T.c.flow_step,
            _T.c.flow_data,
            _T.c.wait_until,
            _C.c.contact_id.label("data_contact_id"),
            _C.c.fields,
            _C.c.labels,
            _C.c.consents,
        )
        .join(c, c.c.id == m.c.conversation_id)
        .join(p, p.c.id == m.c.contact_id)
        .outerjoin(_T, _T.c.conversation_id == m.c.conversation_id)
        .outerjoin(_C, _C.c.contact_id == m.c.contact_id)
        .where(m.c.id.in_(message_ids), m.c.direction == "in")
        .order_by(m.c.id)
    )
    found = []
    for row in conn.execute(query):
        found.append(
            Incoming(
                message_id=row.id,
                workspace_id=row.workspace_id,
                page_ref=row.page_ref,
                conversation_id=row.conversation_id,
                contact_id=row.contact_id,
                text=row.text,
                content=dict(row.content or {}),
                standby=bool(row.standby),
                created_at=row.created_at,
                conversation_status=row.status,
                thread_owner_app_id=row.thread_owner_app_id,
                first_name=row.first_name or "",
                locale=row.locale,
                contact_content=dict(row.contact_content or {}),
                thread=ThreadState(
                    conversation_id=row.conversation_id,
                    taken_at=row.taken_at,
                    taken_by=row.taken_by or "",
                    greeted_at=row.greeted_at,
                    away_sent_at=row.away_sent_at,
                    flow_name=row.flow_name,
                    flow_step=row.flow_step,
                    flow_data=dict(row.flow_data) if row.flow_data is not None else None,
                    wait_until=row.wait_until,
                ),
                contact_data=_contact_data(row)
                if row.data_contact_id is not None
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
