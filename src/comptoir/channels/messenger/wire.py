"""Messenger webhook payloads as msgspec Structs (reference §1.4–1.5).

Every Struct ignores fields it does not know (Meta adds fields without notice) and leaves
out defaults when encoded. Identifiers Meta sometimes sends as numbers (``app_id``,
``requested_owner_app_id``) are typed ``int | str``; timestamps may be milliseconds, or a
string of seconds in some documentation samples, and are normalised in ``events``.

The envelope keeps each ``messaging``/``standby`` item as raw bytes so that one odd item
cannot spoil the others: ``events.normalise`` decodes them one by one.
"""

from __future__ import annotations

from typing import Any

import msgspec

from comptoir.channels.messenger.events import ReceivedEvent

__all__ = ["ReceivedEvent"]  # re-exported: the normalised events live in ``events``


class WireStruct(msgspec.Struct, forbid_unknown_fields=False, omit_defaults=True, frozen=True):
    """Base of every payload Struct (subclasses repeat ``frozen=True`` for type checkers)."""


Id = int | str
Stamp = int | float | str


class Party(WireStruct, frozen=True):
    id: Id | None = None
    user_ref: str | None = None


class QuickReplyTap(WireStruct, frozen=True):
    payload: str = ""


class ReplyTo(WireStruct, frozen=True):
    mid: str | None = None
    is_self_reply: bool | None = None


class Attachment(WireStruct, frozen=True):
    type: str = "unknown"
    payload: dict[str, Any] | None = None
    title: str | None = None
    url: str | None = None


class AdsContext(WireStruct, frozen=True):
    ad_title: str | None = None
    photo_url: str | None = None
    video_url: str | None = None
    post_id: Id | None = None
    product_id: Id | None = None
    flow_id: Id | None = None


class Referral(WireStruct, frozen=True):
    ref: str | None = None
    source: str | None = None
    type: str | None = None
    ad_id: Id | None = None
    referer_uri: str | None = None
    ads_context_data: AdsContext | None = None
    product: dict[str, Any] | None = None


class Command(WireStruct, frozen=True):
    name: str = ""


class Message(WireStruct, frozen=True):
    mid: str | None = None
    text: str | None = None
    quick_reply: QuickReplyTap | None = None
    attachments: list[Attachment] | None = None
    referral: Referral | None = None
    reply_to: ReplyTo | None = None
    commands: list[Command] | None = None
    is_echo: bool = False
    app_id: Id | None = None
    metadata: str | None = None
    is_deleted: bool = False
    is_unsupported: bool = False


class Postback(WireStruct, frozen=True):
    mid: str | None = None
    title: str | None = None
    payload: str | None = None
    referral: Referral | None = None


class Delivery(WireStruct, frozen=True):
    watermark: Stamp
    mids: list[str] | None = None


class Read(WireStruct, frozen=True):
    watermark: Stamp | None = None
    mid: str | None = None


class Reaction(WireStruct, frozen=True):
    mid: str | None = None
    action: str = "react"
    reaction: str | None = None
    emoji: str | None = None


class MessageEdit(WireStruct, frozen=True):
    mid: str
    text: str | None = None
    num_edit: int = 0


class OptIn(WireStruct, frozen=True):
    type: str | None = None
    ref: str | None = None
    user_ref: str | None = None
    payload: str | None = None
    title: str | None = None
    one_time_notif_token: str | None = None
    notification_messages_token: str | None = None
    notification_messages_timezone: str | None = None
    notification_messages_frequency: str | None = None
    notification_messages_status: str | None = None
    notification_messages_topic: str | None = None
    token_expiry_timestamp: Stamp | None = None
    user_token_status: str | None = None
    source: str | None = None
    message_request: str | None = None


class ThreadControl(WireStruct, frozen=True):
    """``pass_thread_control`` and ``take_thread_control`` share this shape."""

    previous_owner_app_id: Id | None = None
    new_owner_app_id: Id | None = None
    metadata: str | None = None


class RequestThreadControl(WireStruct, frozen=True):
    requested_owner_app_id: Id | None = None
    metadata: str | None = None


class PolicyEnforcement(WireStruct, frozen=True):
    action: str = ""
    reason: str | None = None


class MessagingItem(WireStruct, frozen=True):
    """One item of ``entry[].messaging[]`` or ``entry[].standby[]``; one event kind is set."""

    sender: Party | None = None
    recipient: Party | None = None
    timestamp: Stamp | None = None
    message: Message | None = None
    postback: Postback | None = None
    delivery: Delivery | None = None
    read: Read | None = None
    reaction: Reaction | None = None
    message_edit: MessageEdit | None = None
    referral: Referral | None = None
    optin: OptIn | None = None
    pass_thread_control: ThreadControl | None = None
    take_thread_control: ThreadControl | None = None
    request_thread_control: RequestThreadControl | None = None
    app_roles: dict[str, list[str]] | None = None
    policy_enforcement: PolicyEnforcement | None = None


class Entry(WireStruct, frozen=True):
    id: Id
    time: Stamp | None = None
    messaging: list[msgspec.Raw] | None = None
    standby: list[msgspec.Raw] | None = None
    changes: list[msgspec.Raw] | None = None


class Envelope(WireStruct, frozen=True):
    object: str
    entry: list[Entry]


ENVELOPE_DECODER = msgspec.json.Decoder(Envelope)
ITEM_DECODER = msgspec.json.Decoder(MessagingItem)
RAW_DECODER = msgspec.json.Decoder(dict[str, Any])
