"""The outbox relay: claims due outbox rows, sends them, records what happened.

Installed by ``install`` (``bootstrap.INSTALLERS``), it runs in the web process by default;
several relays (in one process or several) can share a database, since claiming is atomic
(``storage.outbox.claim_due``). The loop:

* claims up to ``max_in_flight`` due rows, live replies before bulk, whenever it has room;
  ``send_message`` wakes it right after its commit, otherwise it looks every
  ``poll_interval`` (rows queued by another process, back-offs that came due);
* sends each row as its own task (``delivery.Attempter``: policy re-check, the Page's rate
  limiter, the Send API, the answer classified by error type);
* a writer task records results in groups, one transaction per group, then publishes the
  status changes on the bus (after commit) and queues the ``message.status`` outgoing
  webhooks (inside the transaction);
* a heartbeat keeps the claims of rows still in flight, so only a relay that died loses
  them: its rows come back after ``lease`` as unknown outcomes (echo check, then re-send).

``run_once`` does one claim-send-record round inline: tests drive the relay with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.bootstrap import Container
from comptoir.channels.messenger.send_api import GraphClient
from comptoir.jobs.delivery import Attempter, DeliveryStats, Result, RetryPolicy, TokenOpener
from comptoir.jobs.ratelimit import MemoryLimiter, SendLimiter
from comptoir.services.outgoing import (
    MESSAGE_STATUS,
    enqueue_message_event,
    workspaces_listening,
)
from comptoir.storage import outbox as store
from comptoir.storage import tables
from comptoir.storage.outbound import Claim
from comptoir.storage.tokens import release_token

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RelayConfig:
    #: How long a claim holds a row; the heartbeat renews it while the row is in flight.
    lease: float = 10.0
    heartbeat: float = 3.0
    poll_interval: float = 0.5
    #: Rows being sent at once (each waits for the limiter, then for Meta).
    max_in_flight: int = 64
    #: Results written per transaction, at most.
    write_batch: int = 500
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class OutboxRelay:
    """The worker (``start``/``aclose``); ``wake`` after a commit that queued messages."""

    def __init__(
        self,
        container: Container,
        *,
        config: RelayConfig | None = None,
        limiter: SendLimiter | None = None,
        client: GraphClient | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.container = container
        self.config = config or RelayConfig()
        settings = container.settings
        self.client = client or GraphClient(
            settings.graph_url, container.graph_http, settings.api_version
        )
        self._marker = CallMarker(container)
        self._attempter = Attempter(
            client=self.client,
            limiter=limiter or MemoryLimiter(),
            clock=container.clock,
            retry=self.config.retry,
            open_token=TokenOpener(container.secrets.open),
            rng=rng or random.Random(),  # noqa: S311 - jitter, not security
            before_bulk_call=self._marker,
        )
        self._name = secrets.token_hex(6)
        self._claims = itertools.count(1)
        self._wake = asyncio.Event()
        #: Results to record; None tells the writer to stop.
        self._results: asyncio.Queue[Result | None] = asyncio.Queue()
        self._stopping = asyncio.Event()
        #: outbox id -> claim token, for rows being sent or waiting to be recorded.
        self._in_flight: dict[int, str] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._idle = asyncio.Event()
        self._idle.set()
        #: Room kept for rows being written already claimed (``reserve``/``adopt``).
        self._reserved = 0
        #: The last claim may have left due rows behind (it had no room, or filled it):
        #: claim again as soon as results free some room.
        self._more_due = True

    @property
    def stats(self) -> DeliveryStats:
        return self._attempter.stats

    @property
    def limiter(self) -> SendLimiter:
        """The per-Page limiter every sender of this process shares."""
        return self._attempter.limiter

    @limiter.setter
    def limiter(self, limiter: SendLimiter) -> None:
        self._attempter.limiter = limiter

    def configure(self, config: RelayConfig) -> None:
        """Change the settings (tests shorten delays); applies to the next attempts."""
        self.config = config
        self._attempter.retry = config.retry

    def wake(self) -> None:
        self._wake.set()

    # -- hand-over from the sending path --------------------------------------------------

    def reserve(self) -> Claim | None:
        """Room for one live row that the caller writes already claimed
        (``storage.outbound.insert_outbound(claim=...)``), or None when the relay is not
        running or is full (the row is then written pending and claimed as usual). The
        caller then ``adopt``s the written row, or ``release``s the room."""
        if not self._loops or self._stopping.is_set():
            return None
        if len(self._in_flight) + self._reserved >= self.config.max_in_flight:
            return None
        self._reserved += 1
        until = self.container.clock.now() + timedelta(seconds=self.config.lease)
        return Claim(token=f"{self._name}-live", until=until)

    def release(self) -> None:
        """The reserved room was not used (the message was refused or not written)."""
        self._reserved = max(0, self._reserved - 1)

    def adopt(self, claim: store.ClaimedSend) -> None:
        """Send a row written under a claim from ``reserve``, without claiming it again."""
        self.release()
        if self._stopping.is_set():
            return  # its claim runs out and whichever relay runs next takes it
        self._start_send(claim)

    # -- the worker -----------------------------------------------------------------------

    async def start(self) -> None:
        self._stopping = asyncio.Event()
        self._loops = [
            asyncio.create_task(self._claim_loop(), name="outbox-relay-claim"),
            asyncio.create_task(self._write_loop(), name="outbox-relay-write"),
            asyncio.create_task(self._heartbeat_loop(), name="outbox-relay-heartbeat"),
        ]

    async def aclose(self) -> None:
        """Stop. Database work under way finishes first (a cancelled thread would keep its
        connection past the engine's disposal); sends still waiting for Meta are dropped:
        their rows stay claimed until the lease ends and come back as unknown outcomes to
        whichever relay runs next."""
        if not self._loops:
            return
        claim_loop, write_loop, heartbeat_loop = self._loops
        self._stopping.set()
        self._wake.set()
        for loop in (claim_loop, heartbeat_loop):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await loop
        sends = list(self._tasks)
        for task in sends:
            task.cancel()
        self._marker.cancel()
        for task in sends:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._results.put(None)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await write_loop
        self._loops.clear()
        self._tasks.clear()

    async def wait_idle(self) -> None:
        """Wait until nothing is in flight (tests put a deadline around it)."""
        await self._idle.wait()

    async def _claim_loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()  # before claiming: a wake during the claim is not lost
            room = self.config.max_in_flight - len(self._in_flight) - self._reserved
            claimed: list[store.ClaimedSend] = []
            if room > 0:
                try:
                    claimed = await self._claim(room)
                except Exception:
                    log.exception("outbox relay: claiming failed; trying again shortly")
            for claim in claimed:
                self._start_send(claim)
            self._more_due = room <= 0 or len(claimed) == room
            if claimed and len(claimed) == room:
                await asyncio.sleep(0)  # more may be due: claim again once there is room
                if len(self._in_flight) + self._reserved < self.config.max_in_flight:
                    continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.config.poll_interval)

    def _start_send(self, claim: store.ClaimedSend) -> None:
        self._in_flight[claim.outbox_id] = claim.claim_token
        self._idle.clear()
        task = asyncio.create_task(self._send_and_report(claim))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_and_report(self, claim: store.ClaimedSend) -> None:
        try:
            result = await self._attempter.attempt(claim)
        except Exception as exc:
            log.exception("outbox relay: unexpected error sending outbox row %s", claim.outbox_id)
            result = self._crashed(claim, exc)
        await self._results.put(result)

    async def _write_loop(self) -> None:
        stop = False
        while not stop:
            batch: list[Result] = []
            first = await self._results.get()
            stop = first is None
            if first is not None:
                batch.append(first)
            while len(batch) < self.config.write_batch and not self._results.empty():
                item = self._results.get_nowait()
                if item is None:
                    stop = True
                else:
                    batch.append(item)
            if not batch:
                continue
            try:
                await self._record(batch)
            except Exception:
                log.exception("outbox relay: recording %d results failed", len(batch))
            for result in batch:
                self._in_flight.pop(result.claim.outbox_id, None)
            if not self._in_flight:
                self._idle.set()
            if self._more_due:
                self._wake.set()  # room again: claim what was left behind

    async def _heartbeat_loop(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.config.heartbeat)
            if self._stopping.is_set():
                return
            by_token: dict[str, list[int]] = {}
            for outbox_id, token in list(self._in_flight.items()):
                by_token.setdefault(token, []).append(outbox_id)
            if not by_token:
                continue
            until = self.container.clock.now() + timedelta(seconds=self.config.lease)

            def extend(
                conn: Connection, groups: dict[str, list[int]] = by_token, until: datetime = until
            ) -> None:
                for token, ids in groups.items():
                    store.extend_claims(conn, token, ids, until)

            try:
                await self.container.writes.run(extend)
            except Exception:
                log.exception("outbox relay: renewing claims failed")

    # -- one round, inline ----------------------------------------------------------------

    async def run_once(self, limit: int | None = None) -> int:
        """Claim what is due now, send it, record the results; returns how many rows."""
        claimed = await self._claim(limit or self.config.max_in_flight)
        results = await asyncio.gather(*(self._attempter.attempt(c) for c in claimed))
        if results:
            await self._record(list(results))
        return len(claimed)

    # -- database work --------------------------------------------------------------------

    async def _claim(self, limit: int) -> list[store.ClaimedSend]:
        token = f"{self._name}-{next(self._claims)}"
        now = self.container.clock.now()
        lease = timedelta(seconds=self.config.lease)

        def claim(conn: Connection) -> list[store.ClaimedSend]:
            return store.claim_due(conn, now=now, lease=lease, limit=limit, token=token)

        return await self.container.writes.run(claim)

    async def _record(self, results: list[Result]) -> None:
        now = self.container.clock.now()

        def write(conn: Connection) -> list[tuple[Result, str]]:
            changed: list[tuple[Result, str]] = []
            listening = workspaces_listening(
                conn, MESSAGE_STATUS, {result.claim.workspace_id for result in results}
            )
            for result in results:
                status = _apply(conn, result, now)
                if status is not None:
                    if result.claim.workspace_id in listening:
                        enqueue_message_event(
                            conn, MESSAGE_STATUS, result.claim.message_id, now=now
                        )
                    changed.append((result, status))
            return changed

        changed = await self.container.writes.run(write)
        for result, status in changed:
            claim = result.claim
            data: dict[str, Any] = {
                "message_id": claim.message_id,
                "conversation_id": claim.conversation_id,
                "status": status,
                "mid": result.mid,
            }
            if status == "failed":
                data["error"] = {
                    "code": result.code,
                    "subcode": result.subcode,
                    "reason": result.error,
                }
            await self.container.bus.publish(claim.workspace_id, "message.status", data)

    def _crashed(self, claim: store.ClaimedSend, exc: Exception) -> Result:
        """A bug, not an answer from Meta: retry later, but not forever."""
        attempts = claim.attempts + 1
        if attempts >= self.config.retry.max_attempts:
            return Result(
                claim, "failed", error=f"Comptoir could not send it ({type(exc).__name__})"
            )
        wait = self.config.retry.delay(attempts, random.Random())  # noqa: S311
        return Result(
            claim,
            "retry",
            available_at=self.container.clock.now() + timedelta(seconds=wait),
            unknown_since=claim.unknown_since,
            error=f"internal error: {type(exc).__name__}",
        )


class CallMarker:
    """Marks bulk rows as "call starting" (``storage.outbox.mark_calling``) before their Send
    API call, in one transaction for every row that reached that point meanwhile. A relay
    that dies leaves rows it held; only marked ones may have reached Meta (a broadcast's
    message is never sent again after that, see ``delivery``)."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self._waiting: list[tuple[store.ClaimedSend, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    def cancel(self) -> None:
        """The relay stops: marks not written yet are dropped with their sends."""
        if self._flushing is not None:
            self._flushing.cancel()
        for _, done in self._waiting:
            done.cancel()
        self._waiting = []

    async def __call__(self, claim: store.ClaimedSend) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((claim, done))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # let the other sends that are ready join this write
        while self._waiting:
            batch, self._waiting = self._waiting, []
            now = self.container.clock.now()
            claims = [(claim.outbox_id, claim.claim_token) for claim, _ in batch]

            def write(
                conn: Connection, claims: list[tuple[int, str]] = claims, now: datetime = now
            ) -> None:
                store.mark_calling(conn, claims, now)

            try:
                await self.container.writes.run(write)
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)


