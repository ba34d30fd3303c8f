"""A Page's automation settings: parsing with named errors, hours, the away message's time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from comptoir.services.automation_settings import SettingsError, parse_settings

HOURS = {
    "zone": "Europe/Paris",
    "weekly": {"mon": ["09:00-18:00"], "tue": ["09:00-18:00"], "sat": ["10:00-12:00"]},
    "exceptions": {"2026-06-02": ["14:00-16:00"]},
    "holidays": ["2026-06-06"],
}


def test_next_opening_in_words_follows_exceptions_and_holidays() -> None:
    settings = parse_settings({"hours": HOURS, "away_message": "Retour {{next_opening}}."})
    monday_night = datetime(2026, 6, 1, 20, 0, tzinfo=UTC)  # 22:00 in Paris
    assert not settings.is_open(monday_night)
    assert settings.next_opening_text(monday_night, "fr_FR") == "mardi 14:00"  # exception
    assert settings.next_opening_text(monday_night, "en_US") == "Tuesday 14:00"
    tuesday_night = datetime(2026, 6, 2, 20, 0, tzinfo=UTC)
    # Saturday the 6th is a holiday: next is Monday the 8th.
    assert settings.next_opening_text(tuesday_night, None) == "lundi 09:00"
    assert settings.is_open(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))  # 10:00 in Paris


def test_without_hours_the_page_is_always_open() -> None:
    settings = parse_settings({})
    assert settings.is_open(datetime(2026, 6, 1, 3, 0, tzinfo=UTC))
    assert settings.enabled
    assert settings.instant_reply is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "settings"),
        ({"enabled": "yes"}, "enabled"),
        ({"default_locale": "de"}, "default_locale"),
        ({"instant_reply": ""}, "instant_reply.fr"),
        ({"instant_reply": "x" * 2000}, "instant_reply.fr"),
        ({"away_message": {"it": "Ciao"}}, "away_message.it"),
        ({"hours": {"zone": "Europe/Nowhere"}}, "hours"),
        ({"hours": {"weekly": {"lundi": ["09:00-18:00"]}}}, "hours"),
        ({"hours": {"weekly": {"mon": ["9h-18h"]}}}, "hours"),
        ({"hours": {"holidays": ["25/12/2026"]}}, "hours"),
        ({"flows_folder": ""}, "flows_folder"),
        ({"profile": {"greeting": "x" * 161}}, "profile.greeting.fr"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_settings_name_the_setting(data: object, field: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(data)
    assert caught.value.field == field
