"""The writing assistant: checks a message before it is sent (length, preview, paragraphs,
spelling, tone, promotion under a mechanism that forbids it, quick replies and buttons).

Pure: no I/O. Spelling reads words through a ``Dictionary`` passed in; the ready-made entry
point with real dictionaries is ``comptoir.services.writing``.
"""

from comptoir.domain.writing.checker import RULE_IDS, RULES, check_message, message_language
from comptoir.domain.writing.dictionary import Dictionary
from comptoir.domain.writing.language import detect_language
from comptoir.domain.writing.model import (
    LANGUAGES,
    Card,
    Channel,
    CheckResult,
    Finding,
    Language,
    Mechanism,
    Severity,
    line_column,
)
from comptoir.domain.writing.rules.policy import promotional_wording

__all__ = [
    "LANGUAGES",
    "RULES",
    "RULE_IDS",
    "Card",
    "Channel",
    "CheckResult",
    "Dictionary",
    "Finding",
    "Language",
    "Mechanism",
    "Severity",
    "check_message",
    "detect_language",
    "line_column",
    "message_language",
    "promotional_wording",
]
