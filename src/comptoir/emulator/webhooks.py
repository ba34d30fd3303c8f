"""Webhooks out: the emulator POSTs events to the Page's callback, signed, in Meta's envelope."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

import httpx

from comptoir.emulator.clock import EmulatorClock
from comptoir.emulator.config import EmulatorConfig
from comptoir.emulator.state import EmulatorState, Page, Person, ThreadItem, WebhookDelivery


def sign(body: bytes, secret: str, digest: str = "sha256") -> str:
    """``sha256=<hex>`` (or ``sha1=<hex>``): HMAC of the exact bytes, keyed by the app secret."""
    mac = hmac.new(secret.encode(), body, getattr(hashlib, digest))
    return f"{digest}={mac.hexdigest()}"


class WebhookDispatcher:
    """Sends events to callbacks; every delivery is recorded in ``state.webhooks``."""

    def __init__(
        self,
        *,
        config: EmulatorConfig,
        clock: EmulatorClock,
        state: EmulatorState,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._config = config
        self._clock = clock
        self._state = state
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(transport=self._transport)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def page_message_sent(self, page: Page, person: Person, item: ThreadItem) -> None:
        """The Page sent ``item``: schedule its echo and delivery receipt (does not block)."""
        if not page.webhook_url:
            return
        events: list[dict[str, Any]] = []
        if self._config.webhooks.echoes:
            message: dict[str, Any] = {"is_echo": True, "app_id": item.app_id, "mid": item.mid}
            if item.metadata is not None:
                message["metadata"] = item.metadata
            if item.text is not None:
                message["text"] = item.text
            events.append(
                {
                    "sender": {"id": page.page_id},
                    "recipient": {"id": person.psid},
                    "timestamp": item.timestamp_ms,
                    "message": message,
                }
            )
        for event in events:
            task = asyncio.get_running_loop().create_task(self.deliver(page, [event]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def deliver(self, page: Page, events: list[dict[str, Any]]) -> WebhookDelivery:
        now = self._clock.now_ms()
        body = {
            "object": "page",
            "entry": [{"id": page.page_id, "time": now, "messaging": events}],
        }
        delivery = WebhookDelivery(
            delivery_id=len(self._state.webhooks) + 1,
            page_id=page.page_id,
            created_ms=now,
            body=body,
        )
        self._state.webhooks.append(delivery)
        if not page.webhook_url:
            delivery.status = "failed"
            delivery.last_error = "no callback URL"
            return delivery
        await self.start()
        assert self._client is not None
        raw = json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(raw, page.app_secret),
        }
        delivery.attempts += 1
        try:
            response = await self._client.post(
                page.webhook_url,
                content=raw,
                headers=headers,
                timeout=self._config.webhooks.timeout_seconds,
            )
        except httpx.HTTPError as exc:
            delivery.status = "failed"
            delivery.last_error = type(exc).__name__
            return delivery
        delivery.last_status_code = response.status_code
        delivery.status = "delivered" if response.status_code == 200 else "failed"
        return delivery
