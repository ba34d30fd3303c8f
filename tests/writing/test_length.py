"""length.*: the channel's limit (error) and a readable length (warning)."""

from __future__ import annotations

import pytest

from comptoir.domain.writing import Severity
from tests.writing.support import check, found, rule_ids

# French with accents and a typographic apostrophe, repeated to any length.
FR_SENTENCE = "Votre commande est prête, l’équipe vous attend ! "


@pytest.mark.parametrize(
    ("text", "locale", "limit_text"),
    [
        ((FR_SENTENCE * 41)[:2001], "fr", "2\u202f000"),
        (("Your order is ready, we’re waiting for you! " * 50)[:2001], "en", "2,000"),
    ],
)
def test_over_the_messenger_limit_is_an_error_from_the_first_character_past_it(
    text: str, locale: str, limit_text: str
) -> None:
    result = check(text, locale=locale)

    [finding] = found(result, "length.channel")
    assert finding.severity is Severity.ERROR
    assert (finding.start, finding.end) == (2000, 2001)
    assert limit_text in finding.message
    assert finding.suggestion
    assert result.has_errors


def test_exactly_at_the_messenger_limit_is_not_an_error_but_is_too_long_to_read() -> None:
    result = check((FR_SENTENCE * 40)[:2000])

    assert "length.channel" not in rule_ids(result)
    [readable] = found(result, "length.readable")
    assert readable.severity is Severity.WARNING
    assert readable.start == 600


def test_instagram_counts_bytes_so_accents_reach_the_limit_sooner() -> None:
    text = "é" * 999  # 999 characters, 1,998 bytes

    result = check(text, channel="instagram", locale="fr", language="fr")

    [finding] = found(result, "length.channel")
    assert finding.start == 500  # characters 0..499 take the 1,000 bytes
    assert "octets" in finding.message
    assert "length.channel" not in rule_ids(check(text, language="fr"))  # fine on Messenger


def test_instagram_limit_in_characters_with_emoji() -> None:
    text = "Thanks for your order 🎉 " * 40  # 1,000 characters, emoji take 4 bytes each

    result = check(text[:1001], channel="instagram", locale="en")

    [finding] = found(result, "length.channel")
    assert finding.severity is Severity.ERROR
    assert "Instagram" in finding.message


def test_a_long_but_allowed_message_gets_a_readability_warning_in_the_readers_language() -> None:
    text = ("Votre colis est parti ce matin.\n" * 20).strip()

    french = found(check(text, locale="fr"), "length.readable")
    english = found(check(text, locale="en"), "length.readable")

    assert [f.severity for f in french] == [Severity.WARNING]
    assert "caractères" in french[0].message
    assert "characters" in english[0].message
    assert french[0].suggestion
    assert "600" in french[0].suggestion


def test_short_messages_have_no_length_finding() -> None:
    assert not {"length.channel", "length.readable"} & rule_ids(check("Merci, à demain 😊"))


@pytest.mark.parametrize("text", ["", "   \n "])
def test_an_empty_message_is_an_error(text: str) -> None:
    [finding] = found(check(text, locale="fr"), "length.empty")
    assert finding.severity is Severity.ERROR
    assert finding.message == "Le message est vide."


def test_a_button_template_text_is_limited_to_640_characters() -> None:
    text = ("We’ll confirm your booking shortly. " * 20)[:641]

    result = check(text, buttons=["Confirm", "Cancel"])

    [finding] = found(result, "button.text_too_long")
    assert (finding.start, finding.end, finding.severity) == (640, 641, Severity.ERROR)
    assert "length.channel" not in rule_ids(result)
