"""What a sender asks for: the ``SendMessage`` command, its checks, its Send API shapes.

``services.sending`` takes the command; this module holds its parts: the dataclasses, the
checks that name the first wrong field (``InvalidSendError``), the request as the policy
engine sees it (``policy_request``) and the ``message`` object of the Send API request
(``wire_message``, Meta's limits checked once more by the channel's structs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from comptoir.channels.messenger import outgoing as wire
from comptoir.channels.messenger.send_api import SendMessage as GraphSendMessage
from comptoir.domain.policy_model import (
    Allowed,
    ContentKind,
    Mechanism,
    SenderKind,
    SendRequest,
    UtilityTemplate,
)

AuthorKind = Literal["agent", "bot", "system", "broadcast"]
AUTHOR_KINDS: tuple[str, ...] = ("agent", "bot", "system", "broadcast")

#: Meta's limits on message content (reference §2.2, §2.9): text "less than 2000".
MAX_TEXT = 1999
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
MAX_QUICK_REPLY_PAYLOAD = 1000
QUICK_REPLY_TYPES = ("text", "user_phone_number", "user_email")
ATTACHMENT_TYPES = ("image", "audio", "video", "file", "template")
OPTIN_TEMPLATES = ("notification_messages", "one_time_notif_req")
SENDER_ACTIONS = ("typing_on", "typing_off", "mark_seen")


class SendError(Exception):
    """Root of the sending errors; ``code`` is a stable machine-readable name."""

    code = "send_error"


class SendTargetNotFoundError(SendError):
    """No such conversation or contact in this workspace."""

    code = "not_found"


class InvalidSendError(SendError):
    """The command itself is wrong (empty text, too many quick replies...)."""

    code = "invalid_message"

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True, slots=True)
class QuickReply:
    title: str = ""
    payload: str = ""
    content_type: str = "text"
    image_url: str | None = None

    def wire(self) -> dict[str, Any]:
        if self.content_type != "text":
            return {"content_type": self.content_type}
        reply: dict[str, Any] = {
            "content_type": "text",
            "title": self.title,
            "payload": self.payload,
        }
        if self.image_url:
            reply["image_url"] = self.image_url
        return reply


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file by ``url`` or ``attachment_id``, or a template (``type="template"``, ``payload``)."""

    type: str
    url: str | None = None
    attachment_id: str | None = None
    payload: Mapping[str, Any] | None = None

    def wire(self) -> dict[str, Any]:
        if self.type == "template":
            return {"type": "template", "payload": dict(self.payload or {})}
        if self.attachment_id:
            return {"type": self.type, "payload": {"attachment_id": self.attachment_id}}
        return {"type": self.type, "payload": {"url": self.url}}


@dataclass(frozen=True, slots=True)
class UtilityTemplateMessage:
    """An approved utility template and its parameters (``messaging_type: UTILITY``)."""

    template: UtilityTemplate
    language: str = "en"
    components: tuple[Mapping[str, Any], ...] = ()

    def wire(self) -> dict[str, Any]:
        return {
            "name": self.template.name,
            "language": {"code": self.language},
            "components": [dict(c) for c in self.components],
        }


@dataclass(frozen=True, slots=True)
class SendMessage:
    """Send something to a person: by conversation, or by contact (its open conversation)."""

    workspace_id: int
    conversation_id: int | None = None
    contact_id: int | None = None
    author_kind: AuthorKind = "bot"
    author_name: str = ""
    text: str | None = None
    attachment: Attachment | None = None
    utility_template: UtilityTemplateMessage | None = None
    quick_replies: tuple[QuickReply, ...] = ()
    #: Deals, offers, coupons...: never allowed under a tag or a utility template.
    promotional: bool = False
    #: Not a reply: inside the window it goes as UPDATE instead of RESPONSE.
    proactive: bool = False
    #: AUTO lets the engine choose; TAG (with ``tag``), UTILITY or a token kind ask for one.
    mechanism: Mechanism = Mechanism.AUTO
    tag: str | None = None
    token: str | None = None
    #: 0: a live reply; 1: bulk (broadcasts), which yields to live replies.
    priority: int = 0


# -- checking the command ---------------------------------------------------------------


def check_command(command: SendMessage) -> None:
    """Raise ``InvalidSendError`` naming the first thing wrong with ``command``."""
    if command.author_kind not in AUTHOR_KINDS:
        raise InvalidSendError(
            "author_kind", f"author_kind must be one of {', '.join(AUTHOR_KINDS)}"
        )
    if command.conversation_id is None and command.contact_id is None:
        raise InvalidSendError("conversation_id", "give a conversation_id or a contact_id")
    if command.priority not in (0, 1):
        raise InvalidSendError("priority", "priority must be 0 (live) or 1 (bulk)")
    bodies = [b for b in (command.text, command.attachment, command.utility_template) if b]
    if command.text is not None and not command.text.strip():
        raise InvalidSendError("text", "text must not be empty")
    if len(bodies) != 1:
        raise InvalidSendError("text", "give exactly one of text, attachment or utility_template")
    if command.text is not None and len(command.text) > MAX_TEXT:
        raise InvalidSendError("text", f"text must be under {MAX_TEXT + 1} characters")
    if command.attachment is not None:
        _check_attachment(command.attachment)
    _check_quick_replies(command)
    if command.mechanism is Mechanism.TAG and not command.tag:
        raise InvalidSendError("tag", "a tag is needed with mechanism 'tag'")


