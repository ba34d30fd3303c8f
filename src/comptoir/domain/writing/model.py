"""The values the writing checker speaks in: what is checked, and what it finds.

A ``Finding`` points at a span of one *target*: ``"text"`` (the message itself), or a
component such as ``"quick_replies[2]"``, ``"buttons[0]"``, ``"cards[1].title"``. Offsets are
Python string indices (code points) into that target, ``end`` exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

#: A language the checker knows: the message's language and the reader's interface language.
Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = ("en", "fr")


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_ORDER: dict[Severity, int] = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class Channel(StrEnum):
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"


class Mechanism(StrEnum):
    """How the message is delivered, which decides whether it may promote anything."""

    RESPONSE = "response"  # reply inside the 24-hour window
    UPDATE = "update"  # proactive, inside the window
    MESSAGE_TAG = "message_tag"  # outside the window with a tag: no promotion
    UTILITY = "utility"  # approved utility template: no marketing
    NOTIFICATION = "notification"  # one-time notification: what the person asked for
    MARKETING = "marketing"  # marketing message: promotion allowed


#: Mechanisms under which promotional content is forbidden outright.
NON_PROMOTIONAL: frozenset[Mechanism] = frozenset({Mechanism.MESSAGE_TAG, Mechanism.UTILITY})

TEXT_TARGET = "text"


@dataclass(frozen=True, slots=True)
class Card:
    """One element of a generic template (carousel card)."""

    title: str
    subtitle: str = ""
    buttons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    severity: Severity
    start: int
    end: int
    message: str
    suggestion: str | None = None
    target: str = TEXT_TARGET
    #: Text that can replace ``[start, end)`` as is, when the fix is mechanical.
    replacement: str | None = None

    def to_json(self, text: str | None = None) -> dict[str, object]:
        """A JSON-ready dict. With the message ``text``, findings on it also carry a 1-based
        ``line`` and ``column``."""
        data: dict[str, object] = {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "target": self.target,
            "start": self.start,
            "end": self.end,
            "message": self.message,
            "suggestion": self.suggestion,
            "replacement": self.replacement,
        }
        if text is not None and self.target == TEXT_TARGET:
            data["line"], data["column"] = line_column(text, self.start)
        return data


@dataclass(frozen=True, slots=True)
class CheckResult:
    language: Language
    findings: tuple[Finding, ...]
    text: str = field(default="", repr=False)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict: ``{"language", "findings": [...], "counts": {...}}``."""
        return {
            "language": self.language,
            "findings": [f.to_json(self.text) for f in self.findings],
            "counts": {s.value: self.count(s) for s in Severity},
        }


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column
