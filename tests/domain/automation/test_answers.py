from __future__ import annotations

import pytest

from comptoir.domain.automation import AnswerKind, check_answer


@pytest.mark.parametrize(
    ("kind", "answer", "stored"),
    [
        (AnswerKind.EMAIL, " Marie.Dupont@Example.fr ", "marie.dupont@example.fr"),
        (AnswerKind.EMAIL, "marie@example", None),
        (AnswerKind.EMAIL, "marie example.com", None),
        (AnswerKind.EMAIL, "@example.com", None),
        (AnswerKind.PHONE, "06 12 34 56 78", "0612345678"),
        (AnswerKind.PHONE, "+33 6.12.34.56.78", "+33612345678"),
        (AnswerKind.PHONE, "0033 (6) 12-34-56-78", "+33612345678"),
        (AnswerKind.PHONE, "12 34", None),
        (AnswerKind.PHONE, "call me", None),
        (AnswerKind.NUMBER, "42", "42"),
        (AnswerKind.NUMBER, "3,5", "3.5"),
        (AnswerKind.NUMBER, "1 200", "1200"),
        (AnswerKind.NUMBER, "nan", None),
        (AnswerKind.NUMBER, "deux", None),
        (AnswerKind.DATE, "2026-12-24", "2026-12-24"),
        (AnswerKind.DATE, "24/12/2026", "2026-12-24"),
        (AnswerKind.DATE, "31/02/2026", None),
        (AnswerKind.DATE, "demain", None),
        (AnswerKind.TEXT, "  CMD-1234 ", "CMD-1234"),
        (AnswerKind.TEXT, "   ", None),
    ],
)
def test_check_answer(kind: AnswerKind, answer: str, stored: str | None) -> None:
    assert check_answer(kind, answer) == stored


def test_choice_is_matched_without_case_or_accents_and_stored_as_written() -> None:
    choices = ("Coupe", "Couleur", "Brushing")
    assert check_answer(AnswerKind.CHOICE, "couleur", choices) == "Couleur"
    assert check_answer(AnswerKind.CHOICE, "COUPÉ", choices) == "Coupe"
    assert check_answer(AnswerKind.CHOICE, "permanente", choices) is None
