"""preview.*: what a notification shows (about the first 100 characters) must carry the
key information."""

from __future__ import annotations

import pytest

from comptoir.domain.writing import Severity
from tests.writing.support import check, found, rule_ids, spans

ORDER_FR = (
    "Votre commande n°4821 est prête en boutique. Vous pouvez la retirer dès aujourd’hui, "
    "jusqu’à 19 h."
)
ORDER_EN = (
    "Your order #4821 is ready in store. You can pick it up from today until 7pm, "
    "just bring your receipt."
)


@pytest.mark.parametrize(
    ("text", "greeting", "example"),
    [
        (
            f"Bonjour !\n\nJ’espère que vous allez bien. {ORDER_FR}",
            "Bonjour !\n\nJ’espère que vous allez bien.",
            "« Bonjour, votre commande n°4821 est prête en boutique. »",
        ),
        (
            f"Chère Madame Martin,\n{ORDER_FR}",
            "Chère Madame Martin,",
            "« Chère Madame Martin, votre commande n°4821 est prête en boutique. »",
        ),
        (
            f"Bonjour 👋 {ORDER_FR}",
            "Bonjour 👋",
            "« Bonjour, votre commande n°4821 est prête en boutique. »",
        ),
    ],
)
def test_a_french_greeting_alone_at_the_start_is_flagged(
    text: str, greeting: str, example: str
) -> None:
    result = check(text, locale="fr")

    [finding] = found(result, "preview.greeting_only")
    assert finding.severity is Severity.WARNING
    assert result.text[finding.start : finding.end] == greeting
    assert finding.suggestion is not None
    assert example.replace("« ", "«\u00a0").replace(" »", "\u00a0»") in finding.suggestion


def test_an_english_greeting_and_pleasantry_are_flagged() -> None:
    text = f"Hi there!\nI hope this message finds you well. {ORDER_EN}"

    result = check(text, locale="en")

    assert spans(result, "preview.greeting_only") == [
        "Hi there!\nI hope this message finds you well."
    ]
    [finding] = found(result, "preview.greeting_only")
    assert "“Hi there, your order #4821 is ready in store.”" in (finding.suggestion or "")


@pytest.mark.parametrize(
    "text",
    [
        f"Bonjour Léa, {ORDER_FR[0].lower()}{ORDER_FR[1:]}",  # the greeting shares the sentence
        f"Hi Sam, {ORDER_EN[0].lower()}{ORDER_EN[1:]}",
        "Bonjour ! Votre commande est prête 😊",  # all of it shows in the preview
        "Hello!\nYour table is booked for 8pm.",
    ],
)
def test_no_greeting_finding_when_the_greeting_carries_information_or_all_shows(
    text: str,
) -> None:
    assert "preview.greeting_only" not in rule_ids(check(text))


def test_the_preview_size_is_configurable() -> None:
    text = f"Bonjour !\n{ORDER_FR}"

    assert "preview.greeting_only" in rule_ids(check(text))
    assert "preview.greeting_only" not in rule_ids(check(text, preview_chars=200))


def test_a_first_sentence_longer_than_the_preview_is_flagged_with_where_to_cut() -> None:
    text = (
        "Nous vous informons que suite à la réorganisation de notre atelier, l’ensemble des "
        "rendez-vous du mois prochain sont déplacés au matin. Merci de votre compréhension."
    )

    result = check(text, locale="fr")

    [finding] = found(result, "preview.long_first_sentence")
    assert finding.severity is Severity.WARNING
    assert finding.start == 0
    assert result.text[finding.end - 1] == "."
    assert "fait 135 caractères" in finding.message
    assert (
        finding.suggestion
        == "Terminez la phrase après «\u00a0…de notre atelier,\u00a0» et commencez-en une nouvelle."
    )


def test_an_english_long_first_sentence_in_english_words() -> None:
    text = (
        "We would like to let you know that because our workshop is being reorganised all of "
        "next month’s appointments are moving to the morning. Thanks for understanding."
    )

    [finding] = found(check(text, locale="en"), "preview.long_first_sentence")
    assert "The first sentence has" in finding.message
    assert finding.suggestion
    assert "under 100 characters" in finding.suggestion


def test_key_information_in_a_sentence_the_preview_never_reaches_is_flagged() -> None:
    text = (
        "Merci pour votre message et pour votre patience. Nous avons bien étudié votre demande "
        "avec l’équipe. Votre rendez-vous est fixé au 12 mars à 14h30."
    )

    result = check(text, locale="fr")

    assert spans(result, "preview.key_info_late") == ["12 mars"]
    [finding] = found(result, "preview.key_info_late")
    assert "«\u00a012 mars\u00a0»" in finding.message
    assert finding.suggestion == "Placez «\u00a012 mars\u00a0» dans la première phrase."


def test_key_information_late_in_english_with_a_price() -> None:
    text = (
        "Thanks for getting in touch with us, we really appreciate it. We have looked into your "
        "request with the team. The repair comes to $68 and takes two days."
    )

    assert spans(check(text), "preview.key_info_late") == ["$68"]


def test_key_information_in_a_sentence_the_preview_starts_is_not_flagged() -> None:
    text = (
        "Votre colis est parti ce matin de notre entrepôt de Lyon. Le transporteur prévoit "
        "une livraison le 14 mars."
    )

    assert "preview.key_info_late" not in rule_ids(check(text))
