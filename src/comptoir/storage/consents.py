"""Consent per topic: the audit trail (``consent_events``) and the state in force
(``contact_consents``), written together; an older event never overrides a newer state."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.domain.consent import (
    ALL_TOPICS,
    ConsentAction,
    ConsentState,
    ConsentStatus,
)
from comptoir.storage.tables import consent_events, contact_consents
from comptoir.storage.upsert import insert_ignoring_duplicates

__all__ = [
    "ConsentEvent",
    "StoredConsentEvent",
    "consent_history",
    "consent_states",
    "opted_out_contacts",
    "record_consent",
]


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    workspace_id: int
    contact_id: int
    topic: str
    action: ConsentAction
    at: datetime
    channel: str
    wording: str = ""
    answer: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredConsentEvent:
    id: int
    topic: str
    action: str
    at: datetime
    channel: str
    wording: str
    answer: str
    detail: dict[str, Any]


def record_consent(conn: Connection, event: ConsentEvent) -> bool:
    """Writes the event and, unless a newer one is in force, the state. True when the state
    changed to this event's action."""
    event_id = conn.execute(
        consent_events.insert()
        .values(
            workspace_id=event.workspace_id,
            contact_id=event.contact_id,
            topic=event.topic,
            action=event.action.value,
            at=event.at,
            channel=event.channel,
            wording=event.wording,
            answer=event.answer,
            detail=event.detail,
        )
        .returning(consent_events.c.id)
    ).scalar_one()
    status = (
        ConsentStatus.OPTED_IN if event.action is ConsentAction.OPT_IN else ConsentStatus.OPTED_OUT
    )
    values = {
        "contact_id": event.contact_id,
        "topic": event.topic,
        "status": status.value,
        "changed_at": event.at,
        "event_id": event_id,
    }
    inserted = conn.execute(
        insert_ignoring_duplicates(conn, contact_consents)
        .values(**values)
        .returning(contact_consents.c.event_id)
    ).first()
    if inserted is not None:
        return True
    key = (contact_consents.c.contact_id == event.contact_id) & (
        contact_consents.c.topic == event.topic
    )
    current = conn.execute(
        sa.select(contact_consents.c.status).where(
            key & (contact_consents.c.changed_at <= event.at)
        )
    ).scalar_one_or_none()
    if current is None:
        return False  # a newer event is in force
    conn.execute(
        contact_consents.update()
        .where(key & (contact_consents.c.changed_at <= event.at))
        .values(status=status.value, changed_at=event.at, event_id=event_id)
    )
    return bool(current != status.value)


def consent_states(
    conn: Connection, contact_ids: Iterable[int]
) -> dict[int, dict[str, ConsentState]]:
    """Every contact's consent per topic (contacts with none are absent)."""
    found: dict[int, dict[str, ConsentState]] = {}
    ids = sorted(set(contact_ids))
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            sa.select(
                contact_consents.c.contact_id,
                contact_consents.c.topic,
                contact_consents.c.status,
                contact_consents.c.changed_at,
            ).where(contact_consents.c.contact_id.in_(ids[start : start + 500]))
        )
        for contact_id, topic, status, changed_at in rows:
            found.setdefault(int(contact_id), {})[topic] = ConsentState(
                topic, ConsentStatus(status), changed_at
            )
    return found


def opted_out_contacts(conn: Connection, contact_ids: Sequence[int], topic: str | None) -> set[int]:
    """Those of ``contact_ids`` opted out of ``topic`` or of everything."""
    topics = [ALL_TOPICS] if topic is None else [ALL_TOPICS, topic]
    found: set[int] = set()
    ids = sorted(set(contact_ids))
    for start in range(0, len(ids), 500):
        found.update(
            int(contact_id)
            for contact_id in conn.execute(
                sa.select(contact_consents.c.contact_id).where(
                    contact_consents.c.contact_id.in_(ids[start : start + 500]),
                    contact_consents.c.topic.in_(topics),
                    contact_consents.c.status == ConsentStatus.OPTED_OUT.value,
                )
            ).scalars()
        )
    return found


def consent_history(
    conn: Connection, contact_id: int, limit: int = 200
) -> list[StoredConsentEvent]:
    """The contact's consent events, newest first."""
    rows = conn.execute(
        sa.select(consent_events)
        .where(consent_events.c.contact_id == contact_id)
        .order_by(consent_events.c.at.desc(), consent_events.c.id.desc())
        .limit(limit)
    )
    return [
        StoredConsentEvent(
            id=int(row.id),
            topic=row.topic,
            action=row.action,
            at=row.at,
            channel=row.channel,
            wording=row.wording,
            answer=row.answer,
            detail=dict(row.detail or {}),
        )
        for row in rows
    ]
