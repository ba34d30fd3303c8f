"""A Page's automation settings: instant reply, away message, opening hours, bot disclosure,
flows folder. Stored as JSON in ``automation_settings`` (one row per Page), checked on the
way in so a bad value is refused with a message naming it (``SettingsError``).

The JSON shape (every key optional)::

    {
      "enabled": true,
      "default_locale": "fr",
      "instant_reply": {"fr": "Bonjour !", "en": "Hello!"},
      "away_message": {"fr": "Nous répondrons {{next_opening}}.", "en": "..."},
      "hours": {"zone": "Europe/Paris",
                "weekly": {"mon": ["09:00-12:00", "14:00-18:00"], ...},
                "exceptions": {"2026-12-24": ["09:00-12:00"]},
                "holidays": ["2026-12-25"]},
      "disclosure": {"fr": "Réponses automatiques.", "en": "Automated answers."},
      "flows_folder": "flows/examples/shop",
      "profile": {...}
    }

``profile`` is the Page's Messenger profile (``services.messenger_profile``), checked here
and sent by ``POST /api/v1/pages/{page_id}/messenger-profile``. ``flows_folder`` is read
relative to the working directory of the Comptoir process.

A text is a string (the default locale) or a mapping locale -> text. ``{{next_opening}}`` in
the away message becomes when a person is back ("lundi 09:00" / "Monday 09:00", in the
Page's zone); ``{{first_name}}`` the contact's first name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.domain.automation.hours import HoursError, OpeningHours, parse_range
from comptoir.domain.automation.text import LOCALES, Localized
from comptoir.storage import tables

__all__ = [
    "AutomationSettings",
    "SettingsError",
    "load_settings",
    "parse_settings",
    "save_settings",
]

_KEYS = frozenset(
    {"enabled", "default_locale", "instant_reply", "away_message", "hours", "disclosure"}
    | {"flows_folder", "profile"}
)
#: Meta's text limit (reference §2.2).
MAX_TEXT = 1999
_DAY_NAMES = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


class SettingsError(ValueError):
    """A setting that cannot be used; the message names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True, slots=True)
class AutomationSettings:
    enabled: bool = True
    default_locale: str = "fr"
    instant_reply: Localized | None = None
    away_message: Localized | None = None
    #: None: always open (no away message).
    hours: OpeningHours | None = None
    #: None: no disclosure line.
    disclosure: Localized | None = None
    flows_folder: str | None = None
    #: The JSON these settings were parsed from (what is stored).
    raw: Mapping[str, Any] | None = None

    def is_open(self, moment: datetime) -> bool:
        return self.hours is None or self.hours.is_open(moment)

    def next_opening_text(self, moment: datetime, locale: str | None) -> str:
        """When a person is back, in words, in the Page's zone ("" when unknown)."""
        if self.hours is None:
            return ""
        opening = self.hours.next_opening(moment)
        if opening is None:
            return ""
        local = opening.astimezone(self.hours.tz)
        language = (locale or self.default_locale).split("_")[0].lower()
        names = _DAY_NAMES.get(language, _DAY_NAMES["en"])
        return f"{names[local.weekday()]} {local:%H:%M}"


def parse_settings(data: Any) -> AutomationSettings:
    """Settings from their JSON form; ``SettingsError`` naming the first bad value."""
    if not isinstance(data, Mapping):
        raise SettingsError("settings", "must be a JSON object")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise SettingsError(unknown[0], f"unknown setting; use {', '.join(sorted(_KEYS))}")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise SettingsError("enabled", "must be true or false")
    default_locale = data.get("default_locale", "fr")
    if default_locale not in LOCALES:
        raise SettingsError("default_locale", f"must be one of {', '.join(LOCALES)}")
    folder = data.get("flows_folder")
    if folder is not None and (not isinstance(folder, str) or not folder.strip()):
        raise SettingsError("flows_folder", "must be a folder path")
    profile = data.get("profile")
    if profile is not None:
        from comptoir.services.messenger_profile import check_profile

        problems = check_profile(profile, default_locale)
        if problems:
            raise SettingsError(f"profile.{problems[0].field}", problems[0].message)
    return AutomationSettings(
        enabled=enabled,
        default_locale=default_locale,
        instant_reply=_text(data, "instant_reply", default_locale),
        away_message=_text(data, "away_message", default_locale),
        hours=_hours(data.get("hours")),
        disclosure=_text(data, "disclosure", default_locale),
        flows_folder=folder,
        raw=dict(data),
    )


def _text(data: Mapping[str, Any], name: str, default: str) -> Localized | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        value = {default: value}
    if not isinstance(value, Mapping) or not value:
        raise SettingsError(name, "must be a text or an object locale -> text")
    for locale, text in value.items():
        if locale not in LOCALES:
            raise SettingsError(f"{name}.{locale}", f"unknown locale; use {', '.join(LOCALES)}")
        if not isinstance(text, str) or not text.strip():
            raise SettingsError(f"{name}.{locale}", "must be a non-empty text")
        if len(text) > MAX_TEXT:
            raise SettingsError(f"{name}.{locale}", f"longer than {MAX_TEXT} characters")
    return Localized.of(dict(value), default)


def _hours(value: Any) -> OpeningHours | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise SettingsError("hours", "must be an object with zone, weekly, exceptions, holidays")
    try:
        zone = value.get("zone", "UTC")
        if not isinstance(zone, str):
            raise HoursError("zone must be an IANA name such as Europe/Paris")
        weekly = {day: _ranges(ranges) for day, ranges in _mapping(value, "weekly").items()}
        exceptions = {
            _date(day): _ranges(ranges) for day, ranges in _mapping(value, "exceptions").items()
        }
        holidays = value.get("holidays", [])
        if not isinstance(holidays, list):
            raise HoursError("holidays must be a list of dates (YYYY-MM-DD)")
        return OpeningHours(zone, weekly, exceptions, frozenset(_date(d) for d in holidays))
    except HoursError as error:
        raise SettingsError("hours", str(error)) from None


def _mapping(value: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    found = value.get(name, {})
    if not isinstance(found, Mapping):
        raise HoursError(f"{name} must be an object")
    return found


def _ranges(value: Any) -> tuple[Any, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise HoursError(f"{value!r} is not a list of HH:MM-HH:MM ranges")
    return tuple(parse_range(item) for item in value)


def _date(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise HoursError(f"{value!r} is not a date (YYYY-MM-DD)") from None


# ---- storage -----------------------------------------------------------------------------


def load_settings(conn: Connection, page_ref: int) -> AutomationSettings | None:
    """The Page's settings, or None when it has none (automation off)."""
    row = conn.execute(
        sa.select(tables.automation_settings.c.settings).where(
            tables.automation_settings.c.page_ref == page_ref
        )
    ).first()
    return None if row is None else parse_settings(row.settings)


def save_settings(conn: Connection, page_ref: int, data: Any, now: datetime) -> AutomationSettings:
    """Check and store the Page's settings (replacing any); ``SettingsError`` when bad."""
    settings = parse_settings(data)
    table = tables.automation_settings
    stored = conn.execute(
        sa.update(table)
        .where(table.c.page_ref == page_ref)
        .values(settings=dict(data), updated_at=now)
    )
    if stored.rowcount == 0:
        conn.execute(
            sa.insert(table).values(page_ref=page_ref, settings=dict(data), updated_at=now)
        )
    return settings
