"""Notification tokens: stored sealed (they go back to Meta), found by their SHA-256, and
reserved for one message at a time by one conditional ``UPDATE`` (no double use, whatever
the number of senders)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.crypto import SecretBox
from comptoir.domain.policy_model import NotificationToken, TokenKind, TokenStatus
from comptoir.domain.token_limits import TokenLimits
from comptoir.storage.tables import notification_tokens
from comptoir.storage.upsert import insert_ignoring_duplicates

__all__ = [
    "NewToken",
    "StoredToken",
    "hash_token",
    "intent_tokens",
    "list_tokens",
    "release_token",
    "reserve_token",
    "resume_tokens",
    "stop_tokens",
    "store_token",
    "tokens_for",
]

ACTIVE, STOPPED, USED, EXPIRED = "active", "stopped", "used", "expired"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewToken:
    workspace_id: int
    page_ref: int
    contact_id: int
    kind: TokenKind
    token: str
    created_at: datetime
    topic: str = ""
    payload: str = ""
    frequency: str | None = None
    region: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredToken:
    """A token as stored; ``token`` is the opened value ("" when listed without the box)."""

    id: int
    page_ref: int
    contact_id: int
    kind: TokenKind
    topic: str
    payload: str
    frequency: str | None
    status: str
    region: str | None
    created_at: datetime
    expires_at: datetime | None
    stopped_at: datetime | None
    last_used_at: datetime | None
    previous_used_at: datetime | None
    reserved_message_id: int | None
    uses: int
    token: str = ""

    def policy(self, for_message_id: int | None = None) -> NotificationToken:
        """The token as the policy engine takes it (``ConversationState.tokens``). For the
        message it was reserved for, as it was before that reservation (the relay's
        re-check must not see its own reservation as a previous use)."""
        last_used = self.last_used_at
        status = self.status
        if for_message_id is not None and self.reserved_message_id == for_message_id:
            last_used = self.previous_used_at
            if status == USED:
                status = ACTIVE
        single = self.kind is TokenKind.ONE_TIME
        return NotificationToken(
            token=self.token,
            kind=self.kind,
            created_at=self.created_at,
            status=TokenStatus.STOPPED if status == STOPPED else TokenStatus.ACTIVE,
            used_at=last_used if single else None,
            last_sent_at=None if single else last_used,
            expires_at=self.expires_at,
            region=self.region,
        )


def store_token(conn: Connection, box: SecretBox, new: NewToken) -> tuple[int, bool]:
    """Stores a token from an opt-in; the same token again (a re-opt-in) is made active
    with its new details. Returns the row id and whether it was new."""
    digest = hash_token(new.token)
    values: dict[str, Any] = {
        "workspace_id": new.workspace_id,
        "page_ref": new.page_ref,
        "contact_id": new.contact_id,
        "kind": new.kind.value,
        "topic": new.topic[:200],
        "payload": new.payload[:1000],
        "token_sealed": box.seal(new.token),
        "token_hash": digest,
        "frequency": new.frequency,
        "status": ACTIVE,
        "region": new.region,
        "created_at": new.created_at,
        "expires_at": new.expires_at,
    }
    inserted = conn.execute(
        insert_ignoring_duplicates(conn, notification_tokens)
        .values(**values)
        .returning(notification_tokens.c.id)
    ).scalar_one_or_none()
    if inserted is not None:
        return int(inserted), True
    key = (notification_tokens.c.page_ref == new.page_ref) & (
        notification_tokens.c.token_hash == digest
    )
    refreshed: dict[str, Any] = {"expires_at": new.expires_at}
    if new.topic:
        refreshed["topic"] = new.topic[:200]
    if new.frequency:
        refreshed["frequency"] = new.frequency
    if new.region:
        refreshed["region"] = new.region
    conn.execute(notification_tokens.update().where(key).values(**refreshed))
    conn.execute(
        notification_tokens.update()
        .where(key, notification_tokens.c.status == STOPPED)
        .values(status=ACTIVE, stopped_at=None)
    )
    found = conn.execute(sa.select(notification_tokens.c.id).where(key)).scalar_one()
    return int(found), False


def stop_tokens(
    conn: Connection,
    now: datetime,
    *,
    contact_id: int | None = None,
    page_ref: int | None = None,
    token: str | None = None,
) -> int:
    """Stops the active tokens of a contact (all of them), or one token by value on a Page.
    Returns how many were stopped."""
    statement = notification_tokens.update().where(notification_tokens.c.status == ACTIVE)
    if token is not None:
        assert page_ref is not None
        statement = statement.where(
            notification_tokens.c.page_ref == page_ref,
            notification_tokens.c.token_hash == hash_token(token),
        )
    elif contact_id is not None:
        statement = statement.where(notification_tokens.c.contact_id == contact_id)
    else:
        raise ValueError("stop_tokens needs a contact or a token")
    return int(conn.execute(statement.values(status=STOPPED, stopped_at=now)).rowcount)


def resume_tokens(conn: Connection, page_ref: int, token: str) -> int:
    """The person resumed notifications: a stopped token becomes active again."""
    return int(
        conn.execute(
            notification_tokens.update()
            .where(
                notification_tokens.c.page_ref == page_ref,
                notification_tokens.c.token_hash == hash_token(token),
                notification_tokens.c.status == STOPPED,
            )
            .values(status=ACTIVE, stopped_at=None)
        ).rowcount
    )


def reserve_token(
    conn: Connection,
    token_id: int,
    now: datetime,
    limits: TokenLimits,
    *,
    message_id: int | None = None,
) -> bool:
    """Reserves the token for one message now, if its limits allow: one conditional UPDATE,
    so of several concurrent callers at most the allowed number succeed."""
    table = notification_tokens
    conditions = [table.c.id == token_id, table.c.status == ACTIVE]
    if limits.check_expiry:
        conditions.append(sa.or_(table.c.expires_at.is_(None), table.c.expires_at > now))
    if limits.single_use:
        conditions.append(table.c.uses == 0)
    else:
        conditions.append(
            sa.or_(table.c.last_used_at.is_(None), table.c.last_used_at <= now - limits.min_gap)
        )
    values: dict[str, Any] = {
        "previous_used_at": table.c.last_used_at,
        "last_used_at": now,
        "uses": table.c.uses + 1,
        "reserved_message_id": message_id,
    }
    if limits.single_use:
        values["status"] = USED
    return bool(conn.execute(table.update().where(*conditions).values(**values)).rowcount == 1)


def release_token(conn: Connection, token_id: int, message_id: int) -> bool:
    """Gives back a reservation whose message never reached Meta (refused before sending)."""
    table = notification_tokens
    return bool(
        conn.execute(
            table.update()
            .where(table.c.id == token_id, table.c.reserved_message_id == message_id)
            .values(
                last_used_at=table.c.previous_used_at,
                previous_used_at=None,
                uses=table.c.uses - 1,
                reserved_message_id=None,
                status=sa.case((table.c.status == USED, ACTIVE), else_=table.c.status),
            )
        ).rowcount
        == 1
    )


def _stored(row: Any, box: SecretBox | None) -> StoredToken:
    return StoredToken(
        id=int(row.id),
        page_ref=int(row.page_ref),
        contact_id=int(row.contact_id),
        kind=TokenKind(row.kind),
        topic=row.topic,
        payload=row.payload,
        frequency=row.frequency,
        status=row.status,
        region=row.region,
        created_at=row.created_at,
        expires_at=row.expires_at,
        stopped_at=row.stopped_at,
        last_used_at=row.last_used_at,
        previous_used_at=row.previous_used_at,
        reserved_message_id=row.reserved_message_id,
        uses=int(row.uses),
        token=box.open(row.token_sealed) if box is not None else "",
    )


def tokens_for(
    conn: Connection,
    box: SecretBox | None,
    contact_ids: Iterable[int],
    topic: str | None = None,
) -> dict[int, list[StoredToken]]:
    """Every token of these contacts (any status: the policy engine says why one cannot be
    used), for ``topic`` only when given; opened when ``box`` is given."""
    found: dict[int, list[StoredToken]] = {}
    ids = sorted(set(contact_ids))
    for start in range(0, len(ids), 500):
        statement = sa.select(notification_tokens).where(
            notification_tokens.c.contact_id.in_(ids[start : start + 500])
        )
        if topic is not None:
            statement = statement.where(notification_tokens.c.topic == topic)
        for row in conn.execute(statement.order_by(notification_tokens.c.id)):
            stored = _stored(row, box)
            found.setdefault(stored.contact_id, []).append(stored)
    return found


class _TokenClaim(Protocol):
    @property
    def page_ref(self) -> int: ...
    @property
    def message_id(self) -> int: ...
    @property
    def intent(self) -> dict[str, Any]: ...


_Claim = TypeVar("_Claim", bound=_TokenClaim)


def intent_tokens(conn: Connection, claims: list[_Claim]) -> list[_Claim]:
    """The claims whose intent names a token, with that token (``tokens``) as it was before
    its reservation for the claim's message: the relay re-checks the policy with it."""
    wanted = {
        (claim.page_ref, hash_token(str(claim.intent["token"])))
        for claim in claims
        if claim.intent.get("token")
    }
    rows: dict[tuple[int, str], Any] = {}
    for page_ref, digest in wanted:
        row = conn.execute(
            sa.select(notification_tokens).where(
                notification_tokens.c.page_ref == page_ref,
                notification_tokens.c.token_hash == digest,
            )
        ).first()
        if row is not None:
            rows[(page_ref, digest)] = row
    result = []
    for claim in claims:
        value = claim.intent.get("token")
        row = rows.get((claim.page_ref, hash_token(str(value)))) if value else None
        if row is None:
            result.append(claim)
            continue
        stored = replace(_stored(row, None), token=str(value))
        result.append(replace(claim, tokens=(stored.policy(for_message_id=claim.message_id),)))  # type: ignore[type-var]
    return result


def list_tokens(
    conn: Connection,
    workspace_id: int,
    *,
    contact_id: int | None = None,
    page_ref: int | None = None,
    status: str | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[StoredToken]:
    """Tokens of a workspace for listings (never opened)."""
    statement = sa.select(notification_tokens).where(
        notification_tokens.c.workspace_id == workspace_id, notification_tokens.c.id > after_id
    )
    if contact_id is not None:
        statement = statement.where(notification_tokens.c.contact_id == contact_id)
    if page_ref is not None:
        statement = statement.where(notification_tokens.c.page_ref == page_ref)
    if status is not None:
        statement = statement.where(notification_tokens.c.status == status)
    rows = conn.execute(statement.order_by(notification_tokens.c.id).limit(limit))
    return [_stored(row, None) for row in rows]
