"""detect_language: French or English from common words, accents, elisions, contractions."""

from __future__ import annotations

import pytest

from comptoir.domain.writing import detect_language
from tests.writing.support import check


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Votre commande est prête.", "fr"),
        ("L’équipe vous attend.", "fr"),
        ("Merci !", "fr"),
        ("C’est noté 👍", "fr"),
        ("Rendez-vous demain à 14h30", "fr"),
        ("Your order is ready.", "en"),
        ("We’re open today", "en"),
        ("Thanks!", "en"),
        ("Don’t forget your appointment 📅", "en"),
        ("Hello Marie, votre colis est arrivé.", "fr"),
        ("Bonjour Sam, your parcel has arrived and it’s waiting for you.", "en"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("default", ["fr", "en"])
def test_nothing_to_go_on_gives_the_default(default: str) -> None:
    assert detect_language("OK 👍 14h30", default=default) == default  # type: ignore[arg-type]


def test_findings_follow_the_readers_locale_and_default_to_the_messages_language() -> None:
    text = "Votre comande est prête."

    assert "dictionnaire" in check(text).findings[0].message
    assert "dictionary" in check(text, locale="en").findings[0].message
    assert check(text, locale="en").language == "fr"
