"""Checking a contact's answer to an ``ask`` step: e-mail, phone, number, date or a choice.

Each check returns the value to store (normalised: a trimmed e-mail in lower case, a phone
in E.164-like form, a date in ISO format) or None when the answer is not acceptable.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from comptoir.domain.automation.keywords import normalise


class AnswerKind(StrEnum):
    TEXT = "text"
    EMAIL = "email"
    PHONE = "phone"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_PHONE_NOISE = re.compile(r"[\s.\-()/]")
_DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def check_answer(kind: AnswerKind, answer: str, choices: tuple[str, ...] = ()) -> str | None:
    """The value to store for ``answer``, or None when it does not fit ``kind``."""
    answer = answer.strip()
    if not answer:
        return None
    match kind:
        case AnswerKind.TEXT:
            return answer
        case AnswerKind.EMAIL:
            return answer.lower() if _EMAIL.match(answer) else None
        case AnswerKind.PHONE:
            return _phone(answer)
        case AnswerKind.NUMBER:
            return _number(answer)
        case AnswerKind.DATE:
            return _date(answer)
        case AnswerKind.CHOICE:
            wanted = normalise(answer)
            return next((c for c in choices if normalise(c) == wanted), None)


def _phone(answer: str) -> str | None:
    digits = _PHONE_NOISE.sub("", answer)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    body = digits.removeprefix("+")
    if not body.isdigit() or not 8 <= len(body) <= 15:
        return None
    return digits


def _number(answer: str) -> str | None:
    text = answer.replace(" ", "").replace("\u202f", "").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):  # NaN, infinities
        return None
    return str(int(value)) if value.is_integer() else str(value)


def _date(answer: str) -> str | None:
    try:
        return date.fromisoformat(answer).isoformat()
    except ValueError:
        pass
    found = _DATE_DMY.match(answer)
    if found is None:
        return None
    day, month, year = (int(part) for part in found.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None
