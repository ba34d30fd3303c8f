"""A controllable clock, so a test can travel in time.

The emulator never reads the wall clock directly: every rule asks this clock. By default it
follows real time; ``set`` jumps to an instant and ``advance`` moves forward, after which it
keeps ticking from there (an offset from real time), so timeouts and retries still progress.
``freeze`` stops it entirely, which tests use for exact boundaries.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class EmulatorClock:
    """Real time plus an offset, or a frozen instant."""

    __slots__ = ("_frozen_at", "_offset")

    def __init__(self) -> None:
        self._offset = 0.0
        self._frozen_at: float | None = None

    def timestamp(self) -> float:
        """Seconds since the epoch, as the emulator sees it."""
        if self._frozen_at is not None:
            return self._frozen_at
        return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), tz=UTC)

    def now_ms(self) -> int:
        return int(self.timestamp() * 1000)

    def set(self, instant: datetime) -> datetime:
        if instant.tzinfo is None:
            raise ValueError(
                "the instant must carry a time zone (for example 2026-05-01T12:00:00Z)"
            )
        target = instant.timestamp()
        if self._frozen_at is not None:
            self._frozen_at = target
        else:
            self._offset = target - time.time()
        return self.now()

    def advance(self, seconds: float) -> datetime:
        if self._frozen_at is not None:
            self._frozen_at += seconds
        else:
            self._offset += seconds
        return self.now()

    def freeze(self) -> None:
        self._frozen_at = self.timestamp()

    def unfreeze(self) -> None:
        if self._frozen_at is not None:
            self._offset = self._frozen_at - time.time()
            self._frozen_at = None

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def reset(self) -> None:
        self._offset = 0.0
        self._frozen_at = None


def later(instant: datetime, seconds: float) -> datetime:
    return instant + timedelta(seconds=seconds)
