from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from comptoir.domain.clock import FixedClock, SystemClock, ensure_utc


def test_fixed_clock_stays_and_moves_by_hand() -> None:
    clock = FixedClock(datetime(2026, 5, 5, 12, 0, tzinfo=UTC))

    assert clock.now() == datetime(2026, 5, 5, 12, 0, tzinfo=UTC)
    assert clock.advance(timedelta(hours=25)) == datetime(2026, 5, 6, 13, 0, tzinfo=UTC)
    clock.set(datetime(2020, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1))))
    assert clock.now() == datetime(2020, 1, 1, 0, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_system_clock_is_aware_utc() -> None:
    assert SystemClock().now().tzinfo is UTC


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        ensure_utc(datetime(2026, 5, 5, 12, 0))
    with pytest.raises(ValueError, match="has no time zone"):
        FixedClock(datetime(2026, 5, 5, 12, 0))
