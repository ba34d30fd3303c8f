"""One received event as the intake writes it: a flat, typed record of what to store.

``intake_events.to_item`` builds these from the Messenger channel's typed events; the batch
writer (``intake_batch``) only ever sees ``Item``. Kinds:

    message   a customer's message (text, attachments, quick reply, referral, reply_to...)
    echo      a copy of a message the Page sent (our app, Meta's Page inbox or another app)
    postback  a button, Get Started or menu tap
    delivery  read      receipts for the Page's messages, by watermark (and mids)
    reaction  a reaction added or removed on a message
    edit      the customer edited one of their messages
    referral  an m.me link, ad or code opened an existing thread
    optin     a notification opt-in (marketing messages, one-time, plugin)
    handover  thread control passed, taken or requested (Conversation Routing)
    policy    Meta's policy enforcement on the Page (warning, block, unblock)
    unknown   anything else: kept raw, logged once
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

Kind = Literal[
    "message",
    "echo",
    "postback",
    "delivery",
    "read",
    "reaction",
    "edit",
    "referral",
    "optin",
    "handover",
    "policy",
    "unknown",
]

#: Kinds that are a person's action and open (or reset) the messaging window (§3.1).
QUALIFYING: frozenset[str] = frozenset({"message", "postback", "reaction", "referral"})


class Item(msgspec.Struct, frozen=True, kw_only=True):
    """Immutable; a struct rather than a frozen dataclass because the intake builds one per
    event and a frozen dataclass's constructor costs several times more."""

    kind: Kind
    page_id: str
    #: The person (sender of a customer event, recipient of an echo); None for Page events.
    psid: str | None
    at: datetime
    standby: bool
    dedupe_key: str
    #: The event's JSON text exactly as Meta sent it (one ``messaging[]``/``standby[]``
    #: element).
    payload_json: str
    mid: str | None = None
    text: str | None = None
    #: What goes in ``messages.content``: attachments, quick_reply, referral, postback...
    content: dict[str, Any] = msgspec.field(default_factory=dict)
    #: Echoes: the sending app and the send request's ``metadata``.
    app_id: str | None = None
    metadata: str | None = None
    #: Receipts.
    watermark: datetime | None = None
    mids: tuple[str, ...] = ()
    #: Reactions (reaction, emoji, action) and edits (num_edit).
    reaction: dict[str, Any] | None = None
    num_edit: int = 0
    #: Where the person came from (message/postback referral, or the referral event).
    referral: dict[str, Any] | None = None
    #: Opt-ins: the ``optin`` object.
    optin: dict[str, Any] | None = None
    #: Handovers: pass / take / request, and the app that owns the thread now.
    handover: str | None = None
    owner_app_id: str | None = None
    #: Policy enforcement: warning / block / unblock, and Meta's reason.
    action: str | None = None
    reason: str | None = None
    #: Unknown events: what the channel called them, and their top-level fields.
    unknown_kind: str | None = None
    unknown_fields: tuple[str, ...] = ()
