"""Webhooks out: the emulator POSTs events to the Page's callback, as Meta does (reference §1).

An *event* is one item of ``entry[].messaging[]`` exactly as the app receives it (a plain
dict: ``{"sender", "recipient", "timestamp", "message": {...}}`` and so on), or one item of
``entry[].changes[]`` (``{"field": "feed", "value": {...}}``) for Page feed events. The
dispatcher

* decides which subscription field the event belongs to (``messages``, ``message_echoes``,
  ``message_deliveries``, ...) and drops it when the Page's app did not subscribe to that field
  (an empty ``subscribed_fields`` means every field);
* puts it under ``standby`` instead of ``messaging`` when another app owns the thread (a
  standby postback loses its ``payload``, §1.5.3);
* batches events per Page (``config.webhooks.batch_size`` events per POST, waiting up to
  ``batch_window_ms`` for more), grouping consecutive events of one kind into one entry;
* signs the exact bytes it sends (``X-Hub-Signature-256``, and the legacy sha1
  ``X-Hub-Signature`` when configured), serialised with non-ASCII escaped as ``\\uXXXX``;
* counts any non-2xx answer or a timeout (``timeout_seconds``) as a failure and retries on
  Meta's schedule (``webhook_retries``, delays divided by ``retry_factor``). After 15 minutes
  (uncompressed) of failures the Page's webhook is flagged *failing*; when a delivery gives
  up after an hour of failures the app is unsubscribed from the Page (§1.6), as Meta does,
  and the control API's ``PUT /_emulator/pages/{id}/webhook`` subscribes it again.

Every POST is recorded in ``state.webhooks`` as a :class:`WebhookDelivery`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from dataclasses import dataclass, field
from itertools import count
from typing import Any, Literal

import httpx

from comptoir.emulator.clock import EmulatorClock
from comptoir.emulator.config import EmulatorConfig
from comptoir.emulator.state import EmulatorState, Page, Person, ThreadItem, WebhookDelivery
from comptoir.emulator.webhook_events import (
    NEVER_STANDBY,
    delivery_event,
    echo_event,
    encode_body,
    field_of,
    sign,
)
from comptoir.emulator.webhook_retries import PageHealth, retry_delay

__all__ = [
    "HandshakeResult",
    "PageHealth",
    "WebhookDispatcher",
    "delivery_event",
    "echo_event",
    "encode_body",
    "field_of",
    "sign",
]

logger = logging.getLogger(__name__)

EntryKind = Literal["messaging", "standby", "changes"]

#: Settings are only checked for being non-negative; these bounds keep timers sane.
_LONGEST_WAIT = 24 * 3600.0
_LONGEST_BATCH_WINDOW = 60.0

#: Meta's crawler user agent, which callbacks sometimes allow-list.
USER_AGENT = "facebookexternalua"


@dataclass(frozen=True, slots=True)
class HandshakeResult:
    """Outcome of Meta's GET verification of a callback (reference §1.2)."""

    verified: bool
    status_code: int | None
    error: str | None

    def to_json(self) -> dict[str, Any]:
        return {"verified": self.verified, "status_code": self.status_code, "error": self.error}


@dataclass(slots=True)
class _Pending:
    kind: EntryKind
    event: dict[str, Any]
    future: asyncio.Future[WebhookDelivery] | None


