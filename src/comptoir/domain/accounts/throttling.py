"""Sign-in throttling decisions, designed so an attacker cannot lock the real user out.

Failures are counted under several keys (``Counter``), and an attempt is held back only by
the counters that describe *its own* situation:

* ``pair``: this account from this client address. After ``PAIR_FREE`` failures each attempt
  waits 2^(n - PAIR_FREE) seconds after the last failure, at most ``MAX_DELAY``.
* ``address``: every account from this client address (password spraying). After
  ``ADDRESS_FREE`` failures the same doubling applies.
* ``account``: this account from any address (a botnet). After ``ACCOUNT_FREE`` failures it
  holds back unknown browsers only.
* ``device``: this account from a browser that has signed in to it before (a signed cookie).
  A known device is judged by this counter alone: attacks from its address, or on its account
  from elsewhere, do not slow it down.

So the real user on their usual browser always gets in with the right password; a real user
on a new browser gets in unless their own address is the one attacking. Counters are
forgotten ``FORGET_AFTER`` after the last failure; a success clears ``pair`` and ``device``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

PAIR_FREE = 5
ADDRESS_FREE = 50
ACCOUNT_FREE = 100
DEVICE_FREE = 10
MAX_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Counter:
    failures: int
    last_failure_at: datetime


@dataclass(frozen=True, slots=True)
class Attempt:
    """The counters that apply to one sign-in attempt (None: no failures recorded)."""

    pair: Counter | None = None
    address: Counter | None = None
    account: Counter | None = None
    device: Counter | None = None
    known_device: bool = False


def delay(counter: Counter | None, free: int, now: datetime) -> timedelta:
    """How long an attempt must still wait because of ``counter``."""
    if counter is None or counter.failures < free:
        return timedelta(0)
    if now - counter.last_failure_at >= FORGET_AFTER:
        return timedelta(0)
    exponent = min(counter.failures - free, 20)
    wait = min(timedelta(seconds=2**exponent), MAX_DELAY)
    remaining = counter.last_failure_at + wait - now
    return max(remaining, timedelta(0))


def wait_before(attempt: Attempt, now: datetime) -> timedelta:
    """Zero when the attempt may go ahead, otherwise how long it must wait."""
    if attempt.known_device:
        return delay(attempt.device, DEVICE_FREE, now)
    return max(
        delay(attempt.pair, PAIR_FREE, now),
        delay(attempt.address, ADDRESS_FREE, now),
        delay(attempt.account, ACCOUNT_FREE, now),
    )


def keys_to_count(known_device: bool) -> tuple[str, ...]:
    """Which counters a failed attempt adds to."""
    if known_device:
        return ("device", "account")
    return ("pair", "address", "account")


def keys_to_clear(known_device: bool) -> tuple[str, ...]:
    """Which counters a successful sign-in clears."""
    return ("device", "pair") if known_device else ("pair",)
