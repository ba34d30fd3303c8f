"""paragraph.dense: a block of more than about four phone lines without a break."""

from __future__ import annotations

import pytest

from comptoir.domain.writing import Severity
from comptoir.domain.writing.rules.paragraph import phone_lines
from tests.writing.support import check, found

DENSE_FR = (
    "Votre commande est prête et vous attend à la boutique. Vous pouvez la retirer du mardi "
    "au samedi, de 10 h à 19 h, sur présentation d’une pièce d’identité. Si vous préférez "
    "une livraison à domicile, répondez simplement à ce message. L’équipe reste à votre "
    "disposition pour toute question sur l’entretien de votre nouveau canapé. À très bientôt "
    "dans notre magasin de la rue Mercière !"
)
DENSE_EN = (
    "Your order is ready and waiting for you at the shop. You can collect it from Tuesday to "
    "Saturday, 10am to 7pm, with a photo ID. If you’d rather have it delivered, just reply to "
    "this message. We’re happy to answer any question about caring for your new sofa. See you "
    "soon at our store on Market Street!"
)


@pytest.mark.parametrize(
    ("text", "locale", "words"),
    [(DENSE_FR, "fr", "paragraphes courts"), (DENSE_EN, "en", "short paragraphs")],
)
def test_a_ten_line_block_is_flagged_with_where_to_break(
    text: str, locale: str, words: str
) -> None:
    result = check(text, locale=locale)

    [finding] = found(result, "paragraph.dense")
    assert finding.severity is Severity.WARNING
    assert (finding.start, finding.end) == (0, len(text))
    assert finding.suggestion is not None
    assert words in finding.suggestion
    assert finding.suggestion.count("…") == 2  # three parts: two break points


def test_the_same_text_in_three_short_paragraphs_is_fine() -> None:
    text = (
        "Votre commande est prête et vous attend à la boutique.\n\n"
        "Retrait du mardi au samedi, de 10 h à 19 h, avec une pièce d’identité.\n\n"
        "Vous préférez une livraison ? Répondez simplement à ce message 😊"
    )

    assert found(check(text), "paragraph.dense") == []


def test_one_long_sentence_is_told_to_be_split_or_shortened() -> None:
    text = (
        "Nous vous rappelons que votre rendez-vous de contrôle technique prévu la semaine "
        "prochaine nécessite que vous apportiez la carte grise originale du véhicule ainsi que "
        "le dernier procès-verbal"
    )

    [finding] = found(check(text, locale="fr"), "paragraph.dense")
    assert (
        finding.suggestion
        == "C'est une seule longue phrase : coupez-la en deux, ou raccourcissez-la."
    )


def test_only_the_dense_paragraph_is_pointed_at() -> None:
    text = f"Bonjour Léa, merci pour votre commande.\n{DENSE_FR}"

    [finding] = found(check(text), "paragraph.dense")
    assert text[finding.start : finding.end] == DENSE_FR


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("Merci !", 1),
        ("a" * 36, 1),
        ("a" * 37, 2),  # a word longer than a line wraps onto the next
        ("Votre commande est prête, l’équipe vous attend.", 2),
        ("Première ligne\nDeuxième ligne", 2),
        ("🎉" * 18, 1),  # an emoji takes the width of two letters
        ("🎉" * 19, 2),
    ],
)
def test_phone_lines(text: str, lines: int) -> None:
    assert phone_lines(text) == lines