@dataclass(slots=True)
class _Channel:
    """The queue of events waiting to be POSTed to one Page's callback."""

    queue: deque[_Pending] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class WebhookDispatcher:
    """Sends events to callbacks; every POST is recorded in ``state.webhooks``."""

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
        self._channels: dict[str, _Channel] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ids = count(1)
        self._health: dict[str, PageHealth] = {}

    # ---- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport, headers={"User-Agent": USER_AGENT}
            )

    async def aclose(self) -> None:
        await self._cancel_all()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def reset(self) -> None:
        """Forget queued events, scheduled retries and Page health (``POST /_emulator/reset``)."""
        await self._cancel_all()
        self._health.clear()
        self._ids = count(1)

    async def _cancel_all(self) -> None:
        tasks = [*self._tasks, *(c.task for c in self._channels.values() if c.task)]
        for task in tasks:
            task.cancel()
        for channel in self._channels.values():
            for pending in channel.queue:
                if pending.future is not None and not pending.future.done():
                    pending.future.cancel()
        self._channels.clear()
        self._tasks.clear()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ---- inspection --------------------------------------------------------------------

    def health(self, page_id: str) -> PageHealth:
        return self._health.setdefault(page_id, PageHealth())

    def forget_failures(self, page_id: str) -> None:
        """A new callback was subscribed: its history of failures starts again."""
        self._health.pop(page_id, None)

    # ---- the Page's own messages -------------------------------------------------------

    def page_message_sent(self, page: Page, person: Person, item: ThreadItem) -> None:
        """The Page sent ``item``: schedule its echo and delivery receipt (does not block).

        The echo carries the sending app's id and the send request's ``metadata``; the
        delivery receipt is what an online phone sends back, and marks the item delivered.
        """
        events: list[dict[str, Any]] = []
        if self._config.webhooks.echoes:
            events.append(echo_event(page, person, item))
        if self._config.webhooks.auto_delivery_receipts and not person.blocked:
            item.delivered = True
            events.append(delivery_event(page, person, [item]))
        if events:
            self.emit(page, events)

    # ---- sending -----------------------------------------------------------------------

    def emit(self, page: Page, events: list[dict[str, Any]]) -> None:
        """Queue events for the Page's callback without waiting for the POST."""
        self._enqueue(page, events, with_futures=False)

    async def deliver(self, page: Page, events: list[dict[str, Any]]) -> WebhookDelivery | None:
        """Queue events and wait until the POST carrying them has had its first attempts.

        Returns the delivery (status ``delivered``, ``retrying`` or ``failed``) of the last
        event, or of the first one not delivered; ``None`` when nothing was due (no callback,
        app not subscribed to the Page, or no subscribed field).
        """
        futures = self._enqueue(page, events, with_futures=True)
        if not futures:
            return None
        deliveries = await asyncio.gather(*futures)
        for delivery in deliveries:
            if delivery.status != "delivered":
                return delivery
        return deliveries[-1]

    def _enqueue(
        self, page: Page, events: list[dict[str, Any]], *, with_futures: bool
    ) -> list[asyncio.Future[WebhookDelivery]]:
        if not page.webhook_url or not page.app_installed:
            return []
        loop = asyncio.get_running_loop()
        channel = self._channels.get(page.page_id)
        if channel is None or channel.task is None or channel.task.done():
            channel = _Channel()
            self._channels[page.page_id] = channel
            channel.task = loop.create_task(self._run_channel(page.page_id, channel))
        futures: list[asyncio.Future[WebhookDelivery]] = []
        for event in events:
            routed = self._route(page, event)
            if routed is None:
                continue
            future = loop.create_future() if with_futures else None
            channel.queue.append(_Pending(routed[0], routed[1], future))
            if future is not None:
                futures.append(future)
        if channel.queue:
            channel.wake.set()
        return futures

    def _route(self, page: Page, event: dict[str, Any]) -> tuple[EntryKind, dict[str, Any]] | None:
        """``(messaging|standby, event)``, or None when the app is not subscribed to it."""
        name = field_of(event)
        kind: EntryKind = "messaging"
        if "value" in event and "field" in event:
            kind = "changes"
        elif name not in NEVER_STANDBY and self._owned_by_other_app(page, event):
            kind = "standby"
        subscribed = page.subscribed_fields
        if subscribed and (kind == "standby" and "standby" not in subscribed):
            return None
        if subscribed and kind != "standby" and name not in subscribed:
            return None
        if kind == "standby" and isinstance(event.get("postback"), dict):
            postback = {k: v for k, v in event["postback"].items() if k != "payload"}
            event = {**event, "postback": postback}
        return kind, event

    def _owned_by_other_app(self, page: Page, event: dict[str, Any]) -> bool:
        message = event.get("message")
        party = "recipient" if isinstance(message, dict) and message.get("is_echo") else "sender"
        psid = (event.get(party) or {}).get("id")
        person = self._state.person(page.page_id, psid) if isinstance(psid, str) else None
        if person is None or person.thread_owner_app_id in (None, page.app_id):
            return False
        expires = person.thread_owner_expires_ms
        return expires is None or expires > self._clock.now_ms()

    async def _run_channel(self, page_id: str, channel: _Channel) -> None:
        while True:
            if not channel.queue:
                channel.wake.clear()
                await channel.wake.wait()
            settings = self._config.webhooks
            size = max(settings.batch_size, 1)
            if size > 1 and settings.batch_window_ms > 0 and len(channel.queue) < size:
                await asyncio.sleep(min(settings.batch_window_ms / 1000, _LONGEST_BATCH_WINDOW))
            batch = [channel.queue.popleft() for _ in range(min(size, len(channel.queue)))]
            page = self._state.pages.get(page_id)
            if page is None:
                for pending in batch:
                    if pending.future is not None and not pending.future.done():
                        pending.future.cancel()
                continue
            try:
                delivery = self._new_delivery(page, batch)
                await self._attempt_round(page_id, delivery)
            except Exception as exc:  # a bad event must not stop the Page's webhooks
                logger.exception("webhook batch for Page %s could not be sent", page_id)
                for pending in batch:
                    if pending.future is not None and not pending.future.done():
                        pending.future.set_exception(exc)
                continue
            for pending in batch:
                if pending.future is not None and not pending.future.done():
                    pending.future.set_result(delivery)

    def _new_delivery(self, page: Page, batch: list[_Pending]) -> WebhookDelivery:
        now = self._clock.now_ms()
        entries: list[dict[str, Any]] = []
        for pending in batch:
            last = entries[-1] if entries else None
            if last is not None and pending.kind in last:
                last[pending.kind].append(pending.event)
            else:
                entries.append({"id": page.page_id, "time": now, pending.kind: [pending.event]})
        delivery = WebhookDelivery(
            delivery_id=next(self._ids),
            page_id=page.page_id,
            created_ms=now,
            body={"object": "page", "entry": entries},
        )
        self._state.webhooks.append(delivery)
        return delivery

    async def _attempt_round(self, page_id: str, delivery: WebhookDelivery) -> None:
        """Try now, then the immediate retries; schedule the backed-off ones."""
        while True:
            succeeded = await self._attempt(page_id, delivery)
            if succeeded or delivery.status == "failed":
                return
            delay = retry_delay(delivery.attempts)
            if delay > 0:
                self._schedule_retry(page_id, delivery, delay)
                return

    def _schedule_retry(self, page_id: str, delivery: WebhookDelivery, delay: float) -> None:
        factor = self._config.webhooks.retry_factor
        wait = min(delay / factor, _LONGEST_WAIT) if factor > 0 else 0.0
        delivery.next_attempt_ms = self._clock.now_ms() + int(wait * 1000)

        async def later() -> None:
            await asyncio.sleep(wait)
            await self._attempt_round(page_id, delivery)

        task = asyncio.get_running_loop().create_task(later())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _attempt(self, page_id: str, delivery: WebhookDelivery) -> bool:
        page = self._state.pages.get(page_id)
        health = self.health(page_id)
        if page is None or not page.webhook_url or not page.app_installed:
            delivery.status = "failed"
            delivery.last_error = "the Page has no subscribed callback any more"
            delivery.next_attempt_ms = None
            return False
        await self.start()
        assert self._client is not None
        raw = encode_body(delivery.body)
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(raw, page.app_secret),
        }
        if self._config.webhooks.legacy_sha1_signature:
            headers["X-Hub-Signature"] = sign(raw, page.app_secret, "sha1")
        delivery.attempts += 1
        delivery.next_attempt_ms = None
        timeout = min(self._config.webhooks.timeout_seconds, _LONGEST_WAIT)
        try:
            # The deadline covers the whole exchange, whatever the transport.
            async with asyncio.timeout(timeout):
                response = await self._client.post(
                    page.webhook_url, content=raw, headers=headers, timeout=timeout
                )
        except (TimeoutError, httpx.TimeoutException):
            delivery.last_status_code = None
            delivery.last_error = "timed out"
        except httpx.HTTPError as exc:
            delivery.last_status_code = None
            delivery.last_error = f"{type(exc).__name__}: could not reach the callback"
        else:
            delivery.last_status_code = response.status_code
            if 200 <= response.status_code < 300:
                delivery.status = "delivered"
                delivery.last_error = None
                delivery.delivered_ms = self._clock.now_ms()
                self._health[page_id] = PageHealth()
                return True
            delivery.last_error = f"callback answered HTTP {response.status_code}"
        self._record_failure(page, health, delivery)
        return False

    def _record_failure(self, page: Page, health: PageHealth, delivery: WebhookDelivery) -> None:
        verdict = health.note_failure(delivery.attempts, self._config.webhooks.max_attempts)
        delivery.status = "retrying" if verdict == "retry" else "failed"
        if verdict == "disable":
            # Meta: "Webhooks Disabled" and the app is unsubscribed from the Page.
            page.app_installed = False
            health.disabled_ms = self._clock.now_ms()

    # ---- verification ------------------------------------------------------------------

    async def verify_callback(self, url: str, verify_token: str) -> HandshakeResult:
        """Meta's GET handshake: success iff HTTP 200 and the body is the challenge."""
        await self.start()
        assert self._client is not None
        challenge = str(secrets.randbelow(9 * 10**9) + 10**9)
        params = {"hub.mode": "subscribe", "hub.verify_token": verify_token}
        params["hub.challenge"] = challenge
        timeout = min(self._config.webhooks.timeout_seconds, _LONGEST_WAIT)
        try:
            async with asyncio.timeout(timeout):
                response = await self._client.get(url, params=params, timeout=timeout)
        except (TimeoutError, httpx.TimeoutException):
            return HandshakeResult(False, None, "the callback did not answer in time")
        except httpx.HTTPError as exc:
            return HandshakeResult(
                False, None, f"could not reach the callback ({type(exc).__name__})"
            )
        if response.status_code != 200:
            return HandshakeResult(
                False, response.status_code, f"the callback answered HTTP {response.status_code}"
            )
        if response.text.strip() != challenge:
            return HandshakeResult(
                False, 200, "the callback answered 200 but did not echo hub.challenge"
            )
        return HandshakeResult(True, 200, None)
