"""FAQ answers: a message matched fuzzily against every question variant of the FAQ.

Both sides are lower-cased, stripped of accents and punctuation, then compared with
rapidfuzz's edit-distance ratio (0 to 100). The closest variant wins when its score reaches
``threshold``; below it the message is left unanswered (better silent than wrong).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from comptoir.domain.automation.keywords import normalise
from comptoir.domain.automation.model import FaqEntry

#: the score a variant needs to count as the same question; 75 keeps "merci" or "article"
#: from matching a whole question while letting "comment je retourne un article" through
DEFAULT_THRESHOLD = 75.0


@dataclass(frozen=True, slots=True)
class FaqMatch:
    entry: FaqEntry
    question: str  # the variant that matched
    score: float


def prepare(text: str) -> str:
    """The form both questions and messages are compared in."""
    prepared: str = utils.default_process(normalise(text))
    return prepared


class FaqMatcher:
    """Built once per loaded FAQ; ``match`` is then safe to call from any thread."""

    def __init__(self, entries: Sequence[FaqEntry], threshold: float = DEFAULT_THRESHOLD) -> None:
        if not 0 < threshold <= 100:
            raise ValueError(f"threshold must be between 0 and 100, not {threshold}")
        self.threshold = threshold
        self._variants = [(entry, q) for entry in entries for q in entry.questions]
        self._prepared = [prepare(question) for _, question in self._variants]

    def match(self, text: str) -> FaqMatch | None:
        message = prepare(text)
        if not message or not self._prepared:
            return None
        found = process.extractOne(
            message, self._prepared, scorer=fuzz.ratio, score_cutoff=self.threshold
        )
        if found is None:
            return None
        _, score, index = found
        entry, question = self._variants[index]
        return FaqMatch(entry, question, float(score))
