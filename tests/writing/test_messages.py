"""Every finding is worded in French and in English."""

from __future__ import annotations

import re
import string

import pytest

from comptoir.domain.writing import RULE_IDS, Card
from comptoir.domain.writing.messages import CATALOGUE, number, quote, say
from tests.writing.support import check

#: A message (with parts) that sets off every rule at least once.
EVERYTHING = {
    "text": (
        "Bonjour !!!\nJ’espère que vous allez bien. PROFITEZ DE NOS SOLDES à -50 % avec le code "
        "SOLDES50, sur toute la boutique, pour tous les soins et pour toutes les coupes du mois, "
        "c’est le moment. Votre comande est prête 🎉🎉🎉 et vous attend. La coupe est à 19,90 €. "
        + "Venez vite nous voir en boutique. "
        * 50
    ),
    "mechanism": "message_tag",
    "quick_replies": [f"Choix {n}" for n in range(13)] + ["", "Un titre beaucoup trop long"],
    "buttons": ["Voir", "Réserver maintenant en ligne", "Appeler", " "],
    "cards": [Card("T" * 81, "S" * 81)] + [Card(" ")] + [Card("Soin")] * 9,
}
#: And one, without buttons, for the rules on a plain text's length and late information.
LONG = (
    "Merci pour votre message et pour votre patience. Nous avons bien étudié votre demande "
    "avec l’équipe. Votre rendez-vous est fixé au 12 mars à 14h30.\n" + "Merci. " * 300
)


def test_the_catalogue_has_both_languages_with_the_same_placeholders() -> None:
    for key, (english, french) in CATALOGUE.items():
        fields_en = {f for _, f, _, _ in string.Formatter().parse(english) if f}
        fields_fr = {f for _, f, _, _ in string.Formatter().parse(french) if f}
        assert fields_en == fields_fr, key
        assert english.strip(), key
        assert french.strip(), key


@pytest.mark.parametrize("text", [LONG, LONG[:1000]])
def test_every_rule_speaks_french_and_english(text: str) -> None:
    french = [
        *check(**EVERYTHING, locale="fr").findings,  # type: ignore[arg-type]
        *check(text, locale="fr").findings,
    ]
    english = [
        *check(**EVERYTHING, locale="en").findings,  # type: ignore[arg-type]
        *check(text, locale="en").findings,
    ]

    assert {f.rule_id for f in french} | {"length.empty"} >= set(RULE_IDS) - {
        "length.channel" if len(text) < 2000 else "length.readable"
    }
    for fr, en in zip(french, english, strict=True):
        assert (fr.rule_id, fr.start, fr.target) == (en.rule_id, en.start, en.target)
        assert fr.message != en.message, fr.rule_id
        assert (fr.suggestion is None) == (en.suggestion is None), fr.rule_id
        assert fr.suggestion != en.suggestion or fr.suggestion is None, fr.rule_id
        assert not re.search(r"\{\w+\}", fr.message + en.message)


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_an_empty_message_in_both_languages(locale: str) -> None:
    [finding] = check("", locale=locale).findings
    assert finding.rule_id == "length.empty"


def test_numbers_and_quotes_follow_the_locale() -> None:
    assert number(2000, "fr") == "2\u202f000"
    assert number(2000, "en") == "2,000"
    assert quote("oui", "fr") == "«\u00a0oui\u00a0»"
    assert quote("yes", "en") == "“yes”"
    assert (
        say("fr", "style.repeated_punctuation.fix", fixed=quote("!", "fr"))
        == "Un seul «\u00a0!\u00a0» suffit."
    )
