"""The per-Page send limiter: Meta's rates, live before bulk, slowing down after 613."""

from __future__ import annotations

import asyncio

import pytest

from comptoir.jobs.ratelimit import LimiterConfig, MemoryLimiter

pytestmark = pytest.mark.anyio


class FakeTime:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(time: FakeTime, **config: float) -> MemoryLimiter:
    return MemoryLimiter(LimiterConfig(**config), monotonic=time.monotonic, sleep=time.sleep)


def busiest_second(calls: list[float], span: float = 1.0) -> int:
    return max(
        sum(1 for t in calls[i : i + 400] if t < start + span) for i, start in enumerate(calls)
    )


async def test_text_goes_at_300_per_window_then_as_the_window_slides() -> None:
    time = FakeTime()
    pages = limiter(time)
    for _ in range(300):  # nothing sent in the last second: 300 may go now
        await pages.acquire("page-1")
    assert time.sleeps == []
    await pages.acquire("page-1")  # the 301st waits until the first leaves the window
    assert time.now - 1000.0 == pytest.approx(1.02)
    assert pages.rate("page-1") == 300


async def test_no_one_second_window_holds_more_than_300_calls() -> None:
    time = FakeTime()
    pages = limiter(time)
    calls = []
    for _ in range(2000):
        await pages.acquire("page-1", priority=len(calls) % 2)  # live and bulk alike
        calls.append(time.now)
    assert busiest_second(calls) == 300  # never more, and the rate is used
    assert busiest_second(calls, span=1.02) == 300


async def test_a_quiet_spell_is_made_up_without_going_over_the_limit() -> None:
    time = FakeTime()
    pages = limiter(time)
    calls = []
    for _ in range(150):  # half a second's worth, then nothing for a while
        await pages.acquire("page-1", priority=1)
        calls.append(time.now)
    time.now += 0.5
    for _ in range(400):
        await pages.acquire("page-1", priority=1)
        calls.append(time.now)
    # 150 more went at once (the window had room for them), then the window slid
    assert calls[299] == calls[150]
    assert busiest_second(calls, span=1.02) == 300


async def test_audio_and_video_have_their_own_10_per_second_limit() -> None:
    time = FakeTime()
    pages = limiter(time)
    for _ in range(10):
        await pages.acquire("page-1", media=True)
    assert time.sleeps == []
    await pages.acquire("page-1", media=True)
    assert time.now - 1000.0 == pytest.approx(1.02)
    assert pages.rate("page-1", media=True) == 10
    before = time.now
    await pages.acquire("page-1")  # text is not slowed by media
    assert time.now == before


async def test_pages_do_not_share_a_bucket() -> None:
    time = FakeTime()
    pages = limiter(time, text_per_second=1)
    await pages.acquire("page-1")
    await pages.acquire("page-2")
    assert time.sleeps == []


async def test_a_throttle_pauses_halves_and_then_recovers() -> None:
    time = FakeTime()
    pages = limiter(time)
    pages.throttled("page-1", retry_after=2.0)
    pages.throttled("page-1", retry_after=2.0)  # same burst, during the pause: counted once
    assert pages.rate("page-1") == pytest.approx(150.0)
    assert pages.throttle_count["page-1"] == 2

    await pages.acquire("page-1")
    assert sum(time.sleeps) >= 2.0
    time.now += 10  # grows back by a tenth of 300/s per second
    assert pages.rate("page-1") == 300


async def test_throttle_without_retry_after_pauses_for_the_default() -> None:
    time = FakeTime()
    pages = limiter(time, default_pause=1.5)
    pages.throttled("page-1")
    await pages.acquire("page-1", priority=1)
    assert sum(time.sleeps) >= 1.5


async def test_live_replies_go_before_waiting_bulk() -> None:
    pages = MemoryLimiter(LimiterConfig(text_per_second=40, window_seconds=0.05))
    for _ in range(40):  # the window is now full
        await pages.acquire("page-1")
    order: list[str] = []

    async def send(name: str, priority: int) -> None:
        await pages.acquire("page-1", priority=priority)
        order.append(name)

    bulk = [asyncio.create_task(send(f"bulk-{i}", 1)) for i in range(3)]
    await asyncio.sleep(0)  # the bulk sends are waiting first
    live = [asyncio.create_task(send(f"live-{i}", 0)) for i in range(2)]
    await asyncio.gather(*bulk, *live)

    assert order[:2] == ["live-0", "live-1"]
    assert sorted(order[2:]) == ["bulk-0", "bulk-1", "bulk-2"]
