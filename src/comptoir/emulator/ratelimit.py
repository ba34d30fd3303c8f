"""Meta's rate limits for the emulator (reference §5), O(1) per call.

Four limits, each a setting in ``config.RateLimits`` (``enabled=False`` turns all of them off):

* Send API throughput per Page: 300 calls/s for text, links, reactions, stickers and sender
  actions; 10 calls/s for audio or video. Counted in fixed one-second buckets of the emulator's
  clock, one counter per kind. Exceeding one returns **613** "Calls to this api have exceeded the
  rate limit": the reference lists 613 as the Send API's custom rate limit (§4.2, PAGEMSG).
* The Messenger API quota: calls in a rolling 24 hours <= 200 x engaged users (people who sent
  the Page a message in the last 24 hours; at least 1 is assumed, so a new Page can start).
  Counted in 1,440 one-minute buckets, so the window rolls by the minute. Exceeding it returns
  **80006**, the Messenger business-use-case throttle of §5 ("throttle errors 80006 (Messenger)"):
  the quota is a business-use-case limit, not a custom per-endpoint one, hence not 613.
  The engaged-user count is taken from the caller at most once per second of the emulator's
  clock (and only once the Page has made more calls than the quota for one engaged user), so a
  call never scans the people.
* The Messenger Profile API: 10 calls per 10 minutes per Page, as a token bucket (capacity 10,
  refilled at 10 per 600 s): after a burst of 10, one more call every minute. Returns 613, the
  code §5 gives for custom (per-endpoint) limits.

Only calls that pass are counted. Each check raises ``GraphError`` from ``catalogue``.
"""

from __future__ import annotations

from collections.abc import Callable

from comptoir.emulator import catalogue
from comptoir.emulator.clock import EmulatorClock
from comptoir.emulator.config import RateLimits

_MINUTES_PER_DAY = 1440


class _PageCounters:
    __slots__ = (
        "day_buckets",
        "day_minute",
        "day_total",
        "engaged_second",
        "engaged_value",
        "media_count",
        "media_second",
        "profile_at",
        "profile_tokens",
        "text_count",
        "text_second",
    )

    def __init__(self) -> None:
        self.text_second = -1
        self.text_count = 0
        self.media_second = -1
        self.media_count = 0
        self.day_buckets: list[int] | None = None
        self.day_minute = -1
        self.day_total = 0
        self.engaged_second = -1
        self.engaged_value = 1
        self.profile_tokens: float | None = None
        self.profile_at = 0.0


class RateLimiter:
    """Per-Page counters for the Send API and the Messenger Profile API."""

    __slots__ = ("_clock", "_pages", "limits")

    def __init__(self, limits: RateLimits, clock: EmulatorClock) -> None:
        self.limits = limits
        self._clock = clock
        self._pages: dict[str, _PageCounters] = {}

    def reset(self) -> None:
        """Forget every counter (``POST /_emulator/reset``)."""
        self._pages.clear()

    def _counters(self, page_id: str) -> _PageCounters:
        counters = self._pages.get(page_id)
        if counters is None:
            counters = self._pages[page_id] = _PageCounters()
        return counters

    # ---- Send API ----------------------------------------------------------------------

    def check_send(self, page_id: str, *, media: bool, engaged_users: Callable[[], int]) -> None:
        """Count one Send API call, or raise 613 (throughput) or 80006 (24-hour quota).

        ``media``: the call carries audio or video. ``engaged_users``: counts the Page's people
        with a message in the last 24 hours; called at most once per clock second.
        """
        limits = self.limits
        if not limits.enabled:
            return
        now = self._clock.timestamp()
        second = int(now // 1)
        counters = self._counters(page_id)
        if media:
            if counters.media_second != second:
                counters.media_second, counters.media_count = second, 0
            if counters.media_count >= limits.media_per_second:
                raise catalogue.rate_limited()
        else:
            if counters.text_second != second:
                counters.text_second, counters.text_count = second, 0
            if counters.text_count >= limits.text_per_second:
                raise catalogue.rate_limited()
        if limits.daily_quota_enabled:
            minute = second // 60
            self._roll_day(counters, minute)
            per_user = limits.daily_quota_per_engaged_user
            if counters.day_total >= per_user:
                if counters.engaged_second != second:
                    counters.engaged_second = second
                    counters.engaged_value = max(1, engaged_users())
                if counters.day_total >= per_user * counters.engaged_value:
                    raise catalogue.messenger_quota_reached()
            buckets = counters.day_buckets
            assert buckets is not None
            buckets[minute % _MINUTES_PER_DAY] += 1
            counters.day_total += 1
        if media:
            counters.media_count += 1
        else:
            counters.text_count += 1

    def quota_used(self, page_id: str) -> int:
        """Send API calls the Page made in the rolling 24 hours (as counted)."""
        counters = self._pages.get(page_id)
        if counters is None:
            return 0
        self._roll_day(counters, int(self._clock.timestamp() // 60))
        return counters.day_total

    @staticmethod
    def _roll_day(counters: _PageCounters, minute: int) -> None:
        """Expire the one-minute buckets older than 24 hours; amortised O(1)."""
        buckets = counters.day_buckets
        if buckets is None:
            counters.day_buckets = [0] * _MINUTES_PER_DAY
            counters.day_minute = minute
            return
        last = counters.day_minute
        if minute == last:
            return
        if minute < last or minute - last >= _MINUTES_PER_DAY:
            # The clock jumped back, or a whole day passed: nothing recent remains.
            buckets[:] = [0] * _MINUTES_PER_DAY
            counters.day_total = 0
        else:
            for passed in range(last + 1, minute + 1):
                index = passed % _MINUTES_PER_DAY
                counters.day_total -= buckets[index]
                buckets[index] = 0
        counters.day_minute = minute

    # ---- Messenger Profile API ---------------------------------------------------------

    def check_profile(self, page_id: str) -> None:
        """Count one Messenger Profile API call, or raise 613."""
        limits = self.limits
        if not limits.enabled:
            return
        # Kept in units of 1/window of a call, so whole seconds refill exactly:
        # a call costs ``window`` units and each second adds ``capacity`` units.
        window = float(limits.profile_window_seconds)
        full = float(limits.profile_calls) * window
        now = self._clock.timestamp()
        counters = self._counters(page_id)
        units = counters.profile_tokens
        if units is None or window <= 0:
            units = full
        elif now > counters.profile_at:
            units = min(full, units + (now - counters.profile_at) * limits.profile_calls)
        counters.profile_at = now
        if window > 0 and units < window:
            counters.profile_tokens = units
            raise catalogue.rate_limited()
        counters.profile_tokens = units - window
