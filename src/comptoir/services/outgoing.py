"""Outgoing webhooks: tell the business's own systems about new messages and status changes.

A workspace registers endpoints (a URL and the events it wants; Comptoir makes a signing
secret, shown once and kept sealed). When something happens, the service that changed the
data calls ``enqueue_outgoing`` (or ``enqueue_message_event``) inside its own transaction, so
a delivery row exists exactly when the change was committed. The worker in
``jobs/outgoing_webhooks.py`` then POSTs each row, signed::

    X-Comptoir-Event: message.received
    X-Comptoir-Delivery: 42
    X-Comptoir-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed by the secret>

and retries failures with exponential back-off until ``max_attempts``, after which the row is
``dead``. Events: ``message.received`` (a customer wrote) and ``message.status`` (an outgoing
message became sent, delivered, read or failed).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.crypto import SecretBox
from comptoir.services.resources import iso, load_message_with_contact
from comptoir.storage.tables import messages, outgoing_deliveries, outgoing_webhooks

MESSAGE_RECEIVED = "message.received"
MESSAGE_STATUS = "message.status"
#: Every event an endpoint may subscribe to.
EVENTS: tuple[str, ...] = (MESSAGE_RECEIVED, MESSAGE_STATUS)

SIGNATURE_HEADER = "X-Comptoir-Signature"
EVENT_HEADER = "X-Comptoir-Event"
DELIVERY_HEADER = "X-Comptoir-Delivery"


class OutgoingWebhookError(ValueError):
    """An endpoint cannot be registered as asked; ``field`` is what is wrong, the message why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: int
    workspace_id: int
    url: str
    events: tuple[str, ...]
    active: bool
    created_at: datetime

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "events": list(self.events),
            "active": self.active,
            "created_at": iso(self.created_at),
        }


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often a failed delivery is tried again: ``first_delay * 2**(n-1)``, capped."""

    max_attempts: int = 8
    first_delay: timedelta = timedelta(seconds=10)
    max_delay: timedelta = timedelta(hours=1)

    def delay_after(self, attempts: int) -> timedelta:
        """The wait before the next try, after ``attempts`` failed tries (1 or more)."""
        factor = 1 << max(0, min(attempts - 1, 30))
        return min(self.first_delay * factor, self.max_delay)


def sign(secret: str, body: bytes) -> str:
    """The ``X-Comptoir-Signature`` value for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does: compare in constant time over the exact bytes received."""
    return hmac.compare_digest(sign(secret, body), header.strip())


def check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutgoingWebhookError("url", "url must be an absolute http:// or https:// URL")
    if len(url) > 2000:
        raise OutgoingWebhookError("url", "url must be at most 2000 characters long")
    return url.strip()


def check_events(events: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    if events is None:
        return EVENTS
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise OutgoingWebhookError(
            "events", f"unknown event(s): {', '.join(unknown)}; known events: {', '.join(EVENTS)}"
        )
    if not events:
        raise OutgoingWebhookError("events", "events must name at least one event")
    return tuple(event for event in EVENTS if event in events)


def _endpoint(row: Any) -> Endpoint:
    m = row._mapping
    return Endpoint(
        id=int(m["id"]),
        workspace_id=int(m["workspace_id"]),
        url=m["url"],
        events=tuple(m["events"]),
        active=bool(m["active"]),
        created_at=m["created_at"],
    )


_ENDPOINT_COLUMNS = [
    outgoing_webhooks.c.id,
    outgoing_webhooks.c.workspace_id,
    outgoing_webhooks.c.url,
    outgoing_webhooks.c.events,
    outgoing_webhooks.c.active,
    outgoing_webhooks.c.created_at,
]


def create_endpoint(
    conn: Connection,
    box: SecretBox,
    *,
    workspace_id: int,
    url: str,
    events: list[str] | tuple[str, ...] | None,
    now: datetime,
) -> tuple[Endpoint, str]:
    """Register an endpoint; returns it and its signing secret (shown once, stored sealed)."""
    url = check_url(url)
    chosen = check_events(events)
    secret = "whsec_" + secrets.token_urlsafe(32)
    result = conn.execute(
        outgoing_webhooks.insert().values(
            workspace_id=workspace_id,
            url=url,
            secret_sealed=box.seal(secret),
            events=list(chosen),
            active=True,
            created_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    endpoint = get_endpoint(conn, workspace_id, int(key[0]))
    assert endpoint is not None
    return endpoint, secret


def list_endpoints(conn: Connection, workspace_id: int) -> list[Endpoint]:
    rows = conn.execute(
        sa.select(*_ENDPOINT_COLUMNS)
        .where(outgoing_webhooks.c.workspace_id == workspace_id, outgoing_webhooks.c.active)
        .order_by(outgoing_webhooks.c.id)
    )
    return [_endpoint(row) for row in rows]


def workspaces_listening(conn: Connection, event: str, workspace_ids: set[int]) -> set[int]:
    """Which of ``workspace_ids`` have an active endpoint that wants ``event`` (one query
    for a whole batch of changes, most of which nobody listens to)."""
    if not workspace_ids:
        return set()
    rows = conn.execute(
        sa.select(outgoing_webhooks.c.workspace_id, outgoing_webhooks.c.events).where(
            outgoing_webhooks.c.workspace_id.in_(sorted(workspace_ids)),
            outgoing_webhooks.c.active,
        )
    )
    return {int(row.workspace_id) for row in rows if event in (row.events or ())}


def get_endpoint(conn: Connection, workspace_id: int, endpoint_id: int) -> Endpoint | None:
    row = conn.execute(
        sa.select(*_ENDPOINT_COLUMNS).where(
            outgoing_webhooks.c.id == endpoint_id,
            outgoing_webhooks.c.workspace_id == workspace_id,
            outgoing_webhooks.c.active,
        )
    ).first()
    return _endpoint(row) if row else None


def deactivate_endpoint(conn: Connection, workspace_id: int, endpoint_id: int) -> bool:
    """Stop sending to an endpoint (its past deliveries stay for the record)."""
    result = conn.execute(
        outgoing_webhooks.update()
        .where(
            outgoing_webhooks.c.id == endpoint_id,
            outgoing_webhooks.c.workspace_id == workspace_id,
            outgoing_webhooks.c.active,
        )
        .values(active=False)
    )
    return result.rowcount > 0


def enqueue_outgoing(
    conn: Connection, workspace_id: int, event: str, payload: dict[str, Any], *, now: datetime
) -> int:
    """Queue ``event`` for every active endpoint of the workspace that wants it.

    Call it inside the transaction that made the change, so the delivery exists exactly when
    the change does. Returns how many deliveries were queued (0 without endpoints).
    """
    if event not in EVENTS:
        raise ValueError(f"unknown outgoing webhook event {event!r}")
    endpoints = [
        endpoint for endpoint in list_endpoints(conn, workspace_id) if event in endpoint.events
    ]
    if not endpoints:
        return 0
    conn.execute(
        outgoing_deliveries.insert(),
        [
            {
                "endpoint_id": endpoint.id,
                "event": event,
                "payload": payload,
                "state": "pending",
                "attempts": 0,
                "available_at": now,
                "created_at": now,
            }
            for endpoint in endpoints
        ],
    )
    return len(endpoints)


def enqueue_message_event(conn: Connection, event: str, message_id: int, *, now: datetime) -> int:
    """Queue ``message.received`` or ``message.status`` for a stored message.

    The payload is ``{"message": <message resource>, "contact": <contact resource>}``, the
    same shapes as the REST API. Call it inside the transaction that wrote the change.
    """
    workspace_id = conn.execute(
        sa.select(messages.c.workspace_id).where(messages.c.id == message_id)
    ).scalar()
    if workspace_id is None or not any(
        event in endpoint.events for endpoint in list_endpoints(conn, workspace_id)
    ):
        return 0  # nobody listens: no need to build the payload
    loaded = load_message_with_contact(conn, message_id)
    if loaded is None:
        return 0
    message, contact, workspace_id = loaded
    return enqueue_outgoing(
        conn, workspace_id, event, {"message": message, "contact": contact}, now=now
    )


# -- what the worker uses -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A claimed delivery, ready to POST: the body is the exact bytes that are signed."""

    id: int
    endpoint_id: int
    event: str
    url: str
    secret: str
    body: bytes
    attempts: int

    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            EVENT_HEADER: self.event,
            DELIVERY_HEADER: str(self.id),
            SIGNATURE_HEADER: sign(self.secret, self.body),
        }

    def __repr__(self) -> str:
        return f"DueDelivery(id={self.id}, endpoint_id={self.endpoint_id}, event={self.event})"


