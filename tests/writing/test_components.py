"""quick_reply.*, button.*, card.*: the platform's limits on number and titles (errors)."""

from __future__ import annotations

import pytest

from comptoir.domain.writing import Card, Severity, check_message
from comptoir.domain.writing.rules.components import shorten
from tests.writing.support import check, found, rule_ids

QUESTION = "Quel créneau vous convient ?"


def test_thirteen_quick_replies_are_allowed_fourteen_are_not() -> None:
    thirteen = [f"{hour} h" for hour in range(8, 21)]

    assert "quick_reply.too_many" not in rule_ids(check(QUESTION, quick_replies=thirteen))
    [finding] = found(
        check(QUESTION, quick_replies=[*thirteen, "21 h"], locale="fr"), "quick_reply.too_many"
    )
    assert finding.severity is Severity.ERROR
    assert (finding.target, finding.start, finding.end) == ("quick_replies", 13, 14)
    assert finding.message == "14 réponses rapides : 13 au plus sont permises."


def test_untitled_quick_replies_count_towards_the_limit() -> None:
    replies: list[str | None] = [None, *[f"Option {n}" for n in range(13)]]

    result = check_message(QUESTION, quick_replies=replies)

    assert rule_ids(result) == {"quick_reply.too_many"}


@pytest.mark.parametrize(
    ("title", "too_long"),
    [
        ("Réserver ma séance ✨", False),  # 20 characters: accents and an emoji count as one
        ("Oui, c’est d’accord !", True),  # 21
        ("Prendre rendez-vous maintenant", True),
        ("Yes, that’s perfect!", False),  # 20
        ("Book an appointment now", True),
    ],
)
def test_quick_reply_titles_over_twenty_characters(title: str, too_long: bool) -> None:
    result = check(QUESTION, quick_replies=["Non", title])

    findings = found(result, "quick_reply.title_too_long")
    assert bool(findings) is too_long
    if too_long:
        [finding] = findings
        assert (finding.target, finding.start, finding.end) == ("quick_replies[1]", 20, len(title))
        assert finding.severity is Severity.ERROR


def test_a_long_title_gets_a_shorter_one_as_suggestion() -> None:
    [finding] = found(
        check(QUESTION, quick_replies=["Prendre rendez-vous maintenant"], locale="fr"),
        "quick_reply.title_too_long",
    )

    assert finding.suggestion == (
        "Raccourcissez-le à 20 caractères au plus, par exemple «\u00a0Prendre rendez-vous\u00a0»."
    )


def test_an_empty_quick_reply_title_is_an_error() -> None:
    [finding] = found(check(QUESTION, quick_replies=["Oui", "  "]), "quick_reply.empty_title")

    assert finding.target == "quick_replies[1]"


def test_buttons_at_most_three_with_titles_of_twenty_characters() -> None:
    result = check(
        "What would you like to do?",
        buttons=["Book", "See our opening hours", "Call us", "Directions"],
    )

    [count] = found(result, "button.too_many")
    [title] = found(result, "button.title_too_long")
    assert (count.target, count.severity) == ("buttons", Severity.ERROR)
    assert (title.target, title.start, title.end) == ("buttons[1]", 20, 21)


def test_cards_limits() -> None:
    cards = [
        Card(title=f"Soin n°{n}", subtitle="Massage relaxant", buttons=("Réserver",))
        for n in range(11)
    ]
    cards[2] = Card(title="T" * 81, subtitle="S" * 82, buttons=("A", "B", "C", "D"))
    cards[3] = Card(title=" ")

    result = check("Nos soins", cards=cards)

    assert {(f.rule_id, f.target) for f in result.findings if f.severity is Severity.ERROR} == {
        ("card.too_many", "cards"),
        ("card.title_too_long", "cards[2].title"),
        ("card.subtitle_too_long", "cards[2].subtitle"),
        ("button.too_many", "cards[2].buttons"),
        ("card.empty_title", "cards[3].title"),
    }


@pytest.mark.parametrize(
    ("title", "short"),
    [
        ("Prendre rendez-vous maintenant", "Prendre rendez-vous"),
        ("Abcdefghijklmnopqrstuvwxyz", "Abcdefghijklmnopqrst"),
        ("Voir la carte, les horaires", "Voir la carte"),
    ],
)
def test_shorten(title: str, short: str) -> None:
    assert shorten(title, 20) == short
