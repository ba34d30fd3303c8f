"""Webhook events in Meta's shapes, and the bytes and signatures that carry them.

Reference §1.3 (signing), §1.5 (event catalogue) and Appendix A. Used by the dispatcher
(``webhooks.py``) and by the simulated people (``people.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Literal

from comptoir.emulator.state import Page, Person, ThreadItem

#: Event key -> subscription field (reference §1.5).
_FIELD_BY_KEY: dict[str, str] = {
    "message": "messages",
    "postback": "messaging_postbacks",
    "delivery": "message_deliveries",
    "read": "message_reads",
    "reaction": "message_reactions",
    "message_edit": "message_edits",
    "referral": "messaging_referrals",
    "optin": "messaging_optins",
    "pass_thread_control": "messaging_handovers",
    "take_thread_control": "messaging_handovers",
    "request_thread_control": "messaging_handovers",
    "app_roles": "messaging_handovers",
    "policy_enforcement": "messaging_policy_enforcement",
    "account_linking": "messaging_account_linking",
}

#: Fields that always go to the Page's own app, whoever owns the thread.
NEVER_STANDBY = frozenset({"messaging_handovers", "messaging_policy_enforcement"})


def sign(body: bytes, secret: str, digest: Literal["sha256", "sha1"] = "sha256") -> str:
    """``sha256=<hex>`` (or ``sha1=<hex>``): HMAC of the exact bytes, keyed by the app secret."""
    mac = hmac.new(secret.encode(), body, hashlib.sha256 if digest == "sha256" else hashlib.sha1)
    return f"{digest}={mac.hexdigest()}"


def encode_body(body: dict[str, Any]) -> bytes:
    """The bytes Meta sends: compact JSON with non-ASCII escaped (``\\u00e4``)."""
    return json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def field_of(event: dict[str, Any]) -> str:
    """The subscription field an event is delivered under (``message_echoes`` for echoes)."""
    if isinstance(event.get("field"), str) and "value" in event:
        return str(event["field"])
    message = event.get("message")
    if isinstance(message, dict) and message.get("is_echo"):
        return "message_echoes"
    for key, name in _FIELD_BY_KEY.items():
        if key in event:
            return name
    return "messages"


# ---- event shapes (reference §1.5, Appendix A) ----------------------------------------------


def meta_app_id(app_id: str | None) -> int | str | None:
    """App ids are numbers in Meta's echoes (Appendix A.9)."""
    if app_id is not None and app_id.isdigit():
        return int(app_id)
    return app_id


def echo_event(page: Page, person: Person, item: ThreadItem) -> dict[str, Any]:
    message: dict[str, Any] = {"is_echo": True, "app_id": meta_app_id(item.app_id or page.app_id)}
    if item.metadata is not None:
        message["metadata"] = item.metadata
    message["mid"] = item.mid
    if item.text is not None:
        message["text"] = item.text
    if item.attachment is not None:
        message["attachments"] = [_echo_attachment(item.attachment)]
    return {
        "sender": {"id": page.page_id},
        "recipient": {"id": person.psid},
        "timestamp": item.timestamp_ms,
        "message": message,
    }


def _echo_attachment(attachment: dict[str, Any]) -> dict[str, Any]:
    if attachment.get("type") == "template":
        return {"title": "", "url": "", "type": "template", "payload": attachment.get("payload")}
    return attachment


def delivery_event(page: Page, person: Person, items: list[ThreadItem]) -> dict[str, Any]:
    """A delivery receipt; Meta's example carries no ``timestamp`` (§1.5.4)."""
    return {
        "sender": {"id": person.psid},
        "recipient": {"id": page.page_id},
        "delivery": {
            "mids": [item.mid for item in items],
            "watermark": max(item.timestamp_ms for item in items),
        },
    }
