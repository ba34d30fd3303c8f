"""How the control API shows the emulator's world as JSON (shapes are a contract)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from comptoir.emulator.clock import EmulatorClock
from comptoir.emulator.state import (
    EmulatorState,
    Page,
    Person,
    SendRecord,
    ThreadItem,
    WebhookDelivery,
)
from comptoir.emulator.webhooks import PageHealth


def iso(ms: int | None) -> str | None:
    """Milliseconds since the epoch as ISO-8601 UTC (``2026-05-01T12:00:00.000Z``)."""
    if ms is None:
        return None
    instant = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def page_json(page: Page, health: PageHealth) -> dict[str, Any]:
    return {
        "page_id": page.page_id,
        "name": page.name,
        "app_id": page.app_id,
        "page_access_token": page.access_token,
        "app_secret": page.app_secret,
        "webhook_url": page.webhook_url,
        "webhook_verified": page.webhook_verified,
        "app_installed": page.app_installed,
        "subscribed_fields": page.subscribed_fields,
        "webhook_health": health.to_json(),
        "features": sorted(page.features),
        "restricted_until": iso(page.restricted_until_ms),
        "profile": page.profile,
        "created": iso(page.created_ms),
    }


def person_json(person: Person, clock: EmulatorClock) -> dict[str, Any]:
    window_open = False
    closes_ms: int | None = None
    if person.last_qualifying_action_ms is not None:
        closes_ms = person.last_qualifying_action_ms + int(person.window_seconds * 1000)
        window_open = clock.now_ms() < closes_ms
    return {
        "psid": person.psid,
        "page_id": person.page_id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "locale": person.locale,
        "timezone": person.timezone,
        "blocked": person.blocked,
        "stopped_marketing": person.stopped_marketing,
        "has_thread": person.has_thread,
        "last_user_message": iso(person.last_user_message_ms),
        "window": {
            "open": window_open,
            "last_qualifying_action": iso(person.last_qualifying_action_ms),
            "closes": iso(closes_ms),
        },
        "thread_owner": {
            "app_id": person.thread_owner_app_id,
            "expiration": iso(person.thread_owner_expires_ms),
        },
    }


def thread_item_json(item: ThreadItem, state: EmulatorState) -> dict[str, Any]:
    """A message as the person's phone shows it."""
    answer: dict[str, Any] = {
        "mid": item.mid,
        "from": item.sender,
        "text": item.text,
        "quick_replies": item.quick_replies,
        "attachment": item.attachment,
        "timestamp": item.timestamp_ms,
        "payload": item.payload,
        "reactions": dict(item.reactions),
        "delivered": item.delivered,
        "read": item.read,
        "optin": None,
    }
    request = state.optin_requests.get(item.mid)
    if request is not None:
        answer["optin"] = {
            "kind": request.kind,
            "title": request.title,
            "opted_in": request.token is not None,
        }
    return answer


def sent_json(record: SendRecord) -> dict[str, Any]:
    return {
        "time": iso(record.time_ms),
        "time_ms": record.time_ms,
        "path": record.path,
        "request": record.request,
        "status": record.status,
        "response": record.response,
    }


def delivery_json(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "delivery_id": delivery.delivery_id,
        "page_id": delivery.page_id,
        "time": iso(delivery.created_ms),
        "time_ms": delivery.created_ms,
        "body": delivery.body,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt": iso(delivery.next_attempt_ms),
        "delivered": iso(delivery.delivered_ms),
    }
