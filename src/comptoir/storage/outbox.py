"""The outbox: what the relay claims, and how it records each send's result.

A row is ``pending`` until a relay claims it (``sending``, with ``claimed_until`` and its own
``claim_token``), then ``done`` (sent, or nothing left to send) or ``dead`` (refused or failed
for good). Claiming is one statement on both backends, so two relays, in one process or in
several, never hold the same row at once:

* PostgreSQL: ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING``;
* SQLite: the same ``UPDATE ... RETURNING`` without the lock clause; SQLite runs one writer
  at a time, so the statement sees and takes the rows atomically.

A row still ``sending`` after its claim expired belonged to a relay that died mid-send: the
claim marks it ``unknown_since`` so the relay checks for the echo before sending it again.
Every result is written only under the claim that took the row (``claim_token``), so a relay
whose claim was lost cannot overwrite a newer one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.domain.policy_model import NotificationToken
from comptoir.storage.bulk import Bulk
from comptoir.storage.outbound import OutboundRow, SendTarget
from comptoir.storage.tables import contacts, conversations, messages, outbox, pages
from comptoir.storage.tokens import intent_tokens
from comptoir.storage.types import UTCDateTime

#: Statuses of an outgoing message that mean Meta has it (set by the relay or by the echo).
DELIVERED_TO_META = ("sent", "delivered", "read")


@dataclass(frozen=True, slots=True)
class ClaimedSend:
    """A claimed outbox row with what the relay needs to re-check the policy and send it."""

    outbox_id: int
    message_id: int
    claim_token: str
    priority: int
    attempts: int
    resends: int
    request: dict[str, Any]
    intent: dict[str, Any]
    unknown_since: datetime | None
    # the message
    workspace_id: int
    conversation_id: int
    contact_id: int
    message_status: str
    message_mid: str | None
    # the person and the conversation (policy state)
    psid: str
    last_user_message_at: datetime | None
    last_qualifying_action_at: datetime | None
    window_seconds: int
    blocked_at: datetime | None
    thread_owner_app_id: str | None
    # the Page
    page_ref: int
    page_id: str
    app_id: str
    timezone: str
    human_agent_enabled: bool
    utility_enabled: bool
    one_time_notif_enabled: bool
    restricted_until: datetime | None
    access_token_sealed: str
    #: The notification token the message goes with (``intent.token``), as it was before
    #: it was reserved for this message (``storage.tokens``).
    tokens: tuple[NotificationToken, ...] = ()

    @property
    def already_sent(self) -> bool:
        """The echo (or an earlier claim) already recorded the message as sent."""
        return self.message_status in DELIVERED_TO_META

    @property
    def media(self) -> bool:
        """Audio and video count against Meta's 10/s limit instead of 300/s."""
        message = self.request.get("message")
        if not isinstance(message, dict):
            return False
        attachment = message.get("attachment")
        return isinstance(attachment, dict) and attachment.get("type") in ("audio", "video")


#: What a claim carries of the send target (the rest comes from the outbox row).
_TARGET_FIELDS = tuple(item.name for item in fields(SendTarget) if item.name != "conversation_id")


def handed_over(target: SendTarget, row: OutboundRow, token: str) -> ClaimedSend:
    """A live row just written under ``token`` (``insert_outbound(claim=...)``), as
    ``claim_due`` would have loaded it: nothing to read back."""
    return ClaimedSend(
        outbox_id=row.outbox_id,
        message_id=row.message_id,
        claim_token=token,
        priority=0,
        attempts=0,
        resends=0,
        request=row.request,
        intent=row.intent,
        unknown_since=None,
        conversation_id=row.conversation_id,
        message_status="queued",
        message_mid=None,
        **{name: getattr(target, name) for name in _TARGET_FIELDS},
    )


def _due(now: datetime) -> Any:
    return sa.or_(
        sa.and_(outbox.c.state == "pending", outbox.c.available_at <= now),
        sa.and_(outbox.c.state == "sending", outbox.c.claimed_until < now),
    )


