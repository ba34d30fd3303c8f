"""From the wire (``wire.Envelope``) to the flat list of ``events.ReceivedEvent``."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
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
    OptInKind,
    OptInReceived,
    PolicyEnforcementReceived,
    PostbackReceived,
    ReactionReceived,
    ReadReceived,
    ReceivedEvent,
    ReferralInfo,
    ReferralReceived,
    UnknownEvent,
    millis,
    to_datetime,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Builder = Callable[["_Item", wire.MessagingItem, Any], ReceivedEvent]


def normalise(envelope: wire.Envelope) -> list[ReceivedEvent]:
    """Every event of every entry, in the order Meta put them."""
    events: list[ReceivedEvent] = []
    for entry in envelope.entry:
        page_id = _id(entry.id) or ""
        entry_time = to_datetime(entry.time) or _EPOCH
        for standby, items in ((False, entry.messaging), (True, entry.standby)):
            for raw in items or ():
                item = _Item(envelope.object, page_id, entry_time, standby, raw)
                events.append(item.event())
        for raw in entry.changes or ():
            events.append(_change(envelope.object, page_id, entry_time, raw))
    return events


class _Item:
    """One ``messaging``/``standby`` item on its way to an event."""

    __slots__ = ("entry_time", "page_id", "platform", "raw", "standby")

    def __init__(
        self, platform: str, page_id: str, entry_time: datetime, standby: bool, raw: msgspec.Raw
    ) -> None:
        self.platform = platform
        self.page_id = page_id
        self.entry_time = entry_time
        self.standby = standby
        self.raw = raw

    def event(self) -> ReceivedEvent:
        try:
            item = wire.ITEM_DECODER.decode(self.raw)
        except msgspec.DecodeError as exc:
            return self.unknown("invalid", detail=str(exc))
        for kind, build in _BUILDERS:
            part = getattr(item, kind)
            if part is not None:
                return build(self, item, part)
        return self.unknown(self._first_key())

    # -- shared fields -----------------------------------------------------------------

    def common(self, item: wire.MessagingItem, key: str, *, echo: bool = False) -> dict[str, Any]:
        page_party, person = (
            (item.sender, item.recipient) if echo else (item.recipient, item.sender)
        )
        page_id = _id(page_party.id if page_party else None) or self.page_id
        psid = _id(person.id) if person else None
        timestamp = to_datetime(item.timestamp) or self.entry_time
        return {
            "page_id": page_id,
            "psid": psid,
            "timestamp": timestamp,
            "standby": self.standby,
            "platform": self.platform,
            "dedupe_key": key,
        }

    def key(
        self, kind: str, item: wire.MessagingItem, *, echo: bool = False, mark: object = None
    ) -> str:
        page_party, person = (
            (item.sender, item.recipient) if echo else (item.recipient, item.sender)
        )
        page_id = _id(page_party.id if page_party else None) or self.page_id
        psid = (_id(person.id) or person.user_ref or "") if person else ""
        if mark is None:
            moment = to_datetime(item.timestamp) or self.entry_time
            mark = millis(moment)
        return f"{kind}:{page_id}:{psid}:{mark}"

    def unknown(self, kind: str, *, detail: str | None = None) -> UnknownEvent:
        try:
            raw = wire.RAW_DECODER.decode(self.raw)
        except msgspec.DecodeError:
            raw = {"_undecodable": bytes(self.raw).decode("utf-8", "replace")}
        if detail is not None:
            raw = {**raw, "_decode_error": detail}
        sender = raw.get("sender")
        recipient = raw.get("recipient")
        psid = _id(sender.get("id")) if isinstance(sender, dict) else None
        page_id = (
            _id(recipient.get("id")) if isinstance(recipient, dict) else None
        ) or self.page_id
        stamp = raw.get("timestamp")
        timestamp = to_datetime(stamp if isinstance(stamp, int | float | str) else None)
        moment = timestamp or self.entry_time
        return UnknownEvent(
            page_id=page_id,
            psid=psid,
            timestamp=moment,
            standby=self.standby,
            platform=self.platform,
            dedupe_key=f"{kind}:{page_id}:{psid or ''}:{millis(moment)}",
            kind=kind,
            raw=raw,
        )

    def _first_key(self) -> str:
        try:
            raw = wire.RAW_DECODER.decode(self.raw)
        except msgspec.DecodeError:
            return "invalid"
        extra = [key for key in raw if key not in ("sender", "recipient", "timestamp")]
        return extra[0] if extra else "empty"


def _message(item: _Item, wire_item: wire.MessagingItem, message: wire.Message) -> ReceivedEvent:
    mid = message.mid or ""
    if message.is_echo:
        key = f"mid:{mid}" if mid else item.key("echo", wire_item, echo=True)
        return EchoReceived(
            **item.common(wire_item, key, echo=True),
            mid=mid,
            app_id=_id(message.app_id),
            text=message.text,
            attachments=_attachments(message.attachments),
            metadata=message.metadata,
        )
    key = f"mid:{mid}" if mid else item.key("message", wire_item)
    return MessageReceived(
        **item.common(wire_item, key),
        mid=mid,
        text=message.text,
        quick_reply_payload=message.quick_reply.payload if message.quick_reply else None,
        attachments=_attachments(message.attachments),
        referral=_referral(message.referral),
        reply_to_mid=message.reply_to.mid if message.reply_to else None,
        commands=tuple(command.name for command in message.commands or ()),
    )


def _postback(item: _Item, wire_item: wire.MessagingItem, postback: wire.Postback) -> ReceivedEvent:
    key = f"mid:{postback.mid}" if postback.mid else item.key("postback", wire_item)
    return PostbackReceived(
        **item.common(wire_item, key),
        mid=postback.mid,
        title=postback.title,
        payload=postback.payload,
        referral=_referral(postback.referral),
    )


def _delivery(item: _Item, wire_item: wire.MessagingItem, delivery: wire.Delivery) -> ReceivedEvent:
    watermark = to_datetime(delivery.watermark) or item.entry_time
    common = item.common(wire_item, item.key("delivery", wire_item, mark=millis(watermark)))
    if wire_item.timestamp is None:  # the documented delivery has no timestamp
        common["timestamp"] = watermark
    return DeliveryReceived(**common, watermark=watermark, mids=tuple(delivery.mids or ()))


def _read(item: _Item, wire_item: wire.MessagingItem, read: wire.Read) -> ReceivedEvent:
    watermark = to_datetime(read.watermark)
    mark: object = millis(watermark) if watermark else (read.mid or None)
    return ReadReceived(
        **item.common(wire_item, item.key("read", wire_item, mark=mark)),
        watermark=watermark,
        mid=read.mid,
    )


def _reaction(item: _Item, wire_item: wire.MessagingItem, reaction: wire.Reaction) -> ReceivedEvent:
    return ReactionReceived(
        **item.common(wire_item, item.key("reaction", wire_item)),
        mid=reaction.mid,
        action=reaction.action,
        reaction=reaction.reaction,
        emoji=reaction.emoji,
    )


def _edit(item: _Item, wire_item: wire.MessagingItem, edit: wire.MessageEdit) -> ReceivedEvent:
    return MessageEdited(
        **item.common(wire_item, item.key("message_edit", wire_item)),
        mid=edit.mid,
        text=edit.text,
        num_edit=edit.num_edit,
    )


def _referral_event(
    item: _Item, wire_item: wire.MessagingItem, part: wire.Referral
) -> ReceivedEvent:
    referral = _referral(part) or ReferralInfo(source=None)
    return ReferralReceived(
        **item.common(wire_item, item.key("referral", wire_item)), referral=referral
    )


def _optin(item: _Item, wire_item: wire.MessagingItem, optin: wire.OptIn) -> ReceivedEvent:
    kind = {
        "one_time_notif_req": OptInKind.ONE_TIME_NOTIFICATION,
        "notification_messages": OptInKind.NOTIFICATION_MESSAGES,
    }.get(optin.type or "", OptInKind.PLUGIN)
    # Several opt-in events may share a timestamp (a stop sends one per token): the token (as
    # a digest, never in clear) and the status are part of the key.
    token = optin.notification_messages_token or optin.one_time_notif_token
    moment = millis(to_datetime(wire_item.timestamp) or item.entry_time)
    mark = f"{moment}:{optin.notification_messages_status or ''}"
    if token:
        mark += ":" + hashlib.sha256(token.encode()).hexdigest()[:16]
    common = item.common(wire_item, item.key("optin", wire_item, mark=mark))
    if common["psid"] is None and optin.user_ref:
        common["dedupe_key"] = (
            f"optin:{common['page_id']}:{optin.user_ref}:{millis(common['timestamp'])}"
        )
    return OptInReceived(
        **common,
        kind=kind,
        token=optin.notification_messages_token or optin.one_time_notif_token,
        payload=optin.payload,
        title=optin.title,
        ref=optin.ref,
        user_ref=optin.user_ref,
        timezone=optin.notification_messages_timezone,
        status=optin.notification_messages_status,
        token_expires_at=to_datetime(optin.token_expiry_timestamp),
        user_token_status=optin.user_token_status,
        topic=optin.notification_messages_topic,
        source=optin.source,
    )


def _handover(action: HandoverAction) -> Builder:
    def build(item: _Item, wire_item: wire.MessagingItem, part: Any) -> ReceivedEvent:
        common = item.common(wire_item, item.key(action.value, wire_item))
        if isinstance(part, dict):
            roles = {str(app): tuple(names) for app, names in part.items()}
            return HandoverReceived(**common, action=action, app_roles=roles)
        if isinstance(part, wire.RequestThreadControl):
            return HandoverReceived(
                **common,
                action=action,
                requested_owner_app_id=_id(part.requested_owner_app_id),
                metadata=part.metadata,
            )
        control: wire.ThreadControl = part
        return HandoverReceived(
            **common,
            action=action,
            previous_owner_app_id=_id(control.previous_owner_app_id),
            new_owner_app_id=_id(control.new_owner_app_id),
            metadata=control.metadata,
        )

    return build


def _policy(
    item: _Item, wire_item: wire.MessagingItem, enforcement: wire.PolicyEnforcement
) -> ReceivedEvent:
    return PolicyEnforcementReceived(
        **item.common(wire_item, item.key("policy_enforcement", wire_item)),
        action=enforcement.action,
        reason=enforcement.reason,
    )


_BUILDERS: tuple[tuple[str, Builder], ...] = (
    ("message", _message),
    ("postback", _postback),
    ("delivery", _delivery),
    ("read", _read),
    ("reaction", _reaction),
    ("message_edit", _edit),
    ("optin", _optin),
    ("pass_thread_control", _handover(HandoverAction.PASS)),
    ("take_thread_control", _handover(HandoverAction.TAKE)),
    ("request_thread_control", _handover(HandoverAction.REQUEST)),
    ("app_roles", _handover(HandoverAction.APP_ROLES)),
    ("policy_enforcement", _policy),
    # Last: a message or postback may carry a referral of its own.
    ("referral", _referral_event),
)


def _change(platform: str, page_id: str, entry_time: datetime, raw: msgspec.Raw) -> UnknownEvent:
    try:
        change = wire.RAW_DECODER.decode(raw)
    except msgspec.DecodeError:
        change = {"_undecodable": bytes(raw).decode("utf-8", "replace")}
    field = change.get("field")
    kind = f"changes:{field}" if isinstance(field, str) else "changes"
    digest = hashlib.sha256(bytes(raw)).hexdigest()[:16]
    return UnknownEvent(
        page_id=page_id,
        psid=None,
        timestamp=entry_time,
        platform=platform,
        dedupe_key=f"{kind}:{page_id}:{millis(entry_time)}:{digest}",
        kind=kind,
        raw=change,
    )


def _attachments(attachments: list[wire.Attachment] | None) -> tuple[AttachmentInfo, ...]:
    result = []
    for attachment in attachments or ():
        payload = attachment.payload or {}
        url = payload.get("url") if isinstance(payload.get("url"), str) else attachment.url
        sticker = payload.get("sticker_id")
        result.append(
            AttachmentInfo(
                type=attachment.type,
                url=url,
                title=attachment.title
                or (payload.get("title") if isinstance(payload.get("title"), str) else None),
                sticker_id=_id(sticker) if isinstance(sticker, int | str) else None,
                payload=payload,
            )
        )
    return tuple(result)


def _referral(referral: wire.Referral | None) -> ReferralInfo | None:
    if referral is None:
        return None
    ads = referral.ads_context_data
    product = referral.product or {}
    product_id = product.get("id") if isinstance(product.get("id"), int | str) else None
    return ReferralInfo(
        source=referral.source,
        type=referral.type,
        ref=referral.ref,
        ad_id=_id(referral.ad_id),
        ad_title=ads.ad_title if ads else None,
        post_id=_id(ads.post_id) if ads else None,
        flow_id=_id(ads.flow_id) if ads else None,
        referer_uri=referral.referer_uri,
        product_id=_id(product_id) or (_id(ads.product_id) if ads else None),
    )


def _parties(item: wire.MessagingItem, echo: bool) -> tuple[wire.Party | None, wire.Party | None]:
    """(the Page, the person): an echo is sent by the Page to the person."""
    return (item.sender, item.recipient) if echo else (item.recipient, item.sender)


def _id(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | str):
        text = str(value)
        return text or None
    return None
