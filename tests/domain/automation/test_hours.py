from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from comptoir.domain.automation import HoursError, OpeningHours, TimeRange, parse_range

WEEKDAY = (parse_range("09:00-12:30"), parse_range("14:00-19:00"))
HOURS = OpeningHours(
    zone="Europe/Paris",
    weekly=dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), WEEKDAY)
    | {"sat": (parse_range("10:00-00:00"),)},
    exceptions={date(2026, 12, 24): (parse_range("09:00-12:00"),)},
    holidays=frozenset({date(2026, 12, 25)}),
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (utc(2026, 11, 23, 8, 0), True),  # Monday 09:00 in Paris (UTC+1)
        (utc(2026, 11, 23, 7, 59), False),  # 08:59 local
        (utc(2026, 11, 23, 11, 30), False),  # 12:30 local: lunch, the end is excluded
        (utc(2026, 11, 23, 17, 59), True),  # 18:59 local
        (utc(2026, 11, 23, 22, 0), False),  # 23:00 local
        (utc(2026, 11, 28, 22, 30), True),  # Saturday 23:30 local: open to midnight
        (utc(2026, 11, 29, 10, 0), False),  # Sunday
        (utc(2026, 12, 24, 10, 0), True),  # exception: 11:00 local, open in the morning
        (utc(2026, 12, 24, 14, 0), False),  # exception: 15:00 local, closed in the afternoon
        (utc(2026, 12, 25, 10, 0), False),  # holiday on a Friday
        (utc(2026, 7, 6, 7, 30), True),  # Monday in summer: 09:30 local (UTC+2)
        (utc(2026, 7, 6, 6, 30), False),  # 08:30 local in summer
    ],
)
def test_is_open_in_the_page_time_zone(moment: datetime, is_open: bool) -> None:
    assert HOURS.is_open(moment) is is_open


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (utc(2026, 11, 23, 8, 30), utc(2026, 11, 23, 8, 30)),  # open now
        (utc(2026, 11, 23, 22, 0), utc(2026, 11, 24, 8, 0)),  # Monday night -> Tuesday 09:00
        (utc(2026, 11, 23, 11, 40), utc(2026, 11, 23, 13, 0)),  # lunch -> 14:00 local
        (utc(2026, 11, 29, 10, 0), utc(2026, 11, 30, 8, 0)),  # Sunday -> Monday
        (utc(2026, 12, 24, 14, 0), utc(2026, 12, 26, 9, 0)),  # Christmas -> Saturday 10:00
    ],
)
def test_next_opening(moment: datetime, expected: datetime) -> None:
    assert HOURS.next_opening(moment) == expected


def test_never_open_has_no_next_opening() -> None:
    closed = OpeningHours(zone="America/Montreal", weekly={})
    assert closed.next_opening(utc(2026, 1, 1)) is None


@pytest.mark.parametrize(
    ("build", "says"),
    [
        (lambda: OpeningHours(zone="Mars/Olympus", weekly={}), "unknown time zone 'Mars/Olympus'"),
        (lambda: OpeningHours(zone="UTC", weekly={"monday": ()}), "unknown day(s) monday"),
        (lambda: parse_range("9h-18h"), "not HH:MM-HH:MM"),
        (lambda: parse_range("09:00"), "not HH:MM-HH:MM"),
        (lambda: TimeRange(time(18), time(9)), "ends before it starts"),
    ],
)
def test_bad_hours_are_refused(build: object, says: str) -> None:
    with pytest.raises(HoursError) as caught:
        build()  # type: ignore[operator]
    assert says in str(caught.value)


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        HOURS.is_open(datetime(2026, 1, 1, 10))
