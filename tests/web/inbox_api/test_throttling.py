"""Sign-in throttling: an attacker is slowed down, the real user is not locked out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.inbox_api.conftest import Desk, error_of

pytestmark = pytest.mark.anyio


async def test_repeated_failures_from_one_address_are_slowed_down(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    attacker = desk.browser("203.0.113.9")
    for _ in range(5):
        assert (await attacker.sign_in(nadia, password="guess-guess-guess")).status_code == 401
    throttled = await attacker.sign_in(nadia, password="guess-guess-guess")
    assert throttled.status_code == 429
    error = error_of(throttled)
    assert error["code"] == "throttled"
    assert error["retry_after"] >= 1
    assert throttled.headers["Retry-After"] == str(error["retry_after"])
    # Even the right password waits while throttled (no oracle for the attacker).
    assert (await attacker.sign_in(nadia)).status_code == 429
    desk.clock.advance(timedelta(seconds=error["retry_after"]))
    assert (await attacker.sign_in(nadia)).status_code == 200


async def test_the_real_user_elsewhere_still_signs_in_during_an_attack(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    attacker = desk.browser("203.0.113.9")
    for _ in range(12):
        await attacker.sign_in(nadia, password="guess-guess-guess")
    assert (await attacker.sign_in(nadia)).status_code == 429
    real = desk.browser("198.51.100.7")
    assert (await real.sign_in(nadia)).status_code == 200


async def test_a_known_device_signs_in_even_from_the_attacking_address(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    office = "192.0.2.50"  # the attacker sits behind the same address as the real user
    real = await desk.signed_in(nadia, office)
    await real.post("/inbox/api/sign-out")
    attacker = desk.browser(office)
    for _ in range(12):
        await attacker.sign_in(nadia, password="guess-guess-guess")
    assert (await attacker.sign_in(nadia)).status_code == 429
    assert real.http.cookies.get("comptoir_device")
    assert (await real.sign_in(nadia)).status_code == 200


async def test_a_success_clears_the_pair_counter(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    browser = desk.browser("198.51.100.7")
    for _ in range(4):
        await browser.sign_in(nadia, password="typo-typo-typo")
    assert (await browser.sign_in(nadia)).status_code == 200
    for _ in range(4):
        assert (await browser.sign_in(nadia, password="typo-typo-typo")).status_code == 401


async def test_unknown_accounts_are_throttled_like_known_ones(desk: Desk) -> None:
    browser = desk.browser("203.0.113.9")
    answers = []
    for _ in range(6):
        response = await browser.http.post(
            "/inbox/api/sign-in", json={"email": "ghost@example.com", "password": "x" * 12}
        )
        answers.append(response.status_code)
    assert answers == [401] * 5 + [429]
