"""Rate limits (reference §5) at their boundaries: n calls pass, call n+1 fails.

The limiter is checked directly (it is a pure function of the clock) and through the Send and
Messenger Profile APIs for the errors Meta returns.
"""

from __future__ import annotations

import pytest

from comptoir.emulator.clock import EmulatorClock
from comptoir.emulator.config import RateLimits
from comptoir.emulator.errors import GraphError
from comptoir.emulator.ratelimit import RateLimiter
from tests.emulator.factories import graph_world, instant, text_to, user_writes

pytestmark = pytest.mark.anyio

PAGE = "1001"


def _limiter(**settings: object) -> tuple[RateLimiter, EmulatorClock]:
    clock = EmulatorClock()
    clock.freeze()
    clock.set(instant("2026-05-01T12:00:00"))
    limits = RateLimits()
    for name, value in settings.items():
        setattr(limits, name, value)
    return RateLimiter(limits, clock), clock


def _send_until_refused(limiter: RateLimiter, *, media: bool, engaged: int = 1) -> int:
    """How many calls pass before one is refused (fails if the limit never bites)."""
    passed = 0
    with pytest.raises(GraphError):  # noqa: PT012 - the loop ends on the refusal
        while passed < 100_000:
            limiter.check_send(PAGE, media=media, engaged_users=lambda: engaged)
            passed += 1
    return passed


@pytest.mark.parametrize(
    ("media", "limit"), [(False, 300), (True, 10)], ids=["text-300-per-s", "media-10-per-s"]
)
def test_send_throughput_per_second(media: bool, limit: int) -> None:
    limiter, clock = _limiter(daily_quota_enabled=False)
    assert _send_until_refused(limiter, media=media) == limit
    clock.advance(0.999)  # same second
    with pytest.raises(GraphError) as refused:
        limiter.check_send(PAGE, media=media, engaged_users=lambda: 1)
    assert refused.value.code == 613
    clock.advance(0.001)  # next second
    assert _send_until_refused(limiter, media=media) == limit


def test_text_and_media_are_counted_apart_and_per_page() -> None:
    limiter, _clock = _limiter(daily_quota_enabled=False)
    assert _send_until_refused(limiter, media=True) == 10
    limiter.check_send(PAGE, media=False, engaged_users=lambda: 1)
    limiter.check_send("2002", media=True, engaged_users=lambda: 1)


@pytest.mark.parametrize("engaged", [0, 1, 3], ids=["no-one-counts-as-1", "1-user", "3-users"])
def test_daily_quota_is_200_per_engaged_user(engaged: int) -> None:
    limiter, _clock = _limiter(text_per_second=10_000)
    passed = _send_until_refused(limiter, media=False, engaged=engaged)
    assert passed == 200 * max(1, engaged)
    with pytest.raises(GraphError) as refused:
        limiter.check_send(PAGE, media=False, engaged_users=lambda: engaged)
    assert refused.value.code == 80006


def test_daily_quota_rolls_after_24_hours() -> None:
    limiter, clock = _limiter(text_per_second=10_000, daily_quota_per_engaged_user=5)
    assert _send_until_refused(limiter, media=False) == 5
    clock.advance(24 * 3600 - 1)
    with pytest.raises(GraphError):
        limiter.check_send(PAGE, media=False, engaged_users=lambda: 1)
    clock.advance(1)
    assert limiter.quota_used(PAGE) == 0
    assert _send_until_refused(limiter, media=False) == 5


def test_daily_quota_counts_calls_spread_over_the_day() -> None:
    limiter, clock = _limiter(daily_quota_per_engaged_user=4)
    for _ in range(3):
        limiter.check_send(PAGE, media=False, engaged_users=lambda: 1)
        clock.advance(6 * 3600)  # at 0 h, 6 h, 12 h
    limiter.check_send(PAGE, media=False, engaged_users=lambda: 1)  # 18 h: the 4th
    with pytest.raises(GraphError):
        limiter.check_send(PAGE, media=False, engaged_users=lambda: 1)
    clock.advance(6 * 3600)  # 24 h: the first call left the window
    limiter.check_send(PAGE, media=False, engaged_users=lambda: 1)


