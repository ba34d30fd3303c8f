"""Log lines that cannot flood the log: at most one per key per interval.

A bad signature or an unknown Page can arrive thousands of times a minute (a misconfigured
app, a scanner); each key logs once per ``interval`` seconds, and the next line it writes says
how many were held back. Callers never put secrets in the message or the key.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable


class LogLimiter:
    __slots__ = ("_clock", "_interval", "_max_keys", "_seen")

    def __init__(
        self,
        interval: float = 60.0,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = interval
        self._max_keys = max_keys
        self._clock = clock
        #: key -> (time of the last line written, lines held back since)
        self._seen: dict[Hashable, tuple[float, int]] = {}

    def log(
        self, logger: logging.Logger, level: int, key: Hashable, message: str, *args: object
    ) -> bool:
        """Write ``message % args`` unless ``key`` logged within the interval; returns
        whether it was written."""
        now = self._clock()
        last = self._seen.get(key)
        if last is not None and now - last[0] < self._interval:
            self._seen[key] = (last[0], last[1] + 1)
            return False
        if last is None and len(self._seen) >= self._max_keys:
            self._forget_old(now)
        held_back = last[1] if last is not None else 0
        self._seen[key] = (now, 0)
        if held_back:
            logger.log(level, message + " (%d similar lines held back)", *args, held_back)
        else:
            logger.log(level, message, *args)
        return True

    def warning(self, logger: logging.Logger, key: Hashable, message: str, *args: object) -> bool:
        return self.log(logger, logging.WARNING, key, message, *args)

    def _forget_old(self, now: float) -> None:
        self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self._interval}
        if len(self._seen) >= self._max_keys:
            self._seen.clear()
