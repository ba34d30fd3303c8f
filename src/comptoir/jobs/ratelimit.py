"""Per-Page send throughput: Meta's 300 calls/s for text and 10 calls/s for audio or video.

Every sender in the process (the outbox relay, typing indicators) takes a slot from the one
``SendLimiter`` before calling the Send API for a Page. ``MemoryLimiter`` keeps, per (Page,
kind), the times of the calls of the last ``window_seconds`` (a sliding window, a little over
a second): a call goes when the window ending then holds fewer than the rate's calls, so no
second ever holds more, and calls not made during a quiet spell can be made up at once
instead of being lost. Live replies (priority 0) book their slot ahead of anything queued in
bulk (priority 1 and up), which only takes a slot that is free right now and nobody live is
waiting for.

When Meta answers 613 (or another throttle code) anyway, ``throttled`` halves that Page's
rate and pauses it for ``retry_after`` (or a second); more throttle answers during the pause
come from calls already made and do not halve it again. The rate then grows back by a tenth
of the nominal rate per second, so a limit lower than ours is found and followed.

``SendLimiter`` is a Protocol so a Redis-backed limiter shared by several processes can fill
it later (a sorted set of call times per Page in Redis, a Lua script booking a call);
nothing else changes.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
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
    #: At most ``text_per_second`` (``media_per_second``) calls in any window of this
    #: length, not only in whole seconds: a little over a second, so that calls whose travel
    #: time varies by up to the difference still land at most that many in any one of
    #: Meta's seconds. (Meta documents the limit per second; how it counts is not
    #: documented, see the reference's §5.)
    window_seconds: float = 1.02
    #: After a throttle error the rate is multiplied by this...
    backoff_factor: float = 0.5
    #: ...never below this share of the nominal rate...
    min_share: float = 0.01
    #: ...and grows back by this share of the nominal rate per second.
    recovery_per_second: float = 0.1
    #: Pause after a throttle error that came without ``retry_after``.
    default_pause: float = 1.0


class _Window:
    """The calls of the last ``window_seconds`` (and those booked ahead), whose allowed
    number can be lowered after a throttle error and grows back.

    A call may go at the earliest moment when the window ending then holds fewer calls than
    the limit. Calls are booked in order (never before the latest one booked), so the
    ``limit``-th latest call tells when: one window after it. A pause (after a throttle)
    holds every call until it ends. After a quiet spell (a busy event loop, a gap in the
    queue), the calls not made in the window can be made at once: the rate is used, never
    exceeded.
    """

    __slots__ = ("calls", "nominal", "paused_until", "share", "share_at")

    def __init__(self, nominal: float, now: float) -> None:
        self.nominal = nominal
        self.calls: deque[float] = deque()
        self.share = 1.0
        self.share_at = now
        self.paused_until = 0.0

    def current_share(self, now: float, config: LimiterConfig) -> float:
        grown = self.share + (now - self.share_at) * config.recovery_per_second
        return min(1.0, grown)

    def rate(self, now: float, config: LimiterConfig) -> float:
        return self.nominal * self.current_share(now, config)

    def _limit(self, now: float, config: LimiterConfig) -> int:
        return max(1, int(self.rate(now, config) + 1e-9))

    def _next(self, now: float, config: LimiterConfig) -> float:
        """The earliest moment, from ``now``, for one more call."""
        calls = self.calls
        span = config.window_seconds
        while calls and calls[0] <= now - span:
            calls.popleft()
        slot = max(now, self.paused_until)
        if calls:
            slot = max(slot, calls[-1])
            limit = self._limit(now, config)
            if len(calls) >= limit:
                slot = max(slot, calls[-limit] + span)
        return slot

    def reserve(self, now: float, config: LimiterConfig) -> float:
        """Book the next call; return how long to wait before making it."""
        slot = self._next(now, config)
        self.calls.append(slot)
        return slot - now

    def take_if_free(self, now: float, config: LimiterConfig) -> float:
        """Book a call if one may go now (return 0), else return how long until one may."""
        slot = self._next(now, config)
        if slot <= now:
            self.calls.append(now)
            return 0.0
        return slot - now

    def slow_down(self, now: float, pause: float, config: LimiterConfig) -> None:
        if now >= self.paused_until:  # a new throttle, not the rest of the same burst
            share = self.current_share(now, config) * config.backoff_factor
            self.share = max(config.min_share, share)
            self.share_at = now
        self.paused_until = max(self.paused_until, now + pause)


class MemoryLimiter:
    """``SendLimiter`` for one process: a sliding window per (Page, text|media)."""

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
        self._buckets: dict[tuple[str, bool], _Window] = {}
        #: Live callers waiting for a slot, per bucket: bulk callers wait while any are.
        self._live_waiting: dict[tuple[str, bool], int] = {}
        #: How many throttle errors each Page got (for logs and tests).
        self.throttle_count: dict[str, int] = {}

    def _bucket(self, page_key: str, media: bool) -> _Window:
        key = (page_key, media)
        bucket = self._buckets.get(key)
        if bucket is None:
            nominal = self.config.media_per_second if media else self.config.text_per_second
            bucket = _Window(nominal, self._monotonic())
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
