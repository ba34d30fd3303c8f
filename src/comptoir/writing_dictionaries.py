"""Spelling dictionaries for the writing checker, over pyspellchecker's bundled word lists.

pyspellchecker ships its English and French word-frequency lists inside the wheel and reads
them with ``pkgutil.get_data``: nothing is downloaded. Loading one takes a fraction of a
second, so ``comptoir.services.writing`` loads each once per process.

On top of the bundled lists: everyday business words they lack (rdv, e-mail, newsletter…),
British spellings in English (colour, organise, centre, cancelled), and œ/æ written either way.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA
from spellchecker import SpellChecker

from comptoir.domain.writing.model import Language

_FRENCH_EXTRA = """
    rdv sms mms ok okay mail mails email emails e-mail e-mails newsletter newsletters
    brushing click collect wifi wi-fi appli applis smartphone smartphones faq pdf qr
    bio végan végane vegan sav tva ttc ht web webinaire webinaires podcast podcasts
    shampoing shampoings soin soins balayage lissage kératine manucure pédicure barbier
    masterclass ateliers bénévolat bénévoles covoiturage e-boutique eshop e-shop
    check-in check-out pop-up showroom coworking start-up start-ups live lives stories
    story hashtag hashtags abonné abonnée abonnés abonnées désabonner
    click-and-collect drive retrait relais messenger instagram facebook whatsapp iban rib
"""
_ENGLISH_EXTRA = """
    ok okay email emails e-mail e-mails wifi wi-fi app apps faq pdf sms rsvp qr
    checkout pickup pick-up nonprofit non-profit haircut haircuts skincare eyelash
    eyelashes manicure pedicure walk-in walk-ins rebook reschedule rescheduled
    rescheduling webinar webinars podcast podcasts newsletter newsletters online
    messenger instagram facebook whatsapp signup sign-up login log-in
"""
#: Words missing from the bundled lists that business messages use every day.
EXTRA_WORDS: dict[Language, frozenset[str]] = {
    "fr": frozenset(_FRENCH_EXTRA.split()),
    "en": frozenset(_ENGLISH_EXTRA.split()),
}

#: British spelling -> the American form the English list holds.
_BRITISH = (
    (re.compile(r"our(s?)$"), r"or\1"),
    (re.compile(r"our(ed|ing|ite|ites|able|er|ers)$"), r"or\1"),
    (re.compile(r"is(e|ed|es|ing|ation|ations|er|ers)$"), r"iz\1"),
    (re.compile(r"ys(e|ed|es|ing)$"), r"yz\1"),
    (re.compile(r"tre(s?)$"), r"ter\1"),
    (re.compile(r"ll(ed|ing|er|ers)$"), r"l\1"),
    (re.compile(r"ogue(s?)$"), r"og\1"),
    (re.compile(r"ence(s?)$"), r"ense\1"),
    (re.compile(r"mme(s?)$"), r"m\1"),
)
#: How far a suggestion may be from the unknown word, in edits.
MAX_EDITS = 2
#: Words this short get suggestions one edit away only: two edits make another word.
SHORT_WORD = 4


class SpellcheckerDictionary:
    """A ``comptoir.domain.writing.Dictionary`` for one language."""

    def __init__(self, language: Language, extra_words: Iterable[str] = ()) -> None:
        self.language = language
        spell = SpellChecker(language=language, distance=1)
        self._frequency: dict[str, int] = spell.word_frequency.dictionary
        self._extra = EXTRA_WORDS.get(language, frozenset()) | frozenset(extra_words)
        self._by_length: dict[int, list[str]] = {}
        self._by_bare_form: dict[str, str] = {}
        for word, count in self._frequency.items():
            self._by_length.setdefault(len(word), []).append(word)
            bare = strip_accents(word)
            if bare != word and count > self._frequency.get(self._by_bare_form.get(bare, ""), 0):
                self._by_bare_form[bare] = word
        self._cached_suggest = functools.lru_cache(maxsize=4096)(self._suggest)

    def known(self, word: str) -> bool:
        if word in self._extra or word in self._frequency:
            return True
        return self.language == "en" and any(
            variant in self._frequency for variant in british_variants(word)
        )

    def suggest(self, word: str) -> str | None:
        return self._cached_suggest(word)

    def _suggest(self, word: str) -> str | None:
        accented = self._by_bare_form.get(strip_accents(word))
        if accented is not None:
            return accented
        # Every word within two edits (insert, delete, replace, swap two neighbours), found
        # by rapidfuzz among the words of about the same length: a few milliseconds.
        edits = 1 if len(word) <= SHORT_WORD else MAX_EDITS
        candidates: list[tuple[str, int]] = []
        for size in range(len(word) - edits, len(word) + edits + 1):
            bucket = self._by_length.get(size)
            if bucket:
                found = process.extract(
                    word, bucket, scorer=OSA.distance, score_cutoff=edits, limit=None
                )
                candidates += [(candidate, distance) for candidate, distance, _ in found]
        if not candidates:
            return None
        bare = strip_accents(word)

        def rank(candidate: tuple[str, int]) -> tuple[bool, int, bool, int, str]:
            # Same letters but for accents first, then fewer edits, then the same first
            # letter (writers rarely miss the first one), then the more frequent word.
            text, distance = candidate
            return (
                strip_accents(text) != bare,
                distance,
                strip_accents(text[:1]) != bare[:1],
                -self._frequency[text],
                text,
            )

        return min(candidates, key=rank)[0]


def british_variants(word: str) -> list[str]:
    return [pattern.sub(american, word) for pattern, american in _BRITISH if pattern.search(word)]


def strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def load_dictionaries(
    languages: Iterable[Language] = ("en", "fr"),
) -> dict[Language, SpellcheckerDictionary]:
    return {language: SpellcheckerDictionary(language) for language in languages}