def _apply(conn: Any, result: Result, now: Any) -> str | None:
    """Write one result; returns the message's new status when it changed."""
    claim = result.claim
    if result.outcome == "sent":
        moved = store.record_sent(
            conn,
            claim,
            mid=result.mid,
            now=now,
            messaging_type=result.messaging_type,
            tag=result.tag,
            called=result.called,
        )
        return "sent" if moved else None
    if result.outcome == "retry":
        store.record_retry(
            conn,
            claim,
            available_at=result.available_at or now,
            error=result.error,
            called=result.called,
            unknown_since=result.unknown_since,
        )
        return None
    if result.outcome == "failed":
        moved = store.record_failed(
            conn,
            claim,
            now=now,
            reason=result.error,
            code=result.code,
            subcode=result.subcode,
            called=result.called,
            block_contact=result.block_contact,
        )
        if moved and not result.called and claim.intent.get("token"):
            _give_back_token(conn, claim)
        return "failed" if moved else None
    store.record_failed(
        conn, claim, now=now, reason=result.error, code=None, subcode=None, called=False
    )
    return None


def _give_back_token(conn: Any, claim: store.ClaimedSend) -> None:
    """A token message refused before its call never used its token: undo the reservation."""
    token_id = conn.execute(
        sa.select(tables.notification_tokens.c.id).where(
            tables.notification_tokens.c.page_ref == claim.page_ref,
            tables.notification_tokens.c.reserved_message_id == claim.message_id,
        )
    ).scalar()
    if token_id is not None:
        release_token(conn, int(token_id), claim.message_id)


def install(container: Container) -> None:
    """Bootstrap installer: the relay, woken by every commit that queued messages."""
    relay = OutboxRelay(container)
    container.workers.append(relay)

    async def wake() -> None:
        relay.wake()

    container.on_commit.append(wake)


def relay_of(container: Container) -> OutboxRelay | None:
    """The container's relay (None when ``install`` did not run)."""
    for worker in container.workers:
        if isinstance(worker, OutboxRelay):
            return worker
    return None


__all__ = ["OutboxRelay", "RelayConfig", "RetryPolicy", "install", "relay_of"]
