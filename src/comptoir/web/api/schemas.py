"""Request and response bodies of the REST API (pydantic models, shown in ``/docs``).

Responses are built from the dicts of ``services/resources.py``; requests are validated here
so a bad field is a 422 naming it, before anything touches the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from comptoir.services.outgoing import EVENTS

ConversationStatus = Literal["open", "pending", "resolved"]

# -- Pages ------------------------------------------------------------------------------------


class PageOut(BaseModel):
    id: int = Field(description="Comptoir's id of the Page (`page_ref` elsewhere).")
    page_id: str = Field(description="Meta's id of the Page.")
    name: str
    app_id: str
    timezone: str
    human_agent_enabled: bool
    utility_enabled: bool
    one_time_notif_enabled: bool
    restricted_until: datetime | None
    subscribed_at: datetime | None = Field(
        description="When Comptoir subscribed the app to the Page's webhook fields."
    )


class PageConnectIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    page_id: str = Field(pattern=r"^[0-9]{1,64}$", description="Meta's numeric id of the Page.")
    access_token: str = Field(min_length=1, max_length=2000, description="A Page access token.")
    app_secret: str = Field(min_length=1, max_length=500, description="The app's secret.")
    verify_token: str = Field(
        min_length=1, max_length=500, description="The webhook verify token set at Meta."
    )
    name: str = Field(default="", max_length=200)
    app_id: str = Field(default="", pattern=r"^[0-9]{0,64}$")
    timezone: str = Field(default="UTC", max_length=64, description="An IANA time zone.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value


# -- Contacts and conversations ---------------------------------------------------------------


class ContactOut(BaseModel):
    id: int
    page_ref: int
    psid: str = Field(description="The person's Page-scoped id at Meta.")
    name: str
    first_name: str
    last_name: str
    profile_pic: str | None
    locale: str | None
    timezone_offset: float | None
    profile_status: str
    source: str
    source_ref: str | None
    last_user_message_at: datetime | None
    blocked: bool = Field(description="Meta answered 551: the person blocked the Page.")
    blocked_at: datetime | None
    created_at: datetime


class ContactSummary(BaseModel):
    id: int
    psid: str
    name: str
    blocked: bool


class ConversationOut(BaseModel):
    id: int
    page_ref: int
    contact_id: int
    status: str
    assignee_id: int | None
    thread_owner_app_id: str | None
    last_activity_at: datetime
    created_at: datetime
    contact: ContactSummary


class ConversationPatchIn(BaseModel):
    """Only the fields given change; ``"assignee_id": null`` unassigns."""

    model_config = ConfigDict(extra="forbid")

    status: ConversationStatus | None = None
    assignee_id: int | None = Field(default=None, ge=1, le=2**63 - 1)

    @field_validator("status")
    @classmethod
    def _status_not_null(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError("status cannot be null; use open, pending or resolved")
        return value


# -- Messages ---------------------------------------------------------------------------------


class Author(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["agent", "bot"] = Field(
        description="`agent`: a person answering; `bot`: automation. Decides HUMAN_AGENT."
    )
    name: str = Field(min_length=1, max_length=200)


class QuickReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=20)
    payload: str = Field(min_length=1, max_length=1000)


class SendMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)
    quick_replies: list[QuickReplyIn] | None = Field(default=None, max_length=13)
    author: Author

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be blank")
        return value


class MessageAuthor(BaseModel):
    kind: str
    name: str | None


class MessageError(BaseModel):
    code: int | None
    subcode: int | None
    reason: str | None


class MessageOut(BaseModel):
    id: int
    conversation_id: int
    contact_id: int
    page_ref: int
    direction: Literal["in", "out"]
    author: MessageAuthor
    mid: str | None
    text: str | None
    content: dict[str, Any]
    status: str
    messaging_type: str | None
    tag: str | None
    error: MessageError | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None


class DecisionOut(BaseModel):
    messaging_type: str | None = Field(description="RESPONSE, UPDATE, MESSAGE_TAG or UTILITY.")
    tag: str | None = Field(description="The message tag, e.g. HUMAN_AGENT, when one is used.")
    valid_until: datetime | None = Field(description="Until when this way of sending holds.")
    mechanism: str = Field(description="window, tag, utility, a token kind...")
    explanation: str = Field(description="The decision in a sentence.")


class SentMessageOut(BaseModel):
    message: MessageOut
    decision: DecisionOut


# -- Outgoing webhooks ------------------------------------------------------------------------


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000, description="Where to POST events.")
    events: list[str] | None = Field(
        default=None,
        description=f"Events to receive; default: all ({', '.join(EVENTS)}).",
    )


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(
        description="Signing secret, shown only now: verify `X-Comptoir-Signature` with it."
    )
