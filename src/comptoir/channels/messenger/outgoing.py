"""What Comptoir sends: recipients, messages, quick replies and attachments (reference §2).

Msgspec Structs that encode straight to the Send API's JSON, leaving unset fields out. Each
checks Meta's documented limits when built and raises ``InvalidSendError`` naming the
problem, so a bad message is refused before it leaves (and never costs a Graph call).
"""

from __future__ import annotations

from typing import Any

import msgspec

TEXT_LIMIT = 2000  # "less than 2000 characters" [SENDREF]
QUICK_REPLY_LIMIT = 13
QUICK_REPLY_TITLE_LIMIT = 20
PAYLOAD_LIMIT = 1000
METADATA_LIMIT = 1000
MULTIPLE_IMAGES_LIMIT = 30
ATTACHMENT_TYPES = frozenset({"image", "audio", "video", "file", "template"})


class InvalidSendError(ValueError):
    """A Send API request that Meta would refuse, caught before sending."""


class OutStruct(msgspec.Struct, omit_defaults=True, frozen=True):
    """Base of the outgoing Structs."""


class Recipient(OutStruct, frozen=True):
    """Exactly one of the recipient forms of reference §2.3."""

    id: str | None = None
    user_ref: str | None = None
    one_time_notif_token: str | None = None
    notification_messages_token: str | None = None
    comment_id: str | None = None
    post_id: str | None = None

    def __post_init__(self) -> None:
        given = [name for name in self.__struct_fields__ if getattr(self, name)]
        if len(given) != 1:
            raise InvalidSendError(
                "recipient needs exactly one of id, user_ref, one_time_notif_token, "
                f"notification_messages_token, comment_id, post_id (got {len(given)})"
            )

    @property
    def form(self) -> str:
        return next(name for name in self.__struct_fields__ if getattr(self, name))


class QuickReply(OutStruct, frozen=True):
    """A quick reply; ``QuickReply.text("Yes", "YES")``, ``.phone()`` or ``.email()``."""

    content_type: str
    title: str | None = None
    payload: str | None = None
    image_url: str | None = None

    @classmethod
    def text(cls, title: str, payload: str, image_url: str | None = None) -> QuickReply:
        return cls("text", title, payload, image_url)

    @classmethod
    def phone(cls) -> QuickReply:
        return cls("user_phone_number")

    @classmethod
    def email(cls) -> QuickReply:
        return cls("user_email")

    def __post_init__(self) -> None:
        if self.content_type not in ("text", "user_phone_number", "user_email"):
            raise InvalidSendError(
                f"quick reply content_type {self.content_type!r} is not text, "
                "user_phone_number or user_email"
            )
        if self.content_type != "text":
            return
        if not self.title and not self.image_url:
            raise InvalidSendError("a text quick reply needs a title (or an image_url)")
        if self.title and len(self.title) > QUICK_REPLY_TITLE_LIMIT:
            raise InvalidSendError(
                f"quick reply title is {len(self.title)} characters; the limit is "
                f"{QUICK_REPLY_TITLE_LIMIT}"
            )
        if self.payload is None or len(self.payload) > PAYLOAD_LIMIT:
            raise InvalidSendError(
                f"a text quick reply needs a payload of at most {PAYLOAD_LIMIT} characters"
            )


class Attachment(OutStruct, frozen=True):
    """``{"type": ..., "payload": {...}}``: media by url or attachment_id, or a template."""

    type: str
    payload: dict[str, Any]

    def __post_init__(self) -> None:
        if self.type not in ATTACHMENT_TYPES:
            raise InvalidSendError(
                f"attachment type {self.type!r} is not one of {', '.join(sorted(ATTACHMENT_TYPES))}"
            )
        if self.type == "template":
            if not self.payload.get("template_type"):
                raise InvalidSendError("a template attachment needs payload.template_type")
        elif not (self.payload.get("url") or self.payload.get("attachment_id")):
            raise InvalidSendError(f"a {self.type} attachment needs a url or an attachment_id")

    @classmethod
    def media(
        cls,
        type_: str,
        *,
        url: str | None = None,
        attachment_id: str | None = None,
        is_reusable: bool | None = None,
    ) -> Attachment:
        payload: dict[str, Any] = {}
        if url is not None:
            payload["url"] = url
        if attachment_id is not None:
            payload["attachment_id"] = attachment_id
        if is_reusable is not None:
            payload["is_reusable"] = is_reusable
        return cls(type_, payload)

    @classmethod
    def template(cls, template_type: str, **fields: Any) -> Attachment:
        return cls("template", {"template_type": template_type, **fields})


class UtilityTemplate(OutStruct, frozen=True):
    """``message.template`` of a UTILITY send (reference §2.11)."""

    name: str
    language: dict[str, str]
    components: list[dict[str, Any]] | None = None


class Message(OutStruct, frozen=True):
    text: str | None = None
    attachment: Attachment | None = None
    attachments: list[Attachment] | None = None
    quick_replies: list[QuickReply] | None = None
    metadata: str | None = None
    template: UtilityTemplate | None = None
    sticker_id: int | None = None

    def __post_init__(self) -> None:
        bodies = [
            name
            for name in ("text", "attachment", "attachments", "template", "sticker_id")
            if getattr(self, name) is not None
        ]
        if len(bodies) != 1:
            raise InvalidSendError(
                "a message needs exactly one of text, attachment, attachments, template or "
                f"sticker_id (got {', '.join(bodies) or 'none'})"
            )
        if self.text is not None and not self.text.strip():
            raise InvalidSendError("message text is empty")
        if self.text is not None and len(self.text) >= TEXT_LIMIT:
            raise InvalidSendError(
                f"message text is {len(self.text)} characters; it must be under {TEXT_LIMIT}"
            )
        if self.attachments is not None:
            if not self.attachments or len(self.attachments) > MULTIPLE_IMAGES_LIMIT:
                raise InvalidSendError(f"attachments takes 1 to {MULTIPLE_IMAGES_LIMIT} images")
            if any(item.type != "image" for item in self.attachments):
                raise InvalidSendError("several attachments in one message must all be images")
        if self.quick_replies is not None:
            if len(self.quick_replies) > QUICK_REPLY_LIMIT:
                raise InvalidSendError(
                    f"{len(self.quick_replies)} quick replies; the limit is {QUICK_REPLY_LIMIT}"
                )
            if self.text is None and self.attachment is None:
                raise InvalidSendError("quick replies need a text or an attachment")
        if self.metadata is not None and len(self.metadata) >= METADATA_LIMIT:
            raise InvalidSendError(f"metadata must be under {METADATA_LIMIT} characters")


class ThreadControl(OutStruct, frozen=True):
    control_type: str = "release"
    app_id: str | None = None
