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

from comptoir.storage.bulk import Bulk, columns
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
        target = _conversation_target(Bulk(conn), workspace_id, conversation_id)
        if target is None or (contact_id is not None and target.contact_id != contact_id):
            return None
        return target
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


#: ``find_target`` by conversation, in the driver's own terms (the sending path's hot read):
#: the columns of ``TARGET_COLUMNS``, then the conversation's id and thread owner.
_CONVERSATION_TARGET = (
    "SELECT c.workspace_id, c.id, c.psid, c.last_user_message_at, "
    "c.last_qualifying_action_at, c.window_seconds, c.blocked_at, p.id, p.page_id, p.app_id, "
    "p.timezone, p.human_agent_enabled, p.utility_enabled, p.one_time_notif_enabled, "
    "p.restricted_until, p.access_token_sealed, v.id, v.thread_owner_app_id "
    "FROM conversations AS v JOIN contacts AS c ON c.id = v.contact_id "
    "JOIN pages AS p ON p.id = c.page_ref "
    "WHERE v.id = {int} AND v.workspace_id = {int}"
)


def _conversation_target(bulk: Bulk, workspace_id: int, conversation_id: int) -> SendTarget | None:
    found = bulk.rows(bulk.sql(_CONVERSATION_TARGET), (conversation_id, workspace_id))
    if not found:
        return None
    row = found[0]
    time = bulk.read_time
    return SendTarget(
        workspace_id=int(row[0]),
        contact_id=int(row[1]),
        psid=row[2],
        last_user_message_at=time(row[3]),
        last_qualifying_action_at=time(row[4]),
        window_seconds=int(row[5]),
        blocked_at=time(row[6]),
        page_ref=int(row[7]),
        page_id=row[8],
        app_id=row[9],
        timezone=row[10],
        human_agent_enabled=bool(row[11]),
        utility_enabled=bool(row[12]),
        one_time_notif_enabled=bool(row[13]),
        restricted_until=time(row[14]),
        access_token_sealed=row[15],
        conversation_id=int(row[16]),
        thread_owner_app_id=row[17],
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
    #: The Send API request as stored (with its metadata), and the sender's intent.
    request: dict[str, Any]
    intent: dict[str, Any]
    #: The claim the outbox row was written under (None: written pending).
    claim_token: str | None = None


_MESSAGE_COLUMNS = columns(
    messages,
    "workspace_id",
    "page_ref",
    "conversation_id",
    "contact_id",
    "direction",
    "author_kind",
    "author_name",
    "text",
    "content",
    "status",
    "messaging_type",
    "tag",
    "created_at",
)
_OUTBOX_COLUMNS = columns(
    outbox,
    "message_id",
    "page_ref",
    "priority",
    "state",
    "attempts",
    "available_at",
    "claimed_until",
    "claim_token",
    "request",
    "intent",
    "resends",
    "created_at",
)
_TOUCH_CONVERSATION = (
    "UPDATE conversations SET last_activity_at = {time} WHERE id = {int} "
    "AND last_activity_at < {time}"
)


@dataclass(frozen=True, slots=True)
class Claim:
    """An outbox row written already claimed by the caller's relay (handed over at once)."""

    token: str
    until: datetime


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
    claim: Claim | None = None,
) -> OutboundRow:
    """Write the queued message and its outbox row; ``request`` gets the metadata here.

    With ``claim``, the outbox row is written ``sending`` under that claim, as
    ``outbox.claim_due`` would leave it: the caller's relay sends it without claiming it.
    The three statements go straight to the driver (the busiest write of every reply).
    """
    bulk = Bulk(conn)
    moment = bulk.time(now)
    message_id = bulk.insert_one(
        messages.name,
        _MESSAGE_COLUMNS,
        (
            target.workspace_id,
            target.page_ref,
            conversation_id,
            target.contact_id,
            "out",
            author_kind,
            author_name,
            text,
            bulk.json(content),
            "queued",
            messaging_type,
            tag,
            moment,
        ),
    )
    body = dict(request)
    if isinstance(body.get("message"), dict):
        body["message"] = {**body["message"], "metadata": metadata_for(message_id)}
    outbox_id = bulk.insert_one(
        outbox.name,
        _OUTBOX_COLUMNS,
        (
            message_id,
            target.page_ref,
            priority,
            "pending" if claim is None else "sending",
            0,
            moment,
            None if claim is None else bulk.time(claim.until),
            None if claim is None else claim.token,
            bulk.json(body),
            bulk.json(intent),
            0,
            moment,
        ),
    )
    bulk.execute(
        bulk.sql(_TOUCH_CONVERSATION),
        (moment, conversation_id, moment),
    )
    return OutboundRow(
        message_id=message_id,
        outbox_id=outbox_id,
        conversation_id=conversation_id,
        request=body,
        intent=intent,
        claim_token=None if claim is None else claim.token,
    )


def mark_contact_blocked(conn: Connection, contact_id: int, now: datetime) -> None:
    """Meta answered 551 for this person: they blocked the Page or cannot be reached."""
    conn.execute(
        contacts.update()
        .where(contacts.c.id == contact_id, contacts.c.blocked_at.is_(None))
        .values(blocked_at=now)
    )