def delivery_body(delivery_id: int, event: str, created_at: datetime, payload: Any) -> bytes:
    envelope = {
        "id": delivery_id,
        "event": event,
        "created_at": iso(created_at),
        "data": payload,
    }
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def claim_due(
    conn: Connection, box: SecretBox, *, now: datetime, limit: int, lease: timedelta
) -> list[DueDelivery]:
    """Claim up to ``limit`` due deliveries for ``lease`` (a crashed worker's claim expires).

    A claim counts as an attempt. Deliveries whose endpoint was removed are dropped (dead).
    """
    rows = conn.execute(
        sa.select(
            outgoing_deliveries.c.id,
            outgoing_deliveries.c.endpoint_id,
            outgoing_deliveries.c.event,
            outgoing_deliveries.c.payload,
            outgoing_deliveries.c.attempts,
            outgoing_deliveries.c.created_at,
            outgoing_webhooks.c.url,
            outgoing_webhooks.c.secret_sealed,
            outgoing_webhooks.c.active,
        )
        .join(outgoing_webhooks, outgoing_webhooks.c.id == outgoing_deliveries.c.endpoint_id)
        .where(outgoing_deliveries.c.state == "pending", outgoing_deliveries.c.available_at <= now)
        .order_by(outgoing_deliveries.c.available_at, outgoing_deliveries.c.id)
        .limit(limit)
    ).all()
    claimed: list[DueDelivery] = []
    for row in rows:
        m = row._mapping
        if not m["active"]:
            conn.execute(
                outgoing_deliveries.update()
                .where(outgoing_deliveries.c.id == m["id"])
                .values(state="dead", last_error="the endpoint was removed")
            )
            continue
        taken = conn.execute(
            outgoing_deliveries.update()
            .where(
                outgoing_deliveries.c.id == m["id"],
                outgoing_deliveries.c.state == "pending",
                outgoing_deliveries.c.available_at <= now,
            )
            .values(available_at=now + lease, attempts=outgoing_deliveries.c.attempts + 1)
        )
        if taken.rowcount != 1:  # another worker got it first
            continue
        claimed.append(
            DueDelivery(
                id=int(m["id"]),
                endpoint_id=int(m["endpoint_id"]),
                event=m["event"],
                url=m["url"],
                secret=box.open(m["secret_sealed"]),
                body=delivery_body(int(m["id"]), m["event"], m["created_at"], m["payload"]),
                attempts=int(m["attempts"]) + 1,
            )
        )
    return claimed


def record_success(conn: Connection, delivery_id: int, status: int) -> None:
    conn.execute(
        outgoing_deliveries.update()
        .where(outgoing_deliveries.c.id == delivery_id)
        .values(state="done", last_status=status, last_error=None)
    )


def record_failure(
    conn: Connection,
    delivery: DueDelivery,
    *,
    status: int | None,
    error: str,
    now: datetime,
    policy: RetryPolicy,
) -> str:
    """Schedule the next try, or give up; returns the new state (``pending`` or ``dead``)."""
    state = "dead" if delivery.attempts >= policy.max_attempts else "pending"
    values: dict[str, Any] = {"state": state, "last_status": status, "last_error": error[:500]}
    if state == "pending":
        values["available_at"] = now + policy.delay_after(delivery.attempts)
    conn.execute(
        outgoing_deliveries.update().where(outgoing_deliveries.c.id == delivery.id).values(values)
    )
    return state


def next_due_at(conn: Connection) -> datetime | None:
    """When the earliest pending delivery becomes due (None: nothing pending)."""
    value: datetime | None = conn.execute(
        sa.select(sa.func.min(outgoing_deliveries.c.available_at)).where(
            outgoing_deliveries.c.state == "pending"
        )
    ).scalar_one()
    return value
