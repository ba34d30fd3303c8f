from __future__ import annotations

from pathlib import Path

import pytest

from comptoir.domain.automation import Localized
from comptoir.domain.automation.model import FaqEntry
from comptoir.services.faq import FaqMatcher
from comptoir.services.flow_files import read_folder

RETURNS = FaqEntry(
    ("Comment retourner un article ?", "How do I return an item?"),
    Localized.of({"fr": "30 jours.", "en": "30 days."}),
)
PAYMENT = FaqEntry(
    ("Quels moyens de paiement acceptez-vous ?", "Can I pay by card?"),
    Localized.of({"fr": "Carte et PayPal.", "en": "Cards and PayPal."}),
)
MATCHER = FaqMatcher([RETURNS, PAYMENT])


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("Comment je retourne un article", RETURNS),
        ("COMMENT RETOURNER UN ARTICLE", RETURNS),
        ("how can i return an item", RETURNS),
        ("Quels moyens de paîement ?", PAYMENT),
        ("can i pay with my card", PAYMENT),
        ("merci", None),
        ("article", None),
        ("ok", None),
        ("", None),
        ("???", None),
        ("Quand arrive ma commande ?", None),
    ],
)
def test_match(text: str, entry: FaqEntry | None) -> None:
    found = MATCHER.match(text)
    assert (found.entry if found else None) == entry


def test_score_and_variant_are_reported() -> None:
    found = MATCHER.match("How do I return an item?")
    assert found is not None
    assert found.question == "How do I return an item?"
    assert found.score == 100.0


def test_threshold_is_checked() -> None:
    with pytest.raises(ValueError, match="threshold"):
        FaqMatcher([RETURNS], threshold=0)
    assert FaqMatcher([]).match("bonjour") is None


def test_example_faq_answers_french_and_english() -> None:
    shop = read_folder(Path(__file__).parents[2] / "flows" / "examples" / "shop")
    matcher = FaqMatcher(shop.faq)
    french = matcher.match("comment je peux retourner un article ?")
    english = matcher.match("what payment methods do you take?")
    assert french is not None
    assert english is not None
    assert french.entry.answer.pick("fr").startswith("Vous avez 30 jours")
    assert english.entry.answer.pick("en").startswith("We accept")
