from __future__ import annotations

import pytest

from comptoir.domain.automation import Localized, fill


@pytest.mark.parametrize(
    ("text", "values", "filled"),
    [
        ("Bonjour {{first_name}} !", {"first_name": "Léa"}, "Bonjour Léa !"),
        ("Bonjour {{first_name}} !", {}, "Bonjour !"),
        ("Hello {{ first_name }}!", {"first_name": ""}, "Hello!"),
        ("{{a}}{{b}}", {"a": "1", "b": "2"}, "12"),
        ("Commande {{order}}.", {"order": "CMD-1"}, "Commande CMD-1."),
        ("{{not closed", {}, "{{not closed"),
    ],
)
def test_fill(text: str, values: dict[str, str], filled: str) -> None:
    assert fill(text, values) == filled


@pytest.mark.parametrize(
    ("locale", "picked"),
    [
        ("fr_FR", "Bonjour"),
        ("en_GB", "Hello"),
        ("en", "Hello"),
        ("de_DE", "Bonjour"),
        (None, "Bonjour"),
    ],
)
def test_pick_by_language_with_fallback(locale: str | None, picked: str) -> None:
    assert Localized.of({"fr": "Bonjour", "en": "Hello"}, "fr").pick(locale) == picked


def test_text_needs_its_default_translation() -> None:
    with pytest.raises(ValueError, match="needs at least one"):
        Localized((), "fr")
    with pytest.raises(ValueError, match="no 'fr' translation"):
        Localized((("en", "Hello"),), "fr")