def test_engaged_users_are_counted_at_most_once_per_second() -> None:
    limiter, clock = _limiter(text_per_second=10_000, daily_quota_per_engaged_user=2)
    calls = []

    def engaged() -> int:
        calls.append(clock.timestamp())
        return 5

    for _ in range(10):
        limiter.check_send(PAGE, media=False, engaged_users=engaged)
    assert len(calls) == 1


def test_profile_api_token_bucket() -> None:
    limiter, clock = _limiter()
    for _ in range(10):
        limiter.check_profile(PAGE)
    with pytest.raises(GraphError) as refused:
        limiter.check_profile(PAGE)
    assert refused.value.code == 613
    clock.advance(59)
    with pytest.raises(GraphError):
        limiter.check_profile(PAGE)
    clock.advance(1)  # one minute after the burst: one call refilled
    limiter.check_profile(PAGE)
    with pytest.raises(GraphError):
        limiter.check_profile(PAGE)
    clock.advance(600)  # a full window: ten calls again
    for _ in range(10):
        limiter.check_profile(PAGE)
    with pytest.raises(GraphError):
        limiter.check_profile(PAGE)


def test_disabled_limits_never_refuse() -> None:
    limiter, _clock = _limiter(enabled=False, text_per_second=1, profile_calls=1)
    for _ in range(500):
        limiter.check_send(PAGE, media=True, engaged_users=lambda: 1)
        limiter.check_profile(PAGE)


def test_reset_forgets_counters() -> None:
    limiter, _clock = _limiter(daily_quota_enabled=False, media_per_second=1)
    limiter.check_send(PAGE, media=True, engaged_users=lambda: 1)
    limiter.reset()
    limiter.check_send(PAGE, media=True, engaged_users=lambda: 1)


# ---- through the Graph API ------------------------------------------------------------------


async def test_send_api_media_limit_counts_video_not_text() -> None:
    async with graph_world() as world:
        world.at("2026-05-01T12:00:00")
        world.emulator.config.rate_limits.media_per_second = 2
        person = world.person()
        video = {
            "attachment": {"type": "video", "payload": {"url": "https://cdn.example.com/v.mp4"}}
        }
        body = {"recipient": {"id": person.psid}, "message": video}
        statuses = [(await world.send(body)).status_code for _ in range(3)]
        text = await world.send(text_to(person))
        world.advance(1)
        again = await world.send(body)
    assert statuses == [200, 200, 400]
    assert text.status_code == 200
    assert again.status_code == 200


async def test_send_api_quota_uses_the_pages_engaged_people() -> None:
    async with graph_world() as world:
        world.at("2026-05-01T12:00:00")
        world.emulator.config.rate_limits.daily_quota_per_engaged_user = 2
        first = world.person()
        world.person(first_name="Léa")
        statuses = [(await world.send(text_to(first))).status_code for _ in range(5)]
        world.advance(25 * 3600)  # both people's messages leave the 24 h
        user_writes(world.emulator, first)
        world.advance(1)
        later = [(await world.send(text_to(first))).status_code for _ in range(3)]
    assert statuses == [200, 200, 200, 200, 400]
    # The first four calls left the rolling 24 h; only one person wrote since: quota 2 x 1.
    assert later == [200, 200, 400]


async def test_send_api_limits_off() -> None:
    async with graph_world() as world:
        world.at("2026-05-01T12:00:00")
        limits = world.emulator.config.rate_limits
        limits.text_per_second = 1
        limits.enabled = False
        person = world.person()
        statuses = {(await world.send(text_to(person))).status_code for _ in range(5)}
    assert statuses == {200}


async def test_profile_api_returns_613_on_the_eleventh_call() -> None:
    async with graph_world() as world:
        world.at("2026-05-01T12:00:00")
        statuses = []
        for _ in range(11):
            response = await world.call("GET", "/v25.0/me/messenger_profile?fields=greeting")
            statuses.append(response.status_code)
        error = response.json()["error"]
    assert statuses == [200] * 10 + [400]
    assert error["code"] == 613
