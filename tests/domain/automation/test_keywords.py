from __future__ import annotations

import pytest

from comptoir.domain.automation import KeywordRule, normalise

HOURS_RULE = KeywordRule(("horaires", "heures d'ouverture", "opening hours"))


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("Quels sont vos horaires ?", True),
        ("HORAIRES", True),
        ("horaîres svp", True),
        ("Vos heures d’ouverture ?", True),  # typographic apostrophe
        ("Heures   d'OUVERTURE", True),
        ("What are your opening hours?", True),
        ("Opening-hours please", True),
        ("horairesxyz", False),  # not a whole word
        ("hours opening", False),  # phrase words out of order
        ("", False),
        ("un horaire ?", True),  # singular against a plural keyword
        ("Your opening hour", True),
    ],
)
def test_rule_matches_words_and_phrases(text: str, matches: bool) -> None:
    assert HOURS_RULE.matches(text) is matches


def test_accents_on_the_rule_side_are_ignored_too() -> None:
    assert KeywordRule(("café",)).matches("un CAFE svp")
    assert KeywordRule(("cafe",)).matches("un café")
    assert KeywordRule(("œuvre",)).matches("une oeuvre")


def test_normalise() -> None:
    assert normalise("Élève À l’ÉCOLE") == "eleve a l'ecole"


def test_rule_without_words_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one word"):
        KeywordRule(("?!",))
    with pytest.raises(ValueError, match="at least one word"):
        KeywordRule(())


@pytest.mark.parametrize(
    ("keyword", "text", "matches"),
    [
        ("price", "What are your prices?", True),
        ("tarifs", "le tarif", True),
        ("address", "your address please", True),
        ("adresse", "vos adresses", True),
        ("bus", "le bu", False),  # short words are kept whole
        ("prix", "c'est pris", False),  # only a final s is dropped
    ],
)
def test_plural_s_is_ignored(keyword: str, text: str, matches: bool) -> None:
    assert KeywordRule((keyword,)).matches(text) is matches
