"""The Graph calls Comptoir makes, one frozen dataclass each (reference §2, §6, App. B).

Each knows its HTTP method, its path, its body and how to read its answer; ``GraphClient``
(``send_api``) sends any of them. Ids that go into a path are checked to be plain ids, so a
PSID can never turn ``me/messages`` into another path.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Literal, TypeVar

from comptoir.channels.messenger.outgoing import (
    InvalidSendError,
    Message,
    Recipient,
    ThreadControl,
)
from comptoir.channels.messenger.results import (
    AttachmentUploadResult,
    SenderActionResult,
    SendResult,
    SuccessResult,
    UserProfile,
    read_object,
)
from comptoir.domain.policy_model import Allowed, RecipientForm

T = TypeVar("T")
_SEGMENT = re.compile(r"[0-9A-Za-z_]{1,64}")
_FIELD = re.compile(r"[a-z_]{1,64}")
MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG", "UTILITY")
PROFILE_FIELDS = frozenset(
    {
        "get_started",
        "greeting",
        "ice_breakers",
        "persistent_menu",
        "whitelisted_domains",
        "account_linking_url",
        "commands",
    }
)
SenderAction = Literal["typing_on", "typing_off", "mark_seen", "react", "unreact"]


def segment(value: str, what: str) -> str:
    """An id used in a URL path: letters, digits and underscores only (no ``/``, no ``..``)."""
    if not _SEGMENT.fullmatch(value):
        raise InvalidSendError(f"{what} {value!r} is not a valid Graph id")
    return value


class GraphRequest(ABC, Generic[T]):
    """A Graph call: HTTP method, path, query, body, and the type its answer decodes to."""

    http_method: ClassVar[str] = "POST"

    @abstractmethod
    def path(self) -> str:
        """The path after the version, e.g. ``me/messages``."""

    @abstractmethod
    def decode(self, content: bytes) -> T:
        """The typed answer from the response body."""

    def query(self) -> Mapping[str, str] | None:
        return None

    def body(self) -> object | None:
        """A msgspec-encodable body sent as JSON, or None."""
        return None

    def files(self) -> Mapping[str, tuple[str, bytes, str]] | None:
        """Multipart files; when set, ``body`` goes as form fields holding JSON strings."""
        return None


@dataclass(frozen=True, slots=True)
class SendMessage(GraphRequest[SendResult]):
    recipient: Recipient
    message: Message
    messaging_type: str | None = "RESPONSE"
    tag: str | None = None
    notification_type: str | None = None
    persona_id: str | None = None
    reply_to_mid: str | None = None
    thread_control: ThreadControl | None = None
    page_id: str = "me"

    def __post_init__(self) -> None:
        segment(self.page_id, "page id")
        kind, tag = self.messaging_type, self.tag
        if kind is not None and kind not in MESSAGING_TYPES:
            raise InvalidSendError(f"messaging_type {kind!r} is not one of {MESSAGING_TYPES}")
        if (kind == "MESSAGE_TAG") != (tag is not None):
            raise InvalidSendError("a tag goes with messaging_type MESSAGE_TAG, and only with it")
        if (kind == "UTILITY") != (self.message.template is not None):
            raise InvalidSendError("a utility template goes with messaging_type UTILITY only")

    @classmethod
    def for_decision(cls, decision: Allowed, psid: str, message: Message) -> SendMessage:
        """The send the policy engine allowed: its messaging_type, tag and recipient form."""
        value = decision.recipient_value if decision.recipient is not RecipientForm.ID else psid
        if not value:
            raise InvalidSendError(f"the decision's {decision.recipient.value} has no value")
        recipient = Recipient(**{decision.recipient.value: value})
        kind = decision.messaging_type.value if decision.messaging_type else None
        return cls(recipient, message, messaging_type=kind, tag=decision.tag)

    def path(self) -> str:
        return f"{self.page_id}/messages"

    def body(self) -> object:
        body: dict[str, Any] = {"recipient": self.recipient, "message": self.message}
        optional = {
            "messaging_type": self.messaging_type,
            "tag": self.tag,
            "notification_type": self.notification_type,
            "persona_id": self.persona_id,
            "reply_to": {"mid": self.reply_to_mid} if self.reply_to_mid else None,
            "thread_control": self.thread_control,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        return body

    def decode(self, content: bytes) -> SendResult:
        return SendResult.from_json(read_object(content))


@dataclass(frozen=True, slots=True)
class SendSenderAction(GraphRequest[SenderActionResult]):
    """typing_on/off, mark_seen, or react/unreact to ``message_id`` (sent alone)."""

    recipient_id: str
    action: SenderAction
    message_id: str | None = None
    reaction: str | None = None
    page_id: str = "me"

    def __post_init__(self) -> None:
        segment(self.page_id, "page id")
        if self.action in ("react", "unreact") and not self.message_id:
            raise InvalidSendError(f"{self.action} needs the message_id reacted to")
        if self.action == "react" and not self.reaction:
            raise InvalidSendError("react needs a reaction")

    def path(self) -> str:
        return f"{self.page_id}/messages"

    def body(self) -> object:
        body: dict[str, Any] = {
            "recipient": {"id": self.recipient_id},
            "sender_action": self.action,
        }
        if self.action in ("react", "unreact"):
            payload = {"message_id": self.message_id}
            if self.action == "react":
                payload["reaction"] = self.reaction
            body["payload"] = payload
        return body

    def decode(self, content: bytes) -> SenderActionResult:
        return SenderActionResult.from_json(read_object(content))


@dataclass(frozen=True, slots=True)
class GetUserProfile(GraphRequest[UserProfile]):
    http_method: ClassVar[str] = "GET"

    psid: str
    fields: Sequence[str] = ("first_name", "last_name", "profile_pic")

    def path(self) -> str:
        return segment(self.psid, "PSID")

    def query(self) -> Mapping[str, str]:
        return {"fields": ",".join(_field_names(self.fields))}

    def decode(self, content: bytes) -> UserProfile:
        return UserProfile.from_json(read_object(content))


@dataclass(frozen=True, slots=True)
class SubscribeApp(GraphRequest[SuccessResult]):
    """Install the app on the Page and subscribe it to webhook fields."""

    page_id: str
    subscribed_fields: Sequence[str] = field(default=("messages",))

    def path(self) -> str:
        return f"{segment(self.page_id, 'page id')}/subscribed_apps"

    def query(self) -> Mapping[str, str]:
        return {"subscribed_fields": ",".join(_field_names(self.subscribed_fields))}

    def decode(self, content: bytes) -> SuccessResult:
        return SuccessResult.from_json(read_object(content))


@dataclass(frozen=True, slots=True)
class SetMessengerProfile(GraphRequest[SuccessResult]):
    """get_started, greeting, ice_breakers, persistent_menu, ... (reference §6.1)."""

    properties: Mapping[str, Any]
    platform: Literal["messenger", "instagram"] | None = None

    def __post_init__(self) -> None:
        unknown = sorted(set(self.properties) - PROFILE_FIELDS)
        if unknown or not self.properties:
            raise InvalidSendError(
                f"messenger profile properties must be among {sorted(PROFILE_FIELDS)}"
                + (f"; unknown: {unknown}" if unknown else "")
            )

    def path(self) -> str:
        return "me/messenger_profile"

    def query(self) -> Mapping[str, str] | None:
        return {"platform": self.platform} if self.platform else None

    def body(self) -> object:
        return dict(self.properties)

    def decode(self, content: bytes) -> SuccessResult:
        return SuccessResult.from_json(read_object(content))


@dataclass(frozen=True, slots=True)
class DeleteMessengerProfile(GraphRequest[SuccessResult]):
    http_method: ClassVar[str] = "DELETE"

    fields: Sequence[str]

    def __post_init__(self) -> None:
        if not self.fields or set(self.fields) - PROFILE_FIELDS:
            raise InvalidSendError(f"fields to delete must be among {sorted(PROFILE_FIELDS)}")

    def path(self) -> str:
        return "me/messenger_profile"

    def body(self) -> object:
        return {"fields": list(self.fields)}

    def decode(self, content: bytes) -> SuccessResult:
        return SuccessResult.from_json(read_object(content))


@dataclass(frozen=True, slots=True)
class PassThreadControl(GraphRequest[SuccessResult]):
    recipient_id: str
    target_app_id: str
    metadata: str | None = None
    page_id: str = "me"

    def path(self) -> str:
        return f"{segment(self.page_id, 'page id')}/pass_thread_control"

    def body(self) -> object:
        body = {"recipient": {"id": self.recipient_id}, "target_app_id": self.target_app_id}
        return body | ({"metadata": self.metadata} if self.metadata is not None else {})

    def decode(self, content: bytes) -> SuccessResult:
        return SuccessResult.from_json(read_object(content))


@dataclass(frozen=True, slots=True)
class TakeThreadControl(GraphRequest[SuccessResult]):
    recipient_id: str
    metadata: str | None = None
    page_id: str = "me"

    def path(self) -> str:
        return f"{segment(self.page_id, 'page id')}/take_thread_control"

    def body(self) -> object:
        body: dict[str, Any] = {"recipient": {"id": self.recipient_id}}
        return body | ({"metadata": self.metadata} if self.metadata is not None else {})

    def decode(self, content: bytes) -> SuccessResult:
        return SuccessResult.from_json(read_object(content))


@dataclass(frozen=True, slots=True)
class ReleaseThreadControl(GraphRequest[SuccessResult]):
    recipient_id: str
    page_id: str = "me"

    def path(self) -> str:
        return f"{segment(self.page_id, 'page id')}/release_thread_control"

    def body(self) -> object:
        return {"recipient": {"id": self.recipient_id}}

    def decode(self, content: bytes) -> SuccessResult:
        return SuccessResult.from_json(read_object(content))


@dataclass(frozen=True, slots=True)
class UploadAttachment(GraphRequest[AttachmentUploadResult]):
    """Upload by URL, or the file's bytes (multipart ``filedata``); reusable by default."""

    type: Literal["image", "video", "audio", "file"]
    url: str | None = None
    data: bytes | None = None
    filename: str = "upload"
    content_type: str = "application/octet-stream"
    is_reusable: bool = True
    page_id: str = "me"

    def __post_init__(self) -> None:
        if (self.url is None) == (self.data is None):
            raise InvalidSendError("an upload takes either a url or the file's bytes")

    def path(self) -> str:
        return f"{segment(self.page_id, 'page id')}/message_attachments"

    def body(self) -> object:
        payload: dict[str, Any] = {"is_reusable": self.is_reusable}
        if self.url is not None:
            payload["url"] = self.url
        return {"message": {"attachment": {"type": self.type, "payload": payload}}}

    def files(self) -> Mapping[str, tuple[str, bytes, str]] | None:
        if self.data is None:
            return None
        return {"filedata": (self.filename, self.data, self.content_type)}

    def decode(self, content: bytes) -> AttachmentUploadResult:
        return AttachmentUploadResult.from_json(read_object(content))


def _field_names(names: Sequence[str]) -> list[str]:
    if isinstance(names, str) or not names:
        raise InvalidSendError("give field names as a list, e.g. ['first_name', 'last_name']")
    for name in names:
        if not _FIELD.fullmatch(name):
            raise InvalidSendError(f"{name!r} is not a Graph field name")
    return list(names)
