"""One attempt at sending one claimed outbox row, and what to record about it.

``attempt`` never raises for a Graph answer: it returns a ``Result`` the relay writes in its
next transaction. In order:

1. the message is already sent (its echo came back first): record it, call nothing;
2. the last try had an unknown outcome (timeout mid-call, or a relay that died mid-send):
   wait until ``unknown_since + echo_grace`` for the echo (``metadata = cpt:<message id>``)
   to prove it left; still no echo then, send again and count a re-send (Meta has no
   idempotency key: a re-send whose first copy did arrive is a duplicate), except a
   broadcast's message, which goes at most once to each person: it is marked failed (a
   late echo still marks it sent);
3. re-check the policy now (the window may have closed while the message waited): refused
   means failed, with the engine's reason, and no call;
4. wait for the Page's rate limiter, call the Send API, classify the answer by error type:
   throttles and transient errors back off (with jitter), unknown outcomes wait for the
   echo, anything else fails for good with Meta's code and a plain-words reason (551 also
   marks the contact).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

import msgspec

from comptoir.channels.messenger.errors import (
    DEFAULT_RETRY_AFTER,
    GraphAPIError,
    RateLimitedError,
    TransientError,
    UnknownOutcomeError,
)
from comptoir.channels.messenger.outgoing import InvalidSendError, Message, Recipient
from comptoir.channels.messenger.send_api import GraphClient, SendMessage
from comptoir.domain.clock import Clock
from comptoir.domain.policy import decide
from comptoir.domain.policy_model import BlockCode, Blocked, SenderKind
from comptoir.jobs.ratelimit import SendLimiter
from comptoir.jobs.send_failures import failure_reason
from comptoir.services.send_policy import conversation_state, intent_from_json, page_capabilities
from comptoir.storage.outbox import ClaimedSend

log = logging.getLogger(__name__)

Outcome = Literal["sent", "retry", "failed", "dropped"]

BROADCAST_NOT_RESENT = (
    "Outcome unknown and no echo came back: a broadcast is not sent twice, so it was not "
    "sent again."
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Back-off: ``first_delay * 2**(n-1)`` capped, times a random factor in [1-jitter, 1]."""

    first_delay: float = 1.0
    max_delay: float = 300.0
    #: Throttled rows are paced by the limiter; their own wait stays short.
    throttle_max_delay: float = 15.0
    jitter: float = 0.5
    #: Failed calls (transient or unknown outcome) before the message is given up.
    max_attempts: int = 10
    #: How long to wait for the echo of a send whose outcome is unknown before re-sending.
    echo_grace: float = 5.0

    def delay(self, attempts: int, rng: random.Random, *, throttled: bool = False) -> float:
        cap = self.throttle_max_delay if throttled else self.max_delay
        base = min(cap, self.first_delay * float(2 ** max(0, min(attempts - 1, 30))))
        return base * (1.0 - self.jitter * rng.random())


@dataclass(frozen=True, slots=True)
class Result:
    """What the relay records for one claimed row (``storage.outbox.record_*``)."""

    claim: ClaimedSend
    outcome: Outcome
    #: A Send API call was made in this attempt.
    called: bool = False
    mid: str | None = None
    messaging_type: str | None = None
    tag: str | None = None
    available_at: datetime | None = None
    unknown_since: datetime | None = None
    error: str = ""
    code: int | None = None
    subcode: int | None = None
    block_contact: bool = False
    throttled: bool = False


@dataclass
class DeliveryStats:
    """Counters since the relay started (logs, tests and the crash-restart report)."""

    attempts: int = 0
    sent: int = 0
    failed: int = 0
    refused: int = 0
    retried: int = 0
    throttled: int = 0
    unknown_outcomes: int = 0
    resends: int = 0
    confirmed_by_echo: int = 0
    codes: dict[str, int] = field(default_factory=dict)


