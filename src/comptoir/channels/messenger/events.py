"""Received events: one flat, typed list per webhook POST, whatever Meta batched in it.

Every event carries the Page, the person (``psid``; None when Meta names nobody, as for
policy enforcement, or only a ``user_ref``), an aware UTC ``timestamp``, whether it came on
``standby`` (a thread another app owns), the platform (``page`` or ``instagram``) and a
``dedupe_key``: the ``mid`` when there is one, ``(kind, page, psid, watermark)`` for
receipts, ``(kind, page, psid, timestamp)`` otherwise. An item of a kind not known here, or
one whose known fields have unexpected types, becomes an ``UnknownEvent`` that keeps the
raw JSON object: nothing Meta sends is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import msgspec

#: The Page inbox's app id (Meta Business Suite): echoes from it are a person typing there.
PAGE_INBOX_APP_ID = "263902037430900"


class EventBase(msgspec.Struct, frozen=True, kw_only=True):
    """Immutable. A struct, not a frozen dataclass: the intake builds one per event, and a
    frozen dataclass's constructor costs several times more. Subclasses repeat the
    options so that type checkers see them."""

    page_id: str
    psid: str | None
    timestamp: datetime
    standby: bool = False
    platform: str = "page"
    dedupe_key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AttachmentInfo:
    type: str
    url: str | None = None
    title: str | None = None
    sticker_id: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralInfo:
    source: str | None
    type: str | None = None
    ref: str | None = None
    ad_id: str | None = None
    ad_title: str | None = None
    post_id: str | None = None
    flow_id: str | None = None
    referer_uri: str | None = None
    product_id: str | None = None

    @property
    def from_ad(self) -> bool:
        return self.source == "ADS"


class MessageReceived(EventBase, frozen=True, kw_only=True):
    mid: str
    text: str | None = None
    quick_reply_payload: str | None = None
    attachments: tuple[AttachmentInfo, ...] = ()
    referral: ReferralInfo | None = None
    reply_to_mid: str | None = None
    commands: tuple[str, ...] = ()


class EchoReceived(EventBase, frozen=True, kw_only=True):
    """A message the Page sent, from any app or from Meta's own inbox."""

    mid: str
    app_id: str | None = None
    text: str | None = None
    attachments: tuple[AttachmentInfo, ...] = ()
    metadata: str | None = None

    @property
    def from_page_inbox(self) -> bool:
        return self.app_id == PAGE_INBOX_APP_ID


class PostbackReceived(EventBase, frozen=True, kw_only=True):
    mid: str | None = None
    title: str | None = None
    payload: str | None = None  # absent on standby: only the button's app gets it
    referral: ReferralInfo | None = None


class DeliveryReceived(EventBase, frozen=True, kw_only=True):
    watermark: datetime
    mids: tuple[str, ...] = ()


class ReadReceived(EventBase, frozen=True, kw_only=True):
    watermark: datetime | None = None
    mid: str | None = None  # Instagram's messaging_seen names the message instead


class ReactionReceived(EventBase, frozen=True, kw_only=True):
    mid: str | None
    action: str = "react"
    reaction: str | None = None
    emoji: str | None = None


class MessageEdited(EventBase, frozen=True, kw_only=True):
    mid: str
    text: str | None = None
    num_edit: int = 0


class ReferralReceived(EventBase, frozen=True, kw_only=True):
    referral: ReferralInfo


class OptInKind(StrEnum):
    PLUGIN = "plugin"  # Send-to-Messenger / checkbox (legacy)
    ONE_TIME_NOTIFICATION = "one_time_notif_req"
    NOTIFICATION_MESSAGES = "notification_messages"


class OptInReceived(EventBase, frozen=True, kw_only=True):
    kind: OptInKind
    token: str | None = None
    payload: str | None = None
    title: str | None = None
    ref: str | None = None
    user_ref: str | None = None
    timezone: str | None = None
    #: "STOP NOTIFICATIONS" or "RESUME NOTIFICATIONS" when the person changed their mind.
    status: str | None = None
    token_expires_at: datetime | None = None
    user_token_status: str | None = None
    topic: str | None = None
    source: str | None = None


class HandoverAction(StrEnum):
    PASS = "pass_thread_control"  # noqa: S105 (an event name, not a secret)
    TAKE = "take_thread_control"
    REQUEST = "request_thread_control"
    APP_ROLES = "app_roles"


class HandoverReceived(EventBase, frozen=True, kw_only=True):
    action: HandoverAction
    previous_owner_app_id: str | None = None
    new_owner_app_id: str | None = None
    requested_owner_app_id: str | None = None
    metadata: str | None = None
    app_roles: Mapping[str, tuple[str, ...]] = msgspec.field(default_factory=dict)


class PolicyEnforcementReceived(EventBase, frozen=True, kw_only=True):
    action: str
    reason: str | None = None


class UnknownEvent(EventBase, frozen=True, kw_only=True):
    """Something Meta sent that Comptoir does not read (yet); kept as it came."""

    kind: str
    raw: Mapping[str, Any]


ReceivedEvent = (
    MessageReceived
    | EchoReceived
    | PostbackReceived
    | DeliveryReceived
    | ReadReceived
    | ReactionReceived
    | MessageEdited
    | ReferralReceived
    | OptInReceived
    | HandoverReceived
    | PolicyEnforcementReceived
    | UnknownEvent
)


def to_datetime(value: int | float | str | None) -> datetime | None:
    """Meta's timestamps: milliseconds (or, in some samples, a string of seconds)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    # Seconds and milliseconds differ by a factor of 1000: below 10^11 it is seconds
    # (10^11 ms is March 1973; 10^11 s is the year 5138).
    seconds = value if abs(value) < 1e11 else value / 1000
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
