"""The worker that POSTs queued outgoing webhooks (``services/outgoing.py``) to their endpoints.

It claims due deliveries, sends them concurrently with a short timeout, and records each
result: a 2xx is done; anything else (another status, a timeout, a refused connection) is
retried later with back-off, and dead after ``RetryPolicy.max_attempts``. ``run_once`` does
one round and is what tests call (jobs run inline in tests); ``start`` runs rounds in the
background until ``aclose``, waking early when ``wake`` is called after a commit.

Logs name the delivery and endpoint ids, never the URL (it may carry a credential of the
receiver's) nor the secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

import httpx
from sqlalchemy.engine import Connection

from comptoir import __version__
from comptoir.bootstrap import Container
from comptoir.services import outgoing
from comptoir.services.outgoing import DueDelivery, RetryPolicy

log = logging.getLogger(__name__)


class OutgoingWebhookWorker:
    def __init__(
        self,
        container: Container,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: RetryPolicy | None = None,
        batch_size: int = 50,
        timeout: float = 10.0,
        poll_interval: float = 1.0,
    ) -> None:
        self._container = container
        self._policy = policy or RetryPolicy()
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._lease = timedelta(seconds=timeout * 3 + 30)
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": f"Comptoir/{__version__} (webhooks)"},
            follow_redirects=False,
        )
        self._timeout = timeout
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    @property
    def policy(self) -> RetryPolicy:
        return self._policy

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outgoing-webhooks")

    async def aclose(self) -> None:
        """Let the round in flight finish (its results are recorded), then stop."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=self._timeout + 5)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        await self._http.aclose()

    async def wake(self) -> None:
        """Look for new deliveries now (services call it after a commit)."""
        self._wake.set()

    async def run_once(self) -> int:
        """Claim what is due and send it; returns how many deliveries were attempted."""
        container = self._container
        now = container.clock.now()

        def claim(conn: Connection) -> list[DueDelivery]:
            return outgoing.claim_due(
                conn, container.secrets, now=now, limit=self._batch_size, lease=self._lease
            )

        due = await container.writes.run(claim)
        if due:
            await asyncio.gather(*(self._deliver(delivery) for delivery in due))
        return len(due)

    async def _deliver(self, delivery: DueDelivery) -> None:
        status: int | None = None
        error = ""
        try:
            response = await self._http.post(
                delivery.url, content=delivery.body, headers=delivery.headers()
            )
            status = response.status_code
            if not 200 <= status < 300:
                error = f"the endpoint answered HTTP {status}"
        except httpx.TimeoutException:
            error = "the endpoint did not answer in time"
        except httpx.HTTPError as exc:
            error = f"the endpoint could not be reached ({type(exc).__name__})"
        container = self._container
        now = container.clock.now()

        def record(conn: Connection) -> str:
            if not error and status is not None:
                outgoing.record_success(conn, delivery.id, status)
                return "done"
            return outgoing.record_failure(
                conn, delivery, status=status, error=error, now=now, policy=self._policy
            )

        state = await container.writes.run(record)
        if state == "dead":
            log.warning(
                "outgoing webhook %s to endpoint %s given up after %s attempts: %s",
                delivery.id,
                delivery.endpoint_id,
                delivery.attempts,
                error,
            )
        elif state == "pending":
            log.info(
                "outgoing webhook %s to endpoint %s failed (attempt %s): %s",
                delivery.id,
                delivery.endpoint_id,
                delivery.attempts,
                error,
            )

    async def _run(self) -> None:
        while not self._stopping:
            try:
                attempted = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep the worker alive; the next round tries again
                log.exception("outgoing webhook round failed")
                attempted = 0
            if attempted >= self._batch_size or self._stopping:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_interval)


def install(container: Container) -> None:
    """Bootstrap installer: add the worker and wake it after commits."""
    worker = OutgoingWebhookWorker(container)
    container.workers.append(worker)
    container.on_commit.append(worker.wake)
