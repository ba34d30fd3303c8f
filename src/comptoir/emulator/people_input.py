"""What a simulated person's action carries: validation of the control API's JSON, and the
small shapes every action shares (the outcome, the user event envelope).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from comptoir.emulator.state import Page, Person


class ActionError(ValueError):
    """A person's action that cannot be done; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action did: the message id it created (if any) and the events it causes."""

    events: list[dict[str, Any]]
    mid: str | None = None
    #: Why no event was sent, when ``events`` is empty.
    reason: str | None = None
    #: Extra facts for the control API's answer (a new notification token, a comment id).
    extra: dict[str, Any] = field(default_factory=dict)


ATTACHMENT_TYPES = frozenset(
    {"image", "audio", "video", "file", "sticker", "fallback", "reel", "post", "location"}
)
REFERRAL_SOURCES = frozenset(
    {"SHORTLINK", "ADS", "MESSENGER_CODE", "DISCOVER_TAB", "CUSTOMER_CHAT_PLUGIN"}
)
REF_PATTERN = re.compile(r"^[A-Za-z0-9_=-]{1,2083}$")
MAX_TEXT = 2000


def user_event(
    page: Page, person: Person, now_ms: int, key: str, body: dict[str, Any]
) -> dict[str, Any]:
    """An event from the person to the Page: ``{sender, recipient, timestamp, <key>: body}``."""
    return {
        "sender": {"id": person.psid},
        "recipient": {"id": page.page_id},
        "timestamp": now_ms,
        key: body,
    }


def digits(n: int) -> str:
    return str(secrets.randbelow(9 * 10 ** (n - 1)) + 10 ** (n - 1))


# ---- validation -----------------------------------------------------------------------------


def required_str(action: dict[str, Any], key: str, limit: int) -> str:
    value = optional_str(action, key, limit)
    if value is None or not value:
        raise ActionError(f"'{key}' is required and must be a non-empty string")
    return value


def optional_str(action: dict[str, Any], key: str, limit: int) -> str | None:
    value = action.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ActionError(f"'{key}' must be a string")
    if len(value) > limit:
        raise ActionError(f"'{key}' must be at most {limit} characters")
    return value


def parse_attachments(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not value:
        raise ActionError("'attachments' must be a non-empty list")
    result = []
    for index, raw in enumerate(value):
        if not isinstance(raw, dict):
            raise ActionError(f"attachments[{index}] must be an object with 'type' and 'payload'")
        kind = raw.get("type")
        if not isinstance(kind, str) or kind not in ATTACHMENT_TYPES:
            raise ActionError(
                f"attachments[{index}].type must be one of: {', '.join(sorted(ATTACHMENT_TYPES))}"
            )
        payload = raw.get("payload")
        if payload is None and isinstance(raw.get("url"), str):
            payload = {"url": raw["url"]}
        if not isinstance(payload, dict):
            raise ActionError(f"attachments[{index}].payload must be an object such as {{'url'}}")
        url = payload.get("url")
        if kind != "location" and not (
            isinstance(url, str) and url.startswith(("http://", "https://"))
        ):
            raise ActionError(f"attachments[{index}].payload.url must be an http(s) URL")
        attachment: dict[str, Any] = {"type": kind, "payload": dict(payload)}
        if kind == "fallback" and isinstance(raw.get("title"), str):
            attachment["title"] = raw["title"]
        result.append(attachment)
    return result


def parse_referral(value: Any, *, default_source: str) -> dict[str, Any] | None:
    """A referral object in Meta's shape: ``{ref?, ad_id?, source, type, ads_context_data?}``."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ActionError("'referral' must be an object such as {'ref': 'summer_coupon'}")
    source = value.get("source", default_source)
    if not isinstance(source, str) or source not in REFERRAL_SOURCES:
        raise ActionError(f"referral source must be one of: {', '.join(sorted(REFERRAL_SOURCES))}")
    ref = value.get("ref")
    if ref is not None and (not isinstance(ref, str) or not REF_PATTERN.match(ref)):
        raise ActionError("'ref' may hold only letters, digits, '-', '_' and '=' (at most 2083)")
    if ref is None and source != "ADS":
        raise ActionError("'ref' is required (letters, digits, '-', '_' and '=')")
    referral: dict[str, Any] = {}
    if ref is not None:
        referral["ref"] = ref
    if source == "ADS":
        ad_id = value.get("ad_id", "120200000000001")
        if not isinstance(ad_id, str) or not ad_id.isdigit():
            raise ActionError("'ad_id' must be a numeric string")
        referral["ad_id"] = ad_id
    referral["source"] = source
    referral["type"] = "OPEN_THREAD"
    context = value.get("ads_context_data")
    if source == "ADS":
        if context is None:
            context = {"ad_title": "Ad", "post_id": f"{ad_id}_1"}
        if not isinstance(context, dict) or not all(isinstance(v, str) for v in context.values()):
            raise ActionError("'ads_context_data' must be an object of strings")
        referral["ads_context_data"] = dict(context)
    elif source == "CUSTOMER_CHAT_PLUGIN" and isinstance(value.get("referer_uri"), str):
        referral["referer_uri"] = value["referer_uri"]
    return referral
