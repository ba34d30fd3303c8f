"""Pure account rules: e-mail keys, password rules, throttling decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comptoir.domain.accounts.passwords import InvalidEmailError, check_password, normalise_email
from comptoir.domain.accounts.throttling import (
    MAX_DELAY,
    Attempt,
    Counter,
    keys_to_count,
    wait_before,
)

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("email", "key"),
    [(" Nadia@Example.COM ", "nadia@example.com"), ("a.b+c@shop.fr", "a.b+c@shop.fr")],
)
def test_email_keys(email: str, key: str) -> None:
    assert normalise_email(email) == key


@pytest.mark.parametrize("email", ["", "nadia", "nadia@", "@example.com", "a b@example.com"])
def test_invalid_emails(email: str) -> None:
    with pytest.raises(InvalidEmailError):
        normalise_email(email)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 10"),
        ("1234567890", "too common"),
        ("aaaaaaaaaaaa", "too common"),
        ("nadia@example.com", "e-mail"),
        ("x" * 1025, "at most"),
        ("correct horse battery staple", None),
    ],
)
def test_password_rules(password: str, problem: str | None) -> None:
    found = check_password(password, "nadia@example.com")
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


def failures(n: int, ago: timedelta = timedelta(0)) -> Counter:
    return Counter(n, NOW - ago)


@pytest.mark.parametrize(
    ("attempt", "wait"),
    [
        (Attempt(), timedelta(0)),
        (Attempt(pair=failures(4)), timedelta(0)),
        (Attempt(pair=failures(5)), timedelta(seconds=1)),
        (Attempt(pair=failures(8)), timedelta(seconds=8)),
        (Attempt(pair=failures(8, timedelta(seconds=3))), timedelta(seconds=5)),
        (Attempt(pair=failures(40)), MAX_DELAY),
        (Attempt(pair=failures(40, timedelta(days=2))), timedelta(0)),
        (Attempt(address=failures(49)), timedelta(0)),
        (Attempt(address=failures(51)), timedelta(seconds=2)),
        (Attempt(account=failures(100)), timedelta(seconds=1)),
        # A known device is judged by its own counter only.
        (Attempt(pair=failures(40), address=failures(500), known_device=True), timedelta(0)),
        (Attempt(account=failures(500), known_device=True), timedelta(0)),
        (Attempt(device=failures(10), known_device=True), timedelta(seconds=1)),
    ],
)
def test_wait_before(attempt: Attempt, wait: timedelta) -> None:
    assert wait_before(attempt, NOW) == wait


def test_a_known_device_failure_does_not_count_against_its_address() -> None:
    assert "address" not in keys_to_count(known_device=True)
    assert "pair" not in keys_to_count(known_device=True)
    assert set(keys_to_count(known_device=False)) == {"pair", "address", "account"}
