"""A broadcast's message as JSON (what the API and the CLI take) and as a ``SendMessage``.

``parse_message`` checks the JSON and raises ``InvalidBroadcastError`` naming the first wrong
field; the message is then checked once more by the sending path's own rules
(``send_command.check_command`` and the channel's structs), so a broadcast can only hold a
message that ``send_message`` would accept.

    {"text": "...", "quick_replies": [{"title": "Yes", "payload": "YES"}]}
    {"attachment": {"type": "template", "payload": {"template_type": "button", ...}}}
    {"utility_template": {"name": "order_update", "language": "en", "components": []}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from comptoir.domain.policy_model import (
    ContentKind,
    Mechanism,
    TemplateCategory,
    TemplateStatus,
    UtilityTemplate,
)
from comptoir.services.send_command import (
    Attachment,
    InvalidSendError,
    QuickReply,
    SendMessage,
    UtilityTemplateMessage,
    check_command,
    policy_request,
    wire_message,
)


class BroadcastError(Exception):
    """Root of the broadcast errors; ``code`` is a stable machine-readable name."""

    code = "broadcast_error"


class InvalidBroadcastError(BroadcastError):
    """A field of the broadcast is wrong; ``field`` names it."""

    code = "invalid_broadcast"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class BroadcastMessage:
    text: str | None = None
    quick_replies: tuple[QuickReply, ...] = ()
    attachment: Attachment | None = None
    utility_template: UtilityTemplateMessage | None = None

    def command(
        self,
        workspace_id: int,
        contact_id: int,
        *,
        promotional: bool = False,
        mechanism: Mechanism = Mechanism.AUTO,
        token: str | None = None,
    ) -> SendMessage:
        return SendMessage(
            workspace_id=workspace_id,
            contact_id=contact_id,
            author_kind="broadcast",
            text=self.text,
            attachment=self.attachment,
            utility_template=self.utility_template,
            quick_replies=self.quick_replies,
            promotional=promotional,
            proactive=True,
            mechanism=mechanism,
            token=token,
            priority=1,
        )

    @property
    def content(self) -> ContentKind:
        return policy_request(self.command(0, 0)).content

    @property
    def quick_reply_payloads(self) -> frozenset[str]:
        return frozenset(reply.payload for reply in self.quick_replies if reply.payload)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.text is not None:
            data["text"] = self.text
        if self.quick_replies:
            data["quick_replies"] = [reply.wire() for reply in self.quick_replies]
        if self.attachment is not None:
            data["attachment"] = self.attachment.wire()
        if self.utility_template is not None:
            data["utility_template"] = {
                **self.utility_template.wire(),
                "status": self.utility_template.template.status.value,
            }
        return data


def parse_message(data: object) -> BroadcastMessage:
    """The message in ``data`` (JSON), checked like any message sent through Comptoir."""
    if not isinstance(data, Mapping):
        raise InvalidBroadcastError("message", "message must be an object")
    unknown = set(data) - {"text", "quick_replies", "attachment", "utility_template"}
    if unknown:
        raise InvalidBroadcastError(f"message.{sorted(unknown)[0]}", "unknown field in the message")
    text = data.get("text")
    if text is not None and not isinstance(text, str):
        raise InvalidBroadcastError("message.text", "text must be a string")
    message = BroadcastMessage(
        text=text,
        quick_replies=_quick_replies(data.get("quick_replies")),
        attachment=_attachment(data.get("attachment")),
        utility_template=_utility(data.get("utility_template")),
    )
    command = message.command(0, 0)
    try:
        check_command(command)
        wire_message(command)
    except InvalidSendError as exc:
        raise InvalidBroadcastError(f"message.{exc.field}", exc.message) from None
    return message


def _quick_replies(items: object) -> tuple[QuickReply, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise InvalidBroadcastError("message.quick_replies", "quick_replies must be a list")
    replies = []
    for index, item in enumerate(items):
        where = f"message.quick_replies[{index}]"
        if not isinstance(item, Mapping):
            raise InvalidBroadcastError(where, "a quick reply must be an object")
        values = {key: item.get(key) for key in ("title", "payload", "content_type", "image_url")}
        for key, value in values.items():
            if value is not None and not isinstance(value, str):
                raise InvalidBroadcastError(f"{where}.{key}", f"{key} must be a string")
        replies.append(
            QuickReply(
                title=values["title"] or "",
                payload=values["payload"] or "",
                content_type=values["content_type"] or "text",
                image_url=values["image_url"],
            )
        )
    return tuple(replies)


def _attachment(data: object) -> Attachment | None:
    if data is None:
        return None
    if not isinstance(data, Mapping) or not isinstance(data.get("type"), str):
        raise InvalidBroadcastError("message.attachment", "attachment needs a type")
    payload = data.get("payload")
    if data["type"] == "template":
        if not isinstance(payload, Mapping):
            raise InvalidBroadcastError("message.attachment.payload", "payload must be an object")
        return Attachment(type="template", payload=dict(payload))
    source = payload if isinstance(payload, Mapping) else data
    url, attachment_id = source.get("url"), source.get("attachment_id")
    if (url is not None and not isinstance(url, str)) or (
        attachment_id is not None and not isinstance(attachment_id, str)
    ):
        raise InvalidBroadcastError("message.attachment", "url and attachment_id are strings")
    return Attachment(type=str(data["type"]), url=url, attachment_id=attachment_id)


def _utility(data: object) -> UtilityTemplateMessage | None:
    if data is None:
        return None
    if not isinstance(data, Mapping) or not isinstance(data.get("name"), str) or not data["name"]:
        raise InvalidBroadcastError("message.utility_template.name", "a template name is needed")
    language = data.get("language", "en")
    components = data.get("components", [])
    status = data.get("status", TemplateStatus.APPROVED.value)
    if not isinstance(language, str) or not language:
        raise InvalidBroadcastError("message.utility_template.language", "language is a code")
    if not isinstance(components, list) or not all(isinstance(c, Mapping) for c in components):
        raise InvalidBroadcastError(
            "message.utility_template.components", "components must be a list of objects"
        )
    if status not in {s.value for s in TemplateStatus}:
        raise InvalidBroadcastError(
            "message.utility_template.status",
            f"status must be one of {', '.join(s.value for s in TemplateStatus)}",
        )
    return UtilityTemplateMessage(
        template=UtilityTemplate(
            str(data["name"]), TemplateStatus(status), TemplateCategory.UTILITY
        ),
        language=language,
        components=tuple(dict(c) for c in components),
    )
