"""spelling.unknown_word: French and English, detected per message, with the workspace's own
words; names, codes, links, prices and times are left alone."""

from __future__ import annotations

import pytest

from comptoir.domain.writing import Severity, check_message
from tests.writing.support import check, found, spans


@pytest.mark.parametrize(
    ("text", "typo", "replacement"),
    [
        ("Votre comande est prête.", "comande", "commande"),
        ("Votre colis a été expedié ce matin.", "expedié", "expédié"),
        ("Nous sommes disponnibles demain.", "disponnibles", "disponibles"),
        ("Merci, à bientot !", "bientot", "bientôt"),
        ("C’est déja réglé.", "déja", "déjà"),
        ("Je vous rapelle lundi.", "rapelle", "rappelle"),
    ],
)
def test_french_typos_are_found_with_a_correction(text: str, typo: str, replacement: str) -> None:
    result = check(text, locale="fr")

    assert result.language == "fr"
    [finding] = found(result, "spelling.unknown_word")
    assert text[finding.start : finding.end] == typo
    assert finding.severity is Severity.WARNING
    assert finding.replacement == replacement
    assert f"«\u00a0{replacement}\u00a0»" in (finding.suggestion or "")
    assert "dictionnaire français" in finding.message


@pytest.mark.parametrize(
    ("text", "typo", "replacement"),
    [
        ("We recieved your payment.", "recieved", "received"),
        ("Your apointment is confirmed.", "apointment", "appointment"),
        ("See you tommorow at 10am!", "tommorow", "tomorrow"),
        ("Thanks for your buisness.", "buisness", "business"),
    ],
)
def test_english_typos_are_found_with_a_correction(text: str, typo: str, replacement: str) -> None:
    result = check(text)

    assert result.language == "en"
    [finding] = found(result, "spelling.unknown_word")
    assert text[finding.start : finding.end] == typo
    assert finding.replacement == replacement
    assert "English dictionary" in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "L’équipe vous attend jusqu’à 19 h, n’hésitez pas à passer.",
        "L'équipe vous attend jusqu'à 19 h, n'hésitez pas à passer.",
        "Qu’en pensez-vous ? Aujourd’hui, c’est ouvert.",
        "Merci de tout cœur, votre sœur est la bienvenue.",
        "Rendez-vous pris : la coloration et le brushing sont à 14h30, le 1er avril.",
        "We’re open today and we’ll call you if there’s a change. Don’t worry!",
        "Our customers’ favourite colour is back in the centre of the shop.",
        "We organised a cancelled order refund; it’s on its way.",
    ],
)
def test_apostrophes_elisions_ligatures_and_british_spellings_are_known(text: str) -> None:
    assert spans(check(text), "spelling.unknown_word") == []


def test_links_addresses_tags_numbers_prices_times_and_ordinals_are_skipped() -> None:
    text = (
        "Écrivez à contact@boutik-xyz.fr ou sur https://boutik-xyz.fr/cmd?id=zzqq, "
        "suivez @boutikxyz et #soldezzz. Code BIENVZZ10, 19,90 €, 14h30, 2:30pm, 3rd, 2e, 1er."
    )

    assert spans(check(text, language="fr"), "spelling.unknown_word") == []


def test_names_are_left_alone_but_a_clear_typo_starting_a_sentence_is_not() -> None:
    text = "Merçi Camille ! Camille et Karim vous attendent. Inès aussi."

    result = check(text, language="fr")

    [finding] = found(result, "spelling.unknown_word")
    assert (text[finding.start : finding.end], finding.replacement) == ("Merçi", "Merci")


def test_a_capitalised_word_with_a_typo_keeps_its_capital_and_apostrophe() -> None:
    result = check("L’equipe vous remercie.", language="fr")

    [finding] = found(result, "spelling.unknown_word")
    assert finding.replacement == "L’équipe"


def test_workspace_words_are_accepted_in_any_case() -> None:
    text = "Le sérum glowlift et la crème nuitéa sont arrivés."

    assert spans(check(text), "spelling.unknown_word") == ["glowlift", "nuitéa"]
    assert spans(check(text, workspace_words=["Glowlift", "NUITÉA"]), "spelling.unknown_word") == []


def test_a_word_without_any_suggestion_is_only_a_hint() -> None:
    [finding] = found(check("Votre xqzvbw est prête.", language="fr"), "spelling.unknown_word")

    assert finding.severity is Severity.INFO
    assert finding.replacement is None
    assert "espace de travail" in (finding.suggestion or "")


def test_quick_replies_and_buttons_are_spell_checked_too() -> None:
    result = check(
        "Voulez-vous confirmer votre rendez-vous ?",
        quick_replies=["Oui, je confirme", "Anuler"],
        buttons=["Voir l’adrese"],
    )

    targets = {f.target: f.replacement for f in found(result, "spelling.unknown_word")}
    assert targets == {"quick_replies[1]": "Annuler", "buttons[0]": "l’adresse"}


def test_the_language_chooses_the_dictionary() -> None:
    text = "Votre commande est prête."

    assert spans(check(text, language="fr"), "spelling.unknown_word") == []
    assert spans(check(text, language="en"), "spelling.unknown_word") != []


class FakeDictionary:
    """A dictionary that knows a fixed set of words and suggests from a fixed table."""

    def __init__(self, words: set[str], fixes: dict[str, str]) -> None:
        self.words = words
        self.fixes = fixes
        self.asked: list[str] = []

    def known(self, word: str) -> bool:
        self.asked.append(word)
        return word in self.words

    def suggest(self, word: str) -> str | None:
        return self.fixes.get(word)


def test_the_rule_reads_words_through_the_injected_dictionary_only() -> None:
    fake = FakeDictionary({"votre", "est", "prête", "l'équipe"}, {"comande": "commande"})

    result = check_message(
        "Votre comande est prête, l’équipe.", language="fr", dictionaries={"fr": fake}
    )

    [finding] = found(result, "spelling.unknown_word")
    assert finding.replacement == "commande"
    assert "comande" in fake.asked
    assert all(word == word.lower() and "’" not in word for word in fake.asked)


def test_without_a_dictionary_there_is_no_spelling_finding() -> None:
    result = check_message("Votre comande est prête.", language="fr", dictionaries={})

    assert found(result, "spelling.unknown_word") == []
