"""The intake's part in consent, in the batch's transaction: stop requests and opt-ins.

- A customer's typed message that is a stop request (``domain.consent.is_stop_request``)
  opts the contact out of everything (``consent.stop_everything``); the confirmation is sent
  after commit (``BatchOutcome.stops``), unless the message came on standby (another app
  holds the thread and answers it; the opt-out counts all the same).
- A ``notification_messages`` or one-time opt-in stores its token, sealed
  (``storage.tokens``), and records an opt-in to the token's topic; "STOP NOTIFICATIONS"
  stops that token and records an opt-out of its topic (channel ``meta_stop``); "RESUME
  NOTIFICATIONS" makes it active again and records the opt-in.

A token's topic is the opt-in's ``notification_messages_topic`` when Meta gives one, else its
payload when the payload is a topic name (Comptoir's own opt-in requests carry the topic
there), else its title.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.crypto import SecretBox
from comptoir.domain.consent import ConsentChannel as Channel
from comptoir.domain.consent import ConsentError, check_topic, is_stop_request
from comptoir.domain.policy_model import TokenKind
from comptoir.domain.token_limits import one_time_expiry
from comptoir.services.consent import Answer, StopRequest, opt_in, opt_out, stop_everything
from comptoir.services.intake_item import Item
from comptoir.services.page_directory import KnownPage
from comptoir.storage.tables import contacts
from comptoir.storage.tokens import NewToken, resume_tokens, stop_tokens, store_token

log = logging.getLogger(__name__)

STOP_STATUS = "STOP NOTIFICATIONS"
RESUME_STATUS = "RESUME NOTIFICATIONS"
_KINDS = {
    "notification_messages": TokenKind.NOTIFICATION_MESSAGES,
    "one_time_notif_req": TokenKind.ONE_TIME,
}


@dataclass(frozen=True, slots=True)
class StoredInbound:
    """A customer message the batch stored (new), with its ids."""

    page: KnownPage
    item: Item
    contact_id: int
    conversation_id: int
    message_id: int


def is_stop_message(item: Item) -> bool:
    """A typed stop request (a tapped quick reply is an answer, never a stop request)."""
    return (
        item.kind == "message" and "quick_reply" not in item.content and is_stop_request(item.text)
    )


def token_topic(optin: dict[str, Any]) -> str:
    for candidate in (optin.get("topic"), optin.get("payload")):
        if isinstance(candidate, str) and candidate:
            try:
                return check_topic(candidate)
            except ConsentError:
                continue
    title = optin.get("title")
    return str(title)[:200] if isinstance(title, str) else ""


def apply_audience(
    conn: Connection,
    box: SecretBox | None,
    usable: Sequence[tuple[KnownPage, Item]],
    contact_ids: dict[tuple[int, str], int],
    inbound: Sequence[StoredInbound],
) -> list[StopRequest]:
    """Records the batch's stop requests and opt-ins; returns the stops to confirm."""
    stops: list[StopRequest] = []
    for stored in inbound:
        item = stored.item
        if not is_stop_message(item):
            continue
        how = Answer(
            Channel.KEYWORD, answer=item.text or "", detail={"message_id": stored.message_id}
        )
        stop_everything(
            conn, stored.contact_id, item.at, how, workspace_id=stored.page.workspace_id
        )
        if item.standby:
            continue  # another app holds the thread: it answers, the opt-out still counts
        stops.append(
            StopRequest(
                workspace_id=stored.page.workspace_id,
                contact_id=stored.contact_id,
                conversation_id=stored.conversation_id,
                message_id=stored.message_id,
                text=item.text or "",
            )
        )
    if stops:
        locales = dict(
            conn.execute(
                sa.select(contacts.c.id, contacts.c.locale).where(
                    contacts.c.id.in_({stop.contact_id for stop in stops})
                )
            ).all()
        )
        stops = [
            StopRequest(
                s.workspace_id,
                s.contact_id,
                s.conversation_id,
                s.message_id,
                s.text,
                locales.get(s.contact_id),
            )
            for s in stops
        ]
    for page, item in usable:
        if item.kind != "optin" or item.optin is None or item.psid is None:
            continue
        contact_id = contact_ids.get((page.page_ref, item.psid))
        if contact_id is not None:
            _optin(conn, box, page, item, item.optin, contact_id)
    return stops


def _optin(
    conn: Connection,
    box: SecretBox | None,
    page: KnownPage,
    item: Item,
    optin: dict[str, Any],
    contact_id: int,
) -> None:
    kind = _KINDS.get(str(optin.get("type", "")))
    token = optin.get("token")
    if kind is None or not isinstance(token, str) or not token:
        return
    topic = token_topic(optin)
    title = str(optin.get("title") or "")
    status = str(optin.get("status") or "").upper()
    detail = {"optin": kind.value, "payload": str(optin.get("payload") or "")[:200]}
    workspace_id = page.workspace_id
    consent_topic = _consent_topic(topic)
    if status == STOP_STATUS:
        stop_tokens(conn, item.at, page_ref=page.page_ref, token=token)
        if consent_topic is not None:
            how = Answer(Channel.META_STOP, wording=title, answer=STOP_STATUS, detail=detail)
            opt_out(conn, contact_id, consent_topic, item.at, how, workspace_id=workspace_id)
        return
    if box is None:
        log.warning("an opt-in token was not stored: no secret box given to the intake")
        return
    if status == RESUME_STATUS and resume_tokens(conn, page.page_ref, token) == 0:
        log.info("resume notifications for a token Comptoir does not hold (contact %d)", contact_id)
    created_at: datetime = item.at
    expires_at = _expiry(optin, kind, created_at)
    store_token(
        conn,
        box,
        NewToken(
            workspace_id=workspace_id,
            page_ref=page.page_ref,
            contact_id=contact_id,
            kind=kind,
            token=token,
            created_at=created_at,
            topic=topic,
            payload=str(optin.get("payload") or ""),
            expires_at=expires_at,
        ),
    )
    if consent_topic is not None:
        answer = RESUME_STATUS if status == RESUME_STATUS else "opt-in"
        how = Answer(Channel.OPTIN, wording=title, answer=answer, detail=detail)
        opt_in(conn, contact_id, consent_topic, item.at, how, workspace_id=workspace_id)


def _consent_topic(topic: str) -> str | None:
    try:
        return check_topic(topic)
    except ConsentError:
        return None


def _expiry(optin: dict[str, Any], kind: TokenKind, created_at: datetime) -> datetime | None:
    if kind is TokenKind.ONE_TIME:
        return one_time_expiry(created_at)
    raw = optin.get("token_expires_at")
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            return None
    return None