def claim_due(
    conn: Connection, *, now: datetime, lease: timedelta, limit: int, token: str
) -> list[ClaimedSend]:
    """Claim up to ``limit`` due rows, live (priority 0) before bulk, oldest first."""
    if limit <= 0:
        return []
    candidates = (
        sa.select(outbox.c.id)
        .where(_due(now))
        .order_by(outbox.c.priority, outbox.c.available_at, outbox.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    statement = (
        outbox.update()
        .where(outbox.c.id.in_(candidates.scalar_subquery()))
        .values(
            state="sending",
            claimed_until=now + lease,
            claim_token=token,
            # Still "sending" here means the relay that held it died mid-send. A bulk row
            # carries its own mark, set just before its call (``mark_calling``): without it,
            # the call never started.
            unknown_since=sa.case(
                (
                    sa.and_(outbox.c.state == "sending", outbox.c.priority == 0),
                    sa.literal(now, UTCDateTime),
                ),
                else_=outbox.c.unknown_since,
            ),
        )
        .returning(outbox.c.id)
    )
    claimed = [int(row[0]) for row in conn.execute(statement)]
    if not claimed:
        return []
    return load_claimed(conn, claimed, token)


def load_claimed(conn: Connection, outbox_ids: list[int], token: str) -> list[ClaimedSend]:
    """The claimed rows with their message, contact, conversation and Page."""
    query = (
        sa.select(
            outbox.c.id.label("outbox_id"),
            outbox.c.message_id,
            outbox.c.claim_token,
            outbox.c.priority,
            outbox.c.attempts,
            outbox.c.resends,
            outbox.c.request,
            outbox.c.intent,
            outbox.c.unknown_since,
            messages.c.workspace_id,
            messages.c.conversation_id,
            messages.c.contact_id,
            messages.c.status.label("message_status"),
            messages.c.mid.label("message_mid"),
            contacts.c.psid,
            contacts.c.last_user_message_at,
            contacts.c.last_qualifying_action_at,
            contacts.c.window_seconds,
            contacts.c.blocked_at,
            conversations.c.thread_owner_app_id,
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
        .select_from(
            outbox.join(messages, messages.c.id == outbox.c.message_id)
            .join(contacts, contacts.c.id == messages.c.contact_id)
            .join(conversations, conversations.c.id == messages.c.conversation_id)
            .join(pages, pages.c.id == outbox.c.page_ref)
        )
        .where(outbox.c.id.in_(outbox_ids), outbox.c.claim_token == token)
        .order_by(outbox.c.priority, outbox.c.available_at, outbox.c.id)
    )
    found = []
    for row in conn.execute(query):
        values = dict(row._mapping)
        values["request"] = dict(values["request"] or {})
        values["intent"] = dict(values["intent"] or {})
        found.append(ClaimedSend(**values))
    if any(claim.intent.get("token") for claim in found):
        found = intent_tokens(conn, found)
    return found


def mark_calling(conn: Connection, claims: list[tuple[int, str]], now: datetime) -> None:
    """Bulk rows whose Send API call starts now (``(outbox id, claim token)``): if the relay
    dies before recording the answer, they come back as unknown outcomes."""
    by_token: dict[str, list[int]] = {}
    for outbox_id, token in claims:
        by_token.setdefault(token, []).append(outbox_id)
    _lock_in_order(conn, [outbox_id for outbox_id, _ in claims])
    for token, ids in by_token.items():
        conn.execute(
            outbox.update()
            .where(outbox.c.id.in_(ids), outbox.c.claim_token == token)
            .values(unknown_since=now)
        )


def _lock_in_order(conn: Connection, outbox_ids: list[int]) -> None:
    """PostgreSQL: lock the rows in id order first, so two statements over overlapping
    rows (the heartbeat, the call marks) wait for each other instead of deadlocking."""
    if conn.dialect.name == "postgresql" and outbox_ids:
        conn.execute(
            sa.select(outbox.c.id)
            .where(outbox.c.id.in_(outbox_ids))
            .order_by(outbox.c.id)
            .with_for_update()
        ).all()


def extend_claims(conn: Connection, token: str, outbox_ids: list[int], until: datetime) -> int:
    """Keep rows still in flight claimed (the relay's heartbeat); returns how many it kept."""
    if not outbox_ids:
        return 0
    _lock_in_order(conn, outbox_ids)
    result = conn.execute(
        outbox.update()
        .where(
            outbox.c.id.in_(outbox_ids),
            outbox.c.claim_token == token,
            outbox.c.state == "sending",
        )
        .values(claimed_until=until)
    )
    return int(result.rowcount or 0)


def _own(claim: ClaimedSend) -> Any:
    return sa.and_(outbox.c.id == claim.outbox_id, outbox.c.claim_token == claim.claim_token)


_MID_TAKEN = "SELECT id FROM messages WHERE page_ref = {int} AND mid = {text} AND id <> {int}"
_MESSAGE_SENT = (
    "UPDATE messages SET status = 'sent', mid = coalesce(mid, {text}), "
    "sent_at = coalesce(sent_at, {time}), messaging_type = {text}, tag = {text}, "
    "error_code = NULL, error_subcode = NULL, error_reason = NULL "
    "WHERE id = {int} AND status = 'queued'"
)
_MESSAGE_MID = "UPDATE messages SET mid = {text} WHERE id = {int} AND mid IS NULL"
_OUTBOX_DONE = (
    "UPDATE outbox SET state = 'done', claimed_until = NULL, last_error = NULL, "
    "attempts = attempts + {int}, resends = resends + {int} "
    "WHERE id = {int} AND claim_token = {text}"
)


def record_sent(
    conn: Connection,
    claim: ClaimedSend,
    *,
    mid: str | None,
    now: datetime,
    messaging_type: str | None,
    tag: str | None,
    called: bool,
) -> bool:
    """Meta accepted the message (or the echo says it did); returns whether its status moved.

    The status only moves forward: an echo and a delivery receipt may have been stored
    before the relay's own answer. The statements go straight to the driver (one of these
    per message sent).
    """
    bulk = Bulk(conn)
    if mid is not None:
        taken = bulk.rows(bulk.sql(_MID_TAKEN), (claim.page_ref, mid, claim.message_id))
        if taken:  # stored apart from us (an echo we could not match): keep ours
            mid = None
    moved = bool(
        bulk.execute(
            bulk.sql(_MESSAGE_SENT),
            (mid, bulk.time(now), messaging_type, tag, claim.message_id),
        )
    )
    if not moved and mid is not None:
        bulk.execute(bulk.sql(_MESSAGE_MID), (mid, claim.message_id))
    bulk.execute(
        bulk.sql(_OUTBOX_DONE),
        (
            1 if called else 0,
            1 if called and claim.unknown_since else 0,
            claim.outbox_id,
            claim.claim_token,
        ),
    )
    return moved


def record_retry(
    conn: Connection,
    claim: ClaimedSend,
    *,
    available_at: datetime,
    error: str,
    called: bool,
    unknown_since: datetime | None,
) -> None:
    """Put the row back for a later try (back-off, or waiting for an echo)."""
    conn.execute(
        outbox.update()
        .where(_own(claim))
        .values(
            state="pending",
            available_at=available_at,
            claimed_until=None,
            last_error=error[:2000],
            unknown_since=unknown_since,
            attempts=outbox.c.attempts + (1 if called else 0),
            resends=outbox.c.resends + (1 if called and claim.unknown_since else 0),
        )
    )


def record_failed(
    conn: Connection,
    claim: ClaimedSend,
    *,
    now: datetime,
    reason: str,
    code: int | None,
    subcode: int | None,
    called: bool,
    block_contact: bool = False,
) -> bool:
    """The message will not go: mark it failed (unless already sent) and the row dead."""
    result = conn.execute(
        messages.update()
        .where(messages.c.id == claim.message_id, messages.c.status == "queued")
        .values(status="failed", error_code=code, error_subcode=subcode, error_reason=reason)
    )
    if block_contact:
        conn.execute(
            contacts.update()
            .where(contacts.c.id == claim.contact_id, contacts.c.blocked_at.is_(None))
            .values(blocked_at=now)
        )
    conn.execute(
        outbox.update()
        .where(_own(claim))
        .values(
            state="dead",
            claimed_until=None,
            last_error=reason[:2000],
            attempts=outbox.c.attempts + (1 if called else 0),
            resends=outbox.c.resends + (1 if called and claim.unknown_since else 0),
        )
    )
    return bool(result.rowcount)


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int
    sending: int
    done: int
    dead: int
    resends: int


def counts(conn: Connection) -> OutboxCounts:
    """Rows by state and the total of re-sends after unknown outcomes (for reports, tests)."""
    by_state: dict[str, int] = dict(
        conn.execute(sa.select(outbox.c.state, sa.func.count()).group_by(outbox.c.state)).all()
    )
    resends = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(outbox.c.resends), 0))).scalar()
    return OutboxCounts(
        pending=int(by_state.get("pending", 0)),
        sending=int(by_state.get("sending", 0)),
        done=int(by_state.get("done", 0)),
        dead=int(by_state.get("dead", 0)),
        resends=int(resends or 0),
    )
