"""Consent per topic, with its audit trail: opt in, opt out, stop everything.

Every change is a ``consent_events`` row (time, channel, the exact wording shown and the
answer given) and the state in force per (contact, topic). A stop request (STOP, ARRÊT,
UNSUBSCRIBE...: ``domain.consent.STOP_WORDS``) is recorded by the intake in the same
transaction as the message that carries it, so it is never lost; its confirmation is sent
after the commit through the one sending path (``confirm_stops``), and automation does not
answer that message (so a stop wins over keyword rules and flows).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.domain.consent import (
    ALL_TOPICS,
    ConsentAction,
    ConsentChannel,
    ConsentStatus,
    check_topic,
    stop_confirmation,
)
from comptoir.storage.consents import ConsentEvent, record_consent
from comptoir.storage.tables import contact_consents, contacts
from comptoir.storage.tokens import stop_tokens

if TYPE_CHECKING:
    from comptoir.bootstrap import Container

log = logging.getLogger(__name__)

__all__ = [
    "StopRequest",
    "confirm_stops",
    "opt_in",
    "opt_out",
    "stop_everything",
]


@dataclass(frozen=True, slots=True)
class StopRequest:
    """A stop request stored by the intake, whose confirmation is sent after commit."""

    workspace_id: int
    contact_id: int
    conversation_id: int
    message_id: int
    text: str
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """How a consent was given: the channel, the exact wording shown, the answer."""

    channel: ConsentChannel
    wording: str = ""
    answer: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def _workspace_of(conn: Connection, contact_id: int) -> int:
    workspace_id = conn.execute(
        sa.select(contacts.c.workspace_id).where(contacts.c.id == contact_id)
    ).scalar_one_or_none()
    if workspace_id is None:
        raise LookupError(f"no contact {contact_id}")
    return int(workspace_id)


def _record(
    conn: Connection,
    contact_id: int,
    topic: str,
    action: ConsentAction,
    at: datetime,
    how: Answer,
    workspace_id: int | None,
) -> bool:
    return record_consent(
        conn,
        ConsentEvent(
            workspace_id=workspace_id
            if workspace_id is not None
            else _workspace_of(conn, contact_id),
            contact_id=contact_id,
            topic=topic,
            action=action,
            at=at,
            channel=how.channel.value,
            wording=how.wording,
            answer=how.answer,
            detail=how.detail,
        ),
    )


def opt_in(
    conn: Connection,
    contact_id: int,
    topic: str,
    at: datetime,
    how: Answer,
    *,
    workspace_id: int | None = None,
) -> bool:
    """Records an opt-in to ``topic``; after a global stop, it also lifts the stop (the
    person asked again; the other topics stay opted out). True when the state changed."""
    topic = check_topic(topic)
    workspace_id = workspace_id if workspace_id is not None else _workspace_of(conn, contact_id)
    changed = _record(conn, contact_id, topic, ConsentAction.OPT_IN, at, how, workspace_id)
    stopped = conn.execute(
        sa.select(contact_consents.c.status).where(
            contact_consents.c.contact_id == contact_id,
            contact_consents.c.topic == ALL_TOPICS,
            contact_consents.c.changed_at <= at,
        )
    ).scalar_one_or_none()
    if stopped == ConsentStatus.OPTED_OUT.value:
        _record(conn, contact_id, ALL_TOPICS, ConsentAction.OPT_IN, at, how, workspace_id)
        changed = True
    return changed


def opt_out(
    conn: Connection,
    contact_id: int,
    topic: str,
    at: datetime,
    how: Answer,
    *,
    workspace_id: int | None = None,
) -> bool:
    """Records an opt-out of ``topic`` (``*``: of everything, as ``stop_everything``)."""
    if topic.strip() == ALL_TOPICS:
        return stop_everything(conn, contact_id, at, how, workspace_id=workspace_id)
    topic = check_topic(topic)
    return _record(conn, contact_id, topic, ConsentAction.OPT_OUT, at, how, workspace_id)


def stop_everything(
    conn: Connection,
    contact_id: int,
    at: datetime,
    how: Answer,
    *,
    workspace_id: int | None = None,
) -> bool:
    """Opts out of every topic at once: ``*`` and each topic opted in to, and stops every
    notification token of the contact. True when something changed."""
    workspace_id = workspace_id if workspace_id is not None else _workspace_of(conn, contact_id)
    topics = conn.execute(
        sa.select(contact_consents.c.topic).where(
            contact_consents.c.contact_id == contact_id,
            contact_consents.c.status == ConsentStatus.OPTED_IN.value,
            contact_consents.c.topic != ALL_TOPICS,
        )
    ).scalars()
    changed = False
    for topic in sorted(topics):
        changed |= _record(conn, contact_id, topic, ConsentAction.OPT_OUT, at, how, workspace_id)
    changed |= _record(conn, contact_id, ALL_TOPICS, ConsentAction.OPT_OUT, at, how, workspace_id)
    changed |= stop_tokens(conn, at, contact_id=contact_id) > 0
    return changed


async def confirm_stops(container: Container, stops: Sequence[StopRequest]) -> None:
    """Sends each stop request's confirmation (in the words' or the contact's language)
    through the one sending path: a reply inside the window the request opened."""
    from comptoir.services.sending import SendError, SendMessage, send_message

    for stop in stops:
        command = SendMessage(
            workspace_id=stop.workspace_id,
            conversation_id=stop.conversation_id,
            author_kind="system",
            text=stop_confirmation(stop.text, stop.locale),
        )
        try:
            outcome = await send_message(container, command)
        except SendError as error:
            log.warning("stop confirmation not sent (contact %d): %s", stop.contact_id, error)
            continue
        if not outcome.accepted:
            log.info(
                "stop confirmation refused (contact %d): %s",
                stop.contact_id,
                outcome.explanation,
            )
