"""What the Graph API answers, as typed values (reference §2.7, Appendix B).

Graph writes some ids as numbers and ``success`` as ``"true"`` in older answers; each
``from_json`` accepts both and normalises them. An answer that is not a JSON object raises
``msgspec.DecodeError`` (the client turns it into ``UnknownOutcomeError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

import msgspec

_OBJECT = msgspec.json.Decoder(dict[str, Any])


def read_object(content: bytes) -> dict[str, Any]:
    return _OBJECT.decode(content)


def _text(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    return str(value) if isinstance(value, str | int) else None


def _true(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "success"))


@dataclass(frozen=True, slots=True)
class SendResult:
    """A message sent: no ``recipient_id`` for user_ref or phone sends."""

    recipient_id: str | None = None
    message_id: str | None = None
    attachment_id: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            _text(data.get("recipient_id")),
            _text(data.get("message_id")),
            _text(data.get("attachment_id")),
        )


@dataclass(frozen=True, slots=True)
class SenderActionResult:
    recipient_id: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(_text(data.get("recipient_id")))


@dataclass(frozen=True, slots=True)
class SuccessResult:
    """``{"success": true}`` (or ``"true"``); Messenger Profile's ``{"result": "success"}``."""

    success: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(_true(data.get("success")) or _true(data.get("result")))


@dataclass(frozen=True, slots=True)
class AttachmentUploadResult:
    attachment_id: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        attachment_id = _text(data.get("attachment_id"))
        if attachment_id is None:
            raise msgspec.ValidationError("the answer has no attachment_id")
        return cls(attachment_id)


@dataclass(frozen=True, slots=True)
class UserProfile:
    """User Profile API; every field may be missing (``{}`` when not accessible)."""

    id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    profile_pic: str | None = None
    locale: str | None = None
    timezone: float | None = None
    gender: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        timezone = data.get("timezone")
        return cls(
            id=_text(data.get("id")),
            first_name=_text(data.get("first_name")),
            last_name=_text(data.get("last_name")),
            name=_text(data.get("name")),
            profile_pic=_text(data.get("profile_pic")),
            locale=_text(data.get("locale")),
            timezone=float(timezone) if isinstance(timezone, int | float) else None,
            gender=_text(data.get("gender")),
        )
