"""Keyword rules: words or phrases matched accent- and case-insensitively, on word boundaries.

"Horaires", "HORAIRES" and "horaîres" all match the keyword "horaires"; "prix" matches
"Quel est le prix ?" but not "prixfixe". A phrase ("opening hours") matches its words in
order, separated by any spaces or punctuation. A plural "s" is ignored on both sides, so
"horaire" matches "horaires" and "prices" matches "price".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Lower case, accents removed, "œ"/"æ" spelled out, apostrophes unified."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("œ", "oe").replace("æ", "ae").replace("’", "'")


def words(text: str) -> tuple[str, ...]:
    """The normalised words of ``text``, each without a plural "s" (see ``singular``)."""
    return tuple(singular(word) for word in _WORD.findall(normalise(text)))


def singular(word: str) -> str:
    """``word`` without a final plural "s": "horaires" -> "horaire"; short words ("bus",
    "yes") and "-ss" endings ("address") are kept as they are."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@dataclass(frozen=True, slots=True)
class KeywordRule:
    """Matches when any of ``phrases`` occurs in a message (each a word or several)."""

    phrases: tuple[str, ...]
    _wanted: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        wanted = tuple(words(p) for p in self.phrases)
        if not wanted or any(not w for w in wanted):
            raise ValueError("a keyword rule needs at least one word in each phrase")
        object.__setattr__(self, "_wanted", wanted)

    @property
    def word_phrases(self) -> tuple[tuple[str, ...], ...]:
        """Each phrase as its normalised words."""
        return self._wanted

    def matches(self, text: str) -> bool:
        return self.matches_words(words(text))

    def matches_words(self, found: tuple[str, ...]) -> bool:
        """``matches`` for a message already split by ``words`` (once for many rules)."""
        return any(_contains(found, wanted) for wanted in self._wanted)


def _contains(found: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    size = len(wanted)
    return any(found[i : i + size] == wanted for i in range(len(found) - size + 1))
