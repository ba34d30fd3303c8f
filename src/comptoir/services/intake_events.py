"""From the Messenger channel's typed events to the intake's ``Item``.

The receiver keeps each ``messaging[]``/``standby[]`` element of a verified envelope as raw
bytes (``wire.Entry``); ``items_of`` decodes them one by one through the channel's
``normalise`` (so the raw text of each event stays paired with its typed event) and
``to_item`` flattens the typed event into what the tables need.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import fields
from typing import Any

import msgspec

from comptoir.channels.messenger import wire
from comptoir.channels.messenger.events import (
    AttachmentInfo,
    DeliveryReceived,
    EchoReceived,
    HandoverAction,
    HandoverReceived,
    MessageEdited,
    MessageReceived,
    OptInReceived,
    PolicyEnforcementReceived,
    PostbackReceived,
    ReactionReceived,
    ReadReceived,
    ReceivedEvent,
    ReferralInfo,
    ReferralReceived,
    UnknownEvent,
)
from comptoir.channels.messenger.normalise import normalise
from comptoir.services.intake_item import Item

_HANDOVERS = {
    HandoverAction.PASS: "pass",
    HandoverAction.TAKE: "take",
    HandoverAction.REQUEST: "request",
    HandoverAction.APP_ROLES: "app_roles",
}


def items_of(platform: str, entries: list[wire.Entry]) -> list[Item]:
    """Every event of ``entries`` (one Page's entries of one envelope), as Items, each with
    the raw JSON text of its element.

    ``normalise`` yields one event per element, entry by entry, ``messaging`` then
    ``standby`` then ``changes``; the raw elements are paired with the events in that same
    order. Should the counts ever differ, each element is normalised on its own instead.
    """
    raws = [
        raw
        for entry in entries
        for raw in (*(entry.messaging or ()), *(entry.standby or ()), *(entry.changes or ()))
    ]
    events = normalise(wire.Envelope(object=platform, entry=entries))
    if len(events) == len(raws):
        return [to_item(event, _text(raw)) for event, raw in zip(events, raws, strict=True)]
    return [item for entry in entries for item in _one_by_one(platform, entry)]


def _one_by_one(platform: str, entry: wire.Entry) -> Iterator[Item]:
    for standby, raws in ((False, entry.messaging), (True, entry.standby)):
        for raw in raws or ():
            single = wire.Entry(
                id=entry.id,
                time=entry.time,
                messaging=None if standby else [raw],
                standby=[raw] if standby else None,
            )
            yield from _items(platform, single, raw)
    for raw in entry.changes or ():
        yield from _items(platform, wire.Entry(id=entry.id, time=entry.time, changes=[raw]), raw)


def _items(platform: str, entry: wire.Entry, raw: msgspec.Raw) -> Iterator[Item]:
    text = _text(raw)
    for event in normalise(wire.Envelope(object=platform, entry=[entry])):
        yield to_item(event, text)


def _text(raw: msgspec.Raw) -> str:
    return bytes(raw).decode("utf-8", "replace")


def to_item(event: ReceivedEvent, payload_json: str) -> Item:
    base: dict[str, Any] = {
        "page_id": event.page_id,
        "psid": event.psid,
        "at": event.timestamp,
        "standby": event.standby,
        "dedupe_key": event.dedupe_key,
        "payload_json": payload_json,
    }
    match event:
        case MessageReceived():
            content: dict[str, Any] = {}
            if event.attachments:
                content["attachments"] = _attachments(event.attachments)
            if event.quick_reply_payload is not None:
                content["quick_reply"] = {"payload": event.quick_reply_payload}
            referral = _referral(event.referral)
            if referral is not None:
                content["referral"] = referral
            if event.reply_to_mid:
                content["reply_to"] = {"mid": event.reply_to_mid}
            if event.commands:
                content["commands"] = list(event.commands)
            return Item(
                kind="message",
                mid=event.mid or None,
                text=event.text,
                content=content,
                referral=referral,
                **base,
            )
        case EchoReceived():
            content = {"attachments": _attachments(event.attachments)} if event.attachments else {}
            if event.metadata is not None:
                content["metadata"] = event.metadata
            if event.app_id is not None:
                content["app_id"] = event.app_id
            return Item(
                kind="echo",
                mid=event.mid or None,
                text=event.text,
                content=content,
                app_id=event.app_id,
                metadata=event.metadata,
                **base,
            )
        case PostbackReceived():
            referral = _referral(event.referral)
            postback = _without_none(
                {"title": event.title, "payload": event.payload, "referral": referral}
            )
            return Item(
                kind="postback",
                mid=event.mid or None,
                text=event.title,
                content={"postback": postback},
                referral=referral,
                **base,
            )
        case DeliveryReceived():
            return Item(kind="delivery", watermark=event.watermark, mids=event.mids, **base)
        case ReadReceived():
            return Item(kind="read", watermark=event.watermark, **base)
        case ReactionReceived():
            reaction = {
                "mid": event.mid,
                "action": event.action,
                "reaction": event.reaction,
                "emoji": event.emoji,
            }
            return Item(kind="reaction", reaction=reaction, **base)
        case MessageEdited():
            return Item(
                kind="edit", mid=event.mid, text=event.text, num_edit=event.num_edit, **base
            )
        case ReferralReceived():
            return Item(kind="referral", referral=_referral(event.referral) or {}, **base)
        case OptInReceived():
            optin = _without_none(
                {
                    "type": event.kind.value,
                    "token": event.token,
                    "payload": event.payload,
                    "title": event.title,
                    "ref": event.ref,
                    "user_ref": event.user_ref,
                    "timezone": event.timezone,
                    "status": event.status,
                    "token_expires_at": event.token_expires_at.isoformat()
                    if event.token_expires_at
                    else None,
                    "user_token_status": event.user_token_status,
                    "topic": event.topic,
                    "source": event.source,
                }
            )
            return Item(kind="optin", optin=optin, **base)
        case HandoverReceived():
            return Item(
                kind="handover",
                handover=_HANDOVERS.get(event.action, "other"),
                owner_app_id=event.new_owner_app_id,
                **base,
            )
        case PolicyEnforcementReceived():
            return Item(kind="policy", action=event.action, reason=event.reason, **base)
        case UnknownEvent():
            return Item(
                kind="unknown",
                unknown_kind=event.kind,
                unknown_fields=tuple(sorted(str(key) for key in event.raw)),
                **base,
            )
    raise TypeError(f"unexpected event type {type(event).__name__}")  # pragma: no cover


def _attachments(attachments: tuple[AttachmentInfo, ...]) -> list[dict[str, Any]]:
    return [
        _without_none(
            {
                "type": attachment.type,
                "url": attachment.url,
                "title": attachment.title,
                "sticker_id": attachment.sticker_id,
                "payload": dict(attachment.payload) if attachment.payload else None,
            }
        )
        for attachment in attachments
    ]


def _referral(referral: ReferralInfo | None) -> dict[str, Any] | None:
    if referral is None:
        return None
    return _without_none({f.name: getattr(referral, f.name) for f in fields(referral)})


def _without_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
