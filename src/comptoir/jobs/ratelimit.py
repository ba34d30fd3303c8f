"""Per-Page send throughput: Meta's 300 calls/s for text and 10 calls/s for audio or video.

Every sender in the process (the outbox relay, typing indicators) takes a slot from the one
``SendLimiter`` before calling the Send API for a Page. ``MemoryLimiter`` keeps one token
bucket per (Page, kind) in this process; live replies (priority 0) reserve their slot ahead of
anything queued in bulk (priority 1 and up), which only takes a slot that is free right now
and nobody live is waiting for.

When Meta answers 613 (or another throttle code) anyway, ``throttled`` halves that Page's
rate and pauses it for ``retry_after`` (or a second); more throttle answers during the pause
come from calls already made and do not halve it again. The rate then grows back by a tenth
of the nominal rate per second, so a limit lower than ours is found and followed.

``SendLimiter`` is a Protocol so a Redis-backed limiter shared by several processes can fill
it later (one bucket per Page in Redis, a Lua script taking a token); nothing else changes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol


class SendLimiter(Protocol):
    """A slot per Send API call, per Page. Implementations: ``MemoryLimiter`` (one process)."""

    async def acquire(self, page_key: str, *, media: bool = False, priority: int = 0) -> None:
        """Wait until one more call to ``page_key`` fits in its rate."""
        ...

    def throttled(self, page_key: str, retry_after: float | None = None) -> None:
        """Meta answered a throttle error for ``page_key``: slow down."""
        ...

    def rate(self, page_key: str, *, media: bool = False) -> float:
        """The calls per second currently allowed for ``page_key``."""
        ...


@dataclass(frozen=True, slots=True)
class LimiterConfig:
    text_per_second: float = 300.0
    media_per_second: float = 10.0
    #: Calls that may go back to back before the rate applies, as a share of a second's worth.
    #: The bucket refills that much slower than the nominal rate, so that no one-second window
    #: ever holds more than the nominal number of calls (Meta counts calls per second; a
    #: burst on top of the full rate is what earns a 613).
    burst_seconds: float = 0.03
    #: After a throttle error the rate is multiplied by this...
    backoff_factor: float = 0.5
    #: ...never below this share of the nominal rate...
    min_share: float = 0.01
    #: ...and grows back by this share of the nominal rate per second.
    recovery_per_second: float = 0.1
    #: Pause after a throttle error that came without ``retry_after``.
    default_pause: float = 1.0


class _Bucket:
    """A token bucket whose rate can be lowered after a throttle error and grows back."""

    __slots__ = (
        "capacity",
        "nominal",
        "paused_until",
        "refill_share",
        "share",
        "share_at",
        "tokens",
        "updated",
    )

    def __init__(self, nominal: float, burst_seconds: float, now: float) -> None:
        self.nominal = nominal
        self.capacity = max(1.0, nominal * burst_seconds)
        #: capacity + one second of refill = the nominal rate: no second holds more calls
        #: (unless the burst is a whole second's worth or more: then the nominal rate).
        share = 1.0 - self.capacity / nominal if nominal > 0 else 1.0
        self.refill_share = share if share > 0 else 1.0
        self.tokens = self.capacity
        self.updated = now
        self.share = 1.0
        self.share_at = now
        self.paused_until = 0.0

    def current_share(self, now: float, config: LimiterConfig) -> float:
        grown = self.share + (now - self.share_at) * config.recovery_per_second
        return min(1.0, grown)

    def rate(self, now: float, config: LimiterConfig) -> float:
        return self.nominal * self.current_share(now, config)

    def refill_rate(self, now: float, config: LimiterConfig) -> float:
        return self.rate(now, config) * self.refill_share

    def refill(self, now: float, config: LimiterConfig) -> None:
        if now > self.updated:
            capacity = max(1.0, self.capacity * self.current_share(now, config))
            added = (now - self.updated) * self.refill_rate(now, config)
            self.tokens = min(capacity, self.tokens + added)
            self.updated = now

    def reserve(self, now: float, config: LimiterConfig) -> float:
        """Take a token, possibly on credit; return how long to wait before using it."""
        self.refill(now, config)
        self.tokens -= 1.0
        wait = 0.0 if self.tokens >= 0 else -self.tokens / self.refill_rate(now, config)
        return max(wait, self.paused_until - now)

    def take_if_free(self, now: float, config: LimiterConfig) -> float:
        """Take a token if one is free now (return 0), else return how long until one is."""
        self.refill(now, config)
        if now < self.paused_until:
            return self.paused_until - now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.refill_rate(now, config)

    def slow_down(self, now: float, pause: float, config: LimiterConfig) -> None:
        if now >= self.paused_until:  # a new throttle, not the rest of the same burst
            share = self.current_share(now, config) * config.backoff_factor
            self.share = max(config.min_share, share)
            self.share_at = now
        self.tokens = min(self.tokens, 0.0)
        self.updated = now
        self.paused_until = max(self.paused_until, now + pause)


class MemoryLimiter:
    """``SendLimiter`` for one process: token buckets per (Page, text|media)."""

    def __init__(
        self,
        config: LimiterConfig | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config = config or LimiterConfig()
        self._monotonic = monotonic
        self._sleep = sleep
        self._buckets: dict[tuple[str, bool], _Bucket] = {}
        #: Live callers waiting for a slot, per bucket: bulk callers wait while any are.
        self._live_waiting: dict[tuple[str, bool], int] = {}
        #: How many throttle errors each Page got (for logs and tests).
        self.throttle_count: dict[str, int] = {}

    def _bucket(self, page_key: str, media: bool) -> _Bucket:
        key = (page_key, media)
        bucket = self._buckets.get(key)
        if bucket is None:
            nominal = self.config.media_per_second if media else self.config.text_per_second
            bucket = _Bucket(nominal, self.config.burst_seconds, self._monotonic())
            self._buckets[key] = bucket
        return bucket

    async def acquire(self, page_key: str, *, media: bool = False, priority: int = 0) -> None:
        bucket = self._bucket(page_key, media)
        key = (page_key, media)
        if priority <= 0:
            wait = bucket.reserve(self._monotonic(), self.config)
            if wait <= 0:
                return
            self._live_waiting[key] = self._live_waiting.get(key, 0) + 1
            try:
                while wait > 0:
                    await self._sleep(wait)
                    # A throttle error while we slept pauses the Page: honour it too.
                    wait = bucket.paused_until - self._monotonic()
            finally:
                self._live_waiting[key] -= 1
            return
        while True:
            if self._live_waiting.get(key, 0) > 0:
                wait = max(1.0 / bucket.rate(self._monotonic(), self.config), 0.001)
            else:
                wait = bucket.take_if_free(self._monotonic(), self.config)
                if wait <= 0:
                    return
            await self._sleep(wait)

    def throttled(self, page_key: str, retry_after: float | None = None) -> None:
        now = self._monotonic()
        pause = self.config.default_pause if retry_after is None else max(0.0, retry_after)
        self.throttle_count[page_key] = self.throttle_count.get(page_key, 0) + 1
        for media in (False, True):
            self._bucket(page_key, media).slow_down(now, pause, self.config)

    def rate(self, page_key: str, *, media: bool = False) -> float:
        return self._bucket(page_key, media).rate(self._monotonic(), self.config)
