"""Who a broadcast is for, and what it needs to know about them: consent and tokens.

``audience_ids`` takes the next contacts of the broadcast's audience in id order (so a
restart goes on after the last one handled); ``people`` gives, for each, the consent answer
for the broadcast's topic and the notification tokens that may carry it, in the form the
policy engine takes; ``reserve_token`` spends a token atomically (one conditional UPDATE:
two senders never both get the same token slot).

Consent rules (``docs/subscribers.md``): opted out of topic T = T or ``*`` is opted out;
opted in to T = T is opted in and not opted out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.crypto import SecretBox
from comptoir.domain import policy_rules as rules
from comptoir.domain.broadcasts import ConsentAnswer
from comptoir.domain.policy_model import Mechanism, NotificationToken, TokenKind, TokenStatus
from comptoir.storage.tables import contact_consents, contacts, notification_tokens

ALL_TOPICS = "*"


@dataclass(frozen=True, slots=True)
class StoredToken:
    id: int
    policy: NotificationToken


@dataclass(frozen=True, slots=True)
class AudiencePerson:
    consent: ConsentAnswer
    tokens: tuple[StoredToken, ...] = ()


def audience_query(workspace_id: int, page_ref: int, audience: dict[str, Any]) -> sa.Select[Any]:
    """The contact ids of the audience (every contact of the Page for an empty filter)."""
    if audience:
        from comptoir.services.broadcast_message import InvalidBroadcastError

        raise InvalidBroadcastError("audience", "segment filters are not available yet")
    return sa.select(contacts.c.id).where(
        contacts.c.workspace_id == workspace_id, contacts.c.page_ref == page_ref
    )


def audience_ids(
    conn: Connection,
    workspace_id: int,
    page_ref: int,
    audience: dict[str, Any],
    *,
    after: int,
    limit: int,
) -> list[int]:
    query = (
        audience_query(workspace_id, page_ref, audience)
        .where(contacts.c.id > after)
        .order_by(contacts.c.id)
        .limit(limit)
    )
    return [int(row[0]) for row in conn.execute(query)]


def people(
    conn: Connection, box: SecretBox, contact_ids: Sequence[int], topic: str | None
) -> dict[int, AudiencePerson]:
    """Consent for ``topic`` and usable tokens (their topic matching) of each contact."""
    if not contact_ids:
        return {}
    topics = [ALL_TOPICS] if topic is None else [ALL_TOPICS, topic]
    states: dict[int, dict[str, str]] = {}
    for contact_id, name, status in conn.execute(
        sa.select(
            contact_consents.c.contact_id, contact_consents.c.topic, contact_consents.c.status
        ).where(
            contact_consents.c.contact_id.in_(contact_ids), contact_consents.c.topic.in_(topics)
        )
    ):
        states.setdefault(int(contact_id), {})[str(name)] = str(status)
    tokens: dict[int, list[StoredToken]] = {}
    query = sa.select(notification_tokens).where(
        notification_tokens.c.contact_id.in_(contact_ids),
        notification_tokens.c.status.in_(("active", "used", "stopped")),
    )
    if topic is not None:
        query = query.where(notification_tokens.c.topic == topic)
    for row in conn.execute(query.order_by(notification_tokens.c.id)):
        tokens.setdefault(int(row.contact_id), []).append(_stored(row, box))
    found = {}
    for contact_id in contact_ids:
        state = states.get(contact_id, {})
        if "opted_out" in (state.get(ALL_TOPICS), state.get(topic or ALL_TOPICS)):
            answer = ConsentAnswer.NO
        elif topic is not None and state.get(topic) == "opted_in":
            answer = ConsentAnswer.YES
        else:
            answer = ConsentAnswer.UNKNOWN
        found[contact_id] = AudiencePerson(answer, tuple(tokens.get(contact_id, ())))
    return found


def _stored(row: Any, box: SecretBox) -> StoredToken:
    one_time = row.kind == "one_time"
    return StoredToken(
        id=int(row.id),
        policy=NotificationToken(
            token=box.open(row.token_sealed),
            kind=TokenKind.ONE_TIME if one_time else TokenKind.NOTIFICATION_MESSAGES,
            created_at=row.created_at,
            status=TokenStatus.STOPPED if row.status == "stopped" else TokenStatus.ACTIVE,
            used_at=row.last_used_at if one_time and row.status == "used" else None,
            last_sent_at=None if one_time else row.last_used_at,
            expires_at=row.expires_at,
            region=row.region,
        ),
    )


def reserve_token(
    conn: Connection, token: StoredToken, mechanism: Mechanism, now: datetime
) -> bool:
    """Spend ``token`` for one message through ``mechanism`` now; False when someone else
    just did (or its gap since the last message is not over)."""
    table = notification_tokens
    where = [table.c.id == token.id, table.c.status == "active"]
    values: dict[str, Any] = {"last_used_at": now, "uses": table.c.uses + 1}
    if token.policy.kind is TokenKind.ONE_TIME:
        where.append(table.c.uses == 0)
        values["status"] = "used"
    else:
        prefix = (
            "marketing_messages"
            if mechanism is Mechanism.MARKETING_MESSAGE
            else "notification_messages"
        )
        gap = rules.duration(f"{prefix}.min_gap", now)
        where.append(sa.or_(table.c.last_used_at.is_(None), table.c.last_used_at <= now - gap))
    result = conn.execute(table.update().where(*where).values(**values))
    return bool(result.rowcount)