def _check_attachment(attachment: Attachment) -> None:
    if attachment.type not in ATTACHMENT_TYPES:
        raise InvalidSendError(
            "attachment.type", f"attachment.type must be one of {', '.join(ATTACHMENT_TYPES)}"
        )
    if attachment.type == "template":
        payload = attachment.payload or {}
        if not isinstance(payload.get("template_type"), str):
            raise InvalidSendError(
                "attachment.payload", "a template attachment needs payload.template_type"
            )
    elif bool(attachment.url) == bool(attachment.attachment_id):
        raise InvalidSendError("attachment", "give exactly one of attachment url or attachment_id")
    elif attachment.url and not attachment.url.startswith(("https://", "http://")):
        raise InvalidSendError("attachment.url", "attachment.url must be an http(s) URL")


def _check_quick_replies(command: SendMessage) -> None:
    replies = command.quick_replies
    if not replies:
        return
    if command.utility_template is not None:
        raise InvalidSendError("quick_replies", "a utility template takes no quick replies")
    if len(replies) > MAX_QUICK_REPLIES:
        raise InvalidSendError(
            "quick_replies", f"at most {MAX_QUICK_REPLIES} quick replies are allowed"
        )
    for index, reply in enumerate(replies):
        where = f"quick_replies[{index}]"
        if reply.content_type not in QUICK_REPLY_TYPES:
            raise InvalidSendError(
                f"{where}.content_type",
                f"content_type must be one of {', '.join(QUICK_REPLY_TYPES)}",
            )
        if reply.content_type != "text":
            continue
        if not reply.title and not reply.image_url:
            raise InvalidSendError(f"{where}.title", "a text quick reply needs a title")
        if len(reply.title) > MAX_QUICK_REPLY_TITLE:
            raise InvalidSendError(
                f"{where}.title", f"title must be at most {MAX_QUICK_REPLY_TITLE} characters"
            )
        if not reply.payload and not reply.image_url:
            raise InvalidSendError(f"{where}.payload", "a text quick reply needs a payload")
        if len(reply.payload) > MAX_QUICK_REPLY_PAYLOAD:
            raise InvalidSendError(
                f"{where}.payload",
                f"payload must be at most {MAX_QUICK_REPLY_PAYLOAD} characters",
            )


# -- the request and the message ----------------------------------------------------------


def policy_request(command: SendMessage) -> SendRequest:
    """The command as the policy engine sees it."""
    return SendRequest(
        sender=SenderKind(command.author_kind),
        content=_content_kind(command),
        promotional=command.promotional,
        mechanism=command.mechanism,
        tag=command.tag,
        token=command.token,
        template=command.utility_template.template if command.utility_template else None,
        proactive=command.proactive,
    )


def _content_kind(command: SendMessage) -> ContentKind:
    if command.utility_template is not None:
        return ContentKind.UTILITY_TEMPLATE
    attachment = command.attachment
    if attachment is None:
        return ContentKind.TEXT
    if attachment.type != "template":
        return ContentKind.ATTACHMENT
    if (attachment.payload or {}).get("template_type") in OPTIN_TEMPLATES:
        return ContentKind.OPTIN_REQUEST
    return ContentKind.TEMPLATE


def wire_message(command: SendMessage) -> wire.Message:
    """The ``message`` object of the Send API request; Meta's limits are checked here too."""
    try:
        quick_replies = [
            wire.QuickReply(
                content_type=reply.content_type,
                title=reply.title or None,
                payload=reply.payload if reply.content_type == "text" else None,
                image_url=reply.image_url,
            )
            for reply in command.quick_replies
        ]
        attachment = None
        if command.attachment is not None:
            data = command.attachment.wire()
            attachment = wire.Attachment(data["type"], data["payload"])
        template = None
        if command.utility_template is not None:
            data = command.utility_template.wire()
            template = wire.UtilityTemplate(data["name"], data["language"], data["components"])
        return wire.Message(
            text=command.text,
            attachment=attachment,
            template=template,
            quick_replies=quick_replies or None,
        )
    except wire.InvalidSendError as exc:
        raise InvalidSendError("message", str(exc)) from None


def send_api_body(message: wire.Message, allowed: Allowed, psid: str) -> dict[str, Any]:
    """The Send API request as the engine allowed it (the metadata is added when stored)."""
    request = GraphSendMessage.for_decision(allowed, psid, message)
    body: dict[str, Any] = msgspec.to_builtins(request.body())
    return body


def stored_content(command: SendMessage, allowed: Allowed) -> dict[str, Any]:
    content: dict[str, Any] = {"mechanism": allowed.mechanism.value}
    if allowed.valid_until is not None:
        content["valid_until"] = allowed.valid_until.isoformat()
    if command.attachment is not None:
        content["attachment"] = command.attachment.wire()
    if command.utility_template is not None:
        content["template"] = command.utility_template.wire()
    if command.quick_replies:
        content["quick_replies"] = [reply.wire() for reply in command.quick_replies]
    if command.promotional:
        content["promotional"] = True
    return content
