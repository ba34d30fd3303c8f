"""What the flow engine asks the runtime to do, in order. The runtime sends messages through
the one sending path, stores fields and labels, records consent, makes HTTP calls and
schedules waits; the engine itself does nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class QuickReply:
    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class Button:
    """A postback button (``payload``) or a link button (``url``)."""

    title: str
    payload: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class TemplateCard:
    title: str
    subtitle: str | None = None
    image_url: str | None = None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class SendText:
    text: str


@dataclass(frozen=True, slots=True)
class SendQuickReplies:
    text: str
    replies: tuple[QuickReply, ...]


@dataclass(frozen=True, slots=True)
class SendButtons:
    text: str
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class SendTemplate:
    cards: tuple[TemplateCard, ...]


@dataclass(frozen=True, slots=True)
class SetField:
    field: str
    value: str


@dataclass(frozen=True, slots=True)
class AddLabel:
    label: str


@dataclass(frozen=True, slots=True)
class RemoveLabel:
    label: str


@dataclass(frozen=True, slots=True)
class Subscribe:
    """The contact asked to receive ``topic``: record the consent (who, when, how), with the
    question shown and the answer given when it came from a consent question."""

    topic: str
    wording: str = ""
    answer: str = ""


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    topic: str
    wording: str = ""
    answer: str = ""


@dataclass(frozen=True, slots=True)
class CallHttp:
    """Call the business's endpoint, then feed ``HttpDone`` back to the engine."""

    url: str
    method: str
    timeout_s: float
    retries: int
    body: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Wait:
    """Feed ``WaitOver`` back to the engine at ``until``."""

    delay: timedelta
    until: datetime


@dataclass(frozen=True, slots=True)
class Handover:
    """Hand the conversation to a person: automation stops until it is handed back."""


@dataclass(frozen=True, slots=True)
class EndFlow:
    """The flow is over; ``reason``: "done", "handover", "gave_up", "step_missing", "loop"."""

    reason: str = "done"


Action = (
    SendText
    | SendQuickReplies
    | SendButtons
    | SendTemplate
    | SetField
    | AddLabel
    | RemoveLabel
    | Subscribe
    | Unsubscribe
    | CallHttp
    | Wait
    | Handover
    | EndFlow
)

#: the actions that send a message to the contact
SEND_ACTIONS = (SendText, SendQuickReplies, SendButtons, SendTemplate)