@dataclass
class Attempter:
    client: GraphClient
    limiter: SendLimiter
    clock: Clock
    retry: RetryPolicy
    #: Sealed Page token -> token (``TokenOpener``).
    open_token: Callable[[str], str]
    rng: random.Random = field(default_factory=random.Random)
    stats: DeliveryStats = field(default_factory=DeliveryStats)
    #: Records durably that a bulk row's call is starting (``CallMarker``): after a crash,
    #: only such rows may have reached Meta; the others are simply sent.
    before_bulk_call: Callable[[ClaimedSend], Awaitable[None]] | None = None

    async def attempt(self, claim: ClaimedSend) -> Result:
        now = self.clock.now()
        if claim.already_sent:
            if claim.unknown_since is not None:
                self.stats.confirmed_by_echo += 1
            kind, tag = _chosen(claim.request)
            return Result(claim, "sent", mid=claim.message_mid, messaging_type=kind, tag=tag)
        if claim.message_status != "queued":
            return Result(claim, "dropped", error=f"message is {claim.message_status}")
        if claim.unknown_since is not None:
            grace_end = claim.unknown_since + timedelta(seconds=self.retry.echo_grace)
            if now < grace_end:
                return Result(
                    claim,
                    "retry",
                    available_at=grace_end,
                    unknown_since=claim.unknown_since,
                    error="outcome unknown: waiting for the echo before sending again",
                )
            if claim.intent.get("sender") == SenderKind.BROADCAST.value:
                # A broadcast goes at most once to each person: Meta may have this one (its
                # echo, if it comes later, still marks it sent), so it is not sent again.
                self.stats.failed += 1
                return Result(claim, "failed", error=BROADCAST_NOT_RESENT)
        state = conversation_state(claim)
        if claim.tokens:
            state = replace(state, tokens=claim.tokens)
        decision = decide(intent_from_json(claim.intent), state, page_capabilities(claim), now)
        if isinstance(decision, Blocked):
            return self._refused(claim, decision, now)
        try:
            request = SendMessage(
                msgspec.convert(claim.request.get("recipient"), Recipient),
                msgspec.convert(claim.request.get("message"), Message),
                messaging_type=decision.messaging_type.value if decision.messaging_type else None,
                tag=decision.tag,
                page_id=claim.page_id,
            )
            token = self.open_token(claim.access_token_sealed)
        except (msgspec.ValidationError, InvalidSendError, ValueError) as exc:
            self.stats.failed += 1
            return Result(claim, "failed", error=f"The message cannot be sent as stored: {exc}")
        await self.limiter.acquire(claim.page_id, media=claim.media, priority=claim.priority)
        if claim.priority > 0 and self.before_bulk_call is not None:
            await self.before_bulk_call(claim)
        self.stats.attempts += 1
        if claim.unknown_since is not None:
            self.stats.resends += 1
        try:
            answer = await self.client.call(request, token)
        except GraphAPIError as exc:
            return self._graph_error(claim, exc, request)
        self.stats.sent += 1
        return Result(
            claim,
            "sent",
            called=True,
            mid=answer.message_id,
            messaging_type=request.messaging_type,
            tag=request.tag,
        )

    def _refused(self, claim: ClaimedSend, decision: Blocked, now: datetime) -> Result:
        if decision.code is BlockCode.PAGE_RESTRICTED and decision.until is not None:
            # A restriction ends by itself: wait for it (the window is re-checked then).
            return Result(claim, "retry", available_at=decision.until, error=decision.reason)
        self.stats.refused += 1
        return Result(claim, "failed", error=f"Not sent: {decision.reason}")

    def _graph_error(self, claim: ClaimedSend, exc: GraphAPIError, request: SendMessage) -> Result:
        now = self.clock.now()
        key = f"{exc.code}/{exc.subcode}" if exc.subcode is not None else str(exc.code)
        self.stats.codes[key] = self.stats.codes.get(key, 0) + 1
        attempts = claim.attempts + 1
        if isinstance(exc, RateLimitedError):
            given = _explicit_retry_after(exc)
            self.limiter.throttled(claim.page_id, given)
            self.stats.throttled += 1
            wait = max(given or 0.0, self.retry.delay(attempts, self.rng, throttled=True))
            return Result(
                claim,
                "retry",
                called=True,
                available_at=now + timedelta(seconds=wait),
                error=str(exc),
                throttled=True,
            )
        if isinstance(exc, TransientError):
            if attempts >= self.retry.max_attempts:
                self.stats.failed += 1
                return Result(
                    claim,
                    "failed",
                    called=True,
                    code=exc.code,
                    subcode=exc.subcode,
                    error=f"Meta kept failing temporarily; gave up after {attempts} tries.",
                )
            self.stats.retried += 1
            if isinstance(exc, UnknownOutcomeError):
                self.stats.unknown_outcomes += 1
                return Result(
                    claim,
                    "retry",
                    called=True,
                    available_at=now + timedelta(seconds=self.retry.echo_grace),
                    unknown_since=now,
                    error=str(exc),
                )
            wait = self.retry.delay(attempts, self.rng)
            return Result(
                claim,
                "retry",
                called=True,
                available_at=now + timedelta(seconds=wait),
                error=str(exc),
            )
        self.stats.failed += 1
        if exc.needs_reconnect:
            log.warning("Page %s: Meta refused its access token; reconnect it", claim.page_id)
        return Result(
            claim,
            "failed",
            called=True,
            code=exc.code,
            subcode=exc.subcode,
            error=failure_reason(exc.code, exc.subcode, exc.message),
            block_contact=exc.marks_contact,
            messaging_type=request.messaging_type,
            tag=request.tag,
        )


class TokenOpener:
    """Opens sealed Page tokens, keeping the plaintext in memory only (never logged)."""

    def __init__(self, open_sealed: Callable[[str], str]) -> None:
        self._open = open_sealed
        self._cache: dict[str, str] = {}

    def __call__(self, sealed: str) -> str:
        token = self._cache.get(sealed)
        if token is None:
            if len(self._cache) > 1000:
                self._cache.clear()
            token = self._cache[sealed] = self._open(sealed)
        return token


def _chosen(request: dict[str, object]) -> tuple[str | None, str | None]:
    """The messaging_type and tag a stored request was built with."""
    kind, tag = request.get("messaging_type"), request.get("tag")
    return (kind if isinstance(kind, str) else None, tag if isinstance(tag, str) else None)


def _explicit_retry_after(exc: RateLimitedError) -> float | None:
    """The wait Meta asked for, or None when ``retry_after`` is only the client's default.

    The client fills ``retry_after`` with a per-code default when Graph sends no hint; the
    limiter's own pacing and back-off are better than a flat minute in that case.
    """
    default = DEFAULT_RETRY_AFTER.get(exc.code or 0, 60.0)
    return None if exc.retry_after == default else exc.retry_after
