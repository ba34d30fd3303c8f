"""The intake's row builders and small rules: which events are usable, where a new contact
came from, who sent an echo, what a message row holds."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from comptoir.services.intake_item import Item
from comptoir.services.page_directory import KnownPage
from comptoir.storage.contacts import MAX_PSID_LENGTH
from comptoir.storage.conversations import ConversationRef

log = logging.getLogger(__name__)

#: The Page inbox's app id (Meta Business Suite): echoes from it are a person typing there.
PAGE_INBOX_APP_ID = "263902037430900"
#: ``last_activity_at`` of a new conversation until its messages set it (a handover or an
#: edit that came before its message is not activity).
NO_ACTIVITY_YET = datetime(1970, 1, 1, tzinfo=UTC)
#: Referral sources -> ``contacts.source``.
SOURCES = {
    "SHORTLINK": "mme_ref",
    "ADS": "ad",
    "MESSENGER_CODE": "qr",
    "CUSTOMER_CHAT_PLUGIN": "chat_plugin",
    "DISCOVER_TAB": "discover",
}


def is_usable(item: Item) -> bool:
    if item.kind == "unknown":
        return False
    if item.psid is not None and (not item.psid or len(item.psid) > MAX_PSID_LENGTH):
        log.warning("event with an unusable sender id ignored (kept raw)")
        return False
    return True


def needs_new(latest: ConversationRef | None) -> bool:
    return latest is None or latest.status == "resolved"


def source_of(item: Item) -> tuple[str, str | None]:
    """``contacts.source`` / ``source_ref`` for a person first seen through ``item``."""
    if item.referral:
        source = SOURCES.get(str(item.referral.get("source", "")).upper(), "referral")
        ref = item.referral.get("ref") or item.referral.get("ad_id")
        return source, str(ref) if ref is not None else None
    if item.kind == "postback":
        return "get_started", None
    return "message", None


def author_of_echo(page: KnownPage, item: Item) -> str:
    """Who sent the Page's message: a person in Meta's Page inbox, another app, or our own
    app outside Comptoir's outbox (``system``: our sends carry ``cpt:<id>`` metadata and are
    matched to their message before this)."""
    app_id = item.app_id or ""
    if app_id == PAGE_INBOX_APP_ID:
        return "page_inbox"
    if page.app_id and app_id == page.app_id:
        return "system"
    return "other_app"


def message_row(
    page: KnownPage, item: Item, contact_id: int, conversation_id: int
) -> dict[str, Any]:
    outbound = item.kind == "echo"
    return {
        "workspace_id": page.workspace_id,
        "page_ref": page.page_ref,
        "conversation_id": conversation_id,
        "contact_id": contact_id,
        "direction": "out" if outbound else "in",
        "author_kind": author_of_echo(page, item) if outbound else "customer",
        "author_name": "",
        "mid": item.mid,
        "text": item.text,
        "content": item.content,
        "status": "sent" if outbound else "received",
        "created_at": item.at,
        "sent_at": item.at if outbound else None,
        "standby": item.standby,
    }


_unknown_logged: set[tuple[str, ...]] = set()


def log_unknown(page: KnownPage, item: Item) -> None:
    """Log each unknown event shape once per process (it is kept raw in any case)."""
    shape = (item.unknown_kind or "", *item.unknown_fields)
    if shape in _unknown_logged or len(_unknown_logged) > 1000:
        return
    _unknown_logged.add(shape)
    log.warning(
        "unknown webhook event %r kept raw (Page %s, fields: %s)",
        item.unknown_kind,
        page.page_id,
        ", ".join(item.unknown_fields),
    )
