"""Opening hours in a Page's time zone: weekly ranges, dated exceptions and holidays.

``OpeningHours.is_open(moment)`` answers for an aware UTC instant; ``next_opening(moment)``
says when a person will be back (for the away message). Times are local wall-clock times in
``zone`` (an IANA name such as "Europe/Paris"); a range ending at 00:00 runs to midnight.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: how far ahead ``next_opening`` looks before giving up (a Page closed for longer says so)
_LOOKAHEAD_DAYS = 366


class HoursError(ValueError):
    """Opening hours that cannot be used: an unknown zone, a range that ends before it starts."""


@dataclass(frozen=True, slots=True)
class TimeRange:
    """From ``start`` to ``end`` (local time); ``end`` 00:00 means midnight at the day's end."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.end != time(0) and self.end <= self.start:
            raise HoursError(f"range {self} ends before it starts")

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: time) -> bool:
        return self.start <= moment and (self.end == time(0) or moment < self.end)


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Weekly ranges by day ("mon".."sun"); ``exceptions`` replace a date's ranges (an empty
    tuple closes that day); ``holidays`` are closed all day."""

    zone: str
    weekly: Mapping[str, tuple[TimeRange, ...]]
    exceptions: Mapping[date, tuple[TimeRange, ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        check_zone(self.zone)
        unknown = sorted(set(self.weekly) - set(WEEKDAYS))
        if unknown:
            raise HoursError(f"unknown day(s) {', '.join(unknown)}; use {', '.join(WEEKDAYS)}")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def ranges_on(self, day: date) -> tuple[TimeRange, ...]:
        """The ranges that apply on a local date, exceptions and holidays considered."""
        if day in self.holidays:
            return ()
        if day in self.exceptions:
            return self.exceptions[day]
        return self.weekly.get(WEEKDAYS[day.weekday()], ())

    def is_open(self, moment: datetime) -> bool:
        local = _aware(moment).astimezone(self.tz)
        return any(r.contains(local.time()) for r in self.ranges_on(local.date()))

    def next_opening(self, moment: datetime) -> datetime | None:
        """The first instant at or after ``moment`` when the Page is open, in UTC; ``moment``
        itself when open now; None when closed for the whole lookahead (a year)."""
        moment = _aware(moment)
        if self.is_open(moment):
            return moment.astimezone(UTC)
        local = moment.astimezone(self.tz)
        for offset in range(_LOOKAHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            for current in sorted(self.ranges_on(day), key=lambda r: r.start):
                start = datetime.combine(day, current.start, tzinfo=self.tz)
                if start >= local:
                    return start.astimezone(UTC)
        return None


def check_zone(zone: str) -> ZoneInfo:
    """The zone for an IANA name, or ``HoursError`` naming it."""
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        message = f"unknown time zone {zone!r}; use an IANA name like Europe/Paris"
        raise HoursError(message) from error


def parse_range(text: str) -> TimeRange:
    """``"09:00-18:00"`` -> ``TimeRange``; ``HoursError`` on anything else."""
    parts = text.split("-")
    if len(parts) != 2:
        raise HoursError(f"range {text!r} is not HH:MM-HH:MM")
    try:
        start, end = (time.fromisoformat(part.strip()) for part in parts)
    except ValueError as error:
        raise HoursError(f"range {text!r} is not HH:MM-HH:MM") from error
    return TimeRange(start, end)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime {moment.isoformat()} has no time zone; pass an aware one")
    return moment
