"""style.*: shouting in capitals, repeated punctuation, emoji overload."""

from __future__ import annotations

import pytest

from comptoir.domain.writing import Severity
from comptoir.domain.writing.tokens import emoji
from tests.writing.support import check, found, spans


@pytest.mark.parametrize(
    ("text", "shouted", "replacement"),
    [
        (
            "MERCI DE RÉPONDRE AVANT DEMAIN.",
            "MERCI DE RÉPONDRE AVANT DEMAIN",
            "Merci de répondre avant demain",
        ),
        (
            "Votre colis est là, VENEZ LE CHERCHER VITE !",
            "VENEZ LE CHERCHER VITE",
            "venez le chercher vite",
        ),
        ("PLEASE READ THIS before Friday.", "PLEASE READ THIS", "Please read this"),
        ("We’re open, DON’T MISS IT!", "DON’T MISS IT", "don’t miss it"),
    ],
)
def test_words_in_capitals_in_a_row_are_shouting(text: str, shouted: str, replacement: str) -> None:
    [finding] = found(check(text), "style.shouting")

    assert text[finding.start : finding.end] == shouted
    assert finding.severity is Severity.WARNING
    assert finding.replacement == replacement


def test_one_real_word_in_capitals_is_a_hint_and_acronyms_are_fine() -> None:
    result = check("C’est IMPORTANT : envoyez-nous un SMS ou lisez la FAQ, TVA comprise.")

    [finding] = found(result, "style.shouting")
    assert (result.text[finding.start : finding.end], finding.severity) == (
        "IMPORTANT",
        Severity.INFO,
    )


def test_shouting_is_explained_in_the_readers_language() -> None:
    french = found(check("MERCI BEAUCOUP", locale="fr"), "style.shouting")[0]
    english = found(check("THANK YOU SO MUCH", locale="en"), "style.shouting")[0]

    assert "majuscules" in french.message
    assert "capitals" in english.message


@pytest.mark.parametrize(
    ("text", "repeated", "replacement"),
    [
        ("Merci !!!", "!!!", "!"),
        ("Merci ! ! !", "! ! !", "!"),
        ("Vraiment ?!", "?!", "?"),
        ("Vous venez ???", "???", "?"),
        ("Thanks!!", "!!", "!"),
        ("Wait.....", ".....", "…"),
        ("Bon,, on se voit demain.", ",,", ","),
    ],
)
def test_repeated_punctuation(text: str, repeated: str, replacement: str) -> None:
    [finding] = found(check(text), "style.repeated_punctuation")

    assert text[finding.start : finding.end] == repeated
    assert finding.replacement == replacement


@pytest.mark.parametrize(
    "text", ["À bientôt…", "See you soon...", "Merci ! À demain ?", "Ouvert 7j/7 !"]
)
def test_single_marks_and_ellipses_are_fine(text: str) -> None:
    assert found(check(text), "style.repeated_punctuation") == []


def test_three_emoji_in_a_row_are_too_many() -> None:
    text = "Votre commande est prête 🎉🎉 🎉 À bientôt !"

    [finding] = found(check(text, locale="fr"), "style.emoji_overload")
    assert text[finding.start : finding.end] == "🎉🎉 🎉"
    assert finding.message == "3 emoji à la suite encombrent le message."
    assert finding.replacement == "🎉"


def test_many_emoji_spread_over_a_message_are_too_many() -> None:
    text = "Hi 👋 your order 📦 is ready ✅ come by 🏃 today ☀️ thanks 🙏"

    [finding] = found(check(text, locale="en"), "style.emoji_overload")
    assert finding.message.startswith("6 emoji in one message")
    assert (finding.start, finding.end) == (3, len(text))


@pytest.mark.parametrize(
    "text",
    [
        "Merci 🙏 À demain 😊",
        # one family, one thumb with a skin tone, one flag: three emoji, not eleven
        "Bienvenue à la famille 👨‍👩‍👧‍👦 ! Bravo 👍🏽 et vive la France 🇫🇷",
        "Votre vélo est prêt ✔️",
    ],
)
def test_sparing_emoji_and_emoji_sequences_count_once(text: str) -> None:
    assert spans(check(text), "style.emoji_overload") == []


def test_an_emoji_sequence_is_one_emoji() -> None:
    found_emoji = emoji("👨‍👩‍👧‍👦👍🏽🇫🇷 1️⃣ ❤️ ☕ → ©")

    assert [e.text for e in found_emoji] == ["👨‍👩‍👧‍👦", "👍🏽", "🇫🇷", "1️⃣", "❤️", "☕"]
