"""Spelling, in the message's language, through the injected ``Dictionary``.

Skipped: URLs, e-mails, @mentions, #tags, anything with a digit (see ``tokens``), words in
capitals (acronyms; shouting has its own rule), words with inner capitals (iPhone), the
workspace's own words, and capitalised words, which are most often names, unless one starts a
sentence and its correction is clearly a typo: accents only (``Merçi``), a doubled or single
letter (``Comande``), two letters swapped (``Vtore``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import replace

from comptoir.domain.writing.dictionary import Dictionary
from comptoir.domain.writing.messages import quote
from comptoir.domain.writing.model import Language, Severity
from comptoir.domain.writing.rule import Draft, Hit
from comptoir.domain.writing.tokens import (
    Token,
    is_all_caps,
    is_title_case,
    normalise_apostrophes,
    sentences,
    words,
)

_ELISION_RE = re.compile(r"^(?:[ldjnsctm]|qu|jusqu|lorsqu|puisqu|quoiqu|presqu|quelqu)'")
#: Unknown words reported per message: past this, the text is not in the language checked
#: (or not text), and looking for corrections would only cost time.
MAX_REPORTED = 20
_SHORTEST_CHECKED_NAME = 4
_DOUBLED_RE = re.compile(r"(.)\1")  # capitalised words shorter than this are always taken for names


def normalise_word(word: str) -> str:
    """The form a dictionary is asked about: lower case, straight apostrophes, no ligature."""
    word = normalise_apostrophes(word).lower().rstrip("'")
    return word.replace("œ", "oe").replace("æ", "ae")


def workspace_vocabulary(words_: frozenset[str]) -> frozenset[str]:
    """The workspace's words in dictionary form; an entry of several words adds each word."""
    return frozenset(normalise_word(part) for entry in words_ for part in entry.split() if part)


class _Speller:
    def __init__(self, dictionary: Dictionary, language: Language, extra: frozenset[str]) -> None:
        self.dictionary = dictionary
        self.language = language
        self.extra = extra

    def _known_plain(self, word: str) -> bool:
        return not word or word in self.extra or self.dictionary.known(word)

    def _known_compound(self, word: str) -> bool:
        if self._known_plain(word):
            return True
        if self.language == "en" and word.endswith("'s") and self._known_plain(word[:-2]):
            return True
        parts = re.split(r"[-']", word)
        return len(parts) > 1 and all(self._known_plain(p) or len(p) == 1 for p in parts)

    def known(self, word: str) -> bool:
        if self._known_compound(word):
            return True
        elision = _ELISION_RE.match(word) if self.language == "fr" else None
        return elision is not None and self._known_compound(word[elision.end() :])

    def suggest(self, word: str) -> str | None:
        prefix = ""
        elision = _ELISION_RE.match(word) if self.language == "fr" else None
        if elision is not None and elision.end() < len(word):
            prefix, word = word[: elision.end()], word[elision.end() :]
        fixed = self.dictionary.suggest(word)
        if fixed is None and "-" in word:
            parts = [
                p if self._known_plain(p) else self.dictionary.suggest(p) for p in word.split("-")
            ]
            fixed = None if None in parts else "-".join(p or "" for p in parts)
        return None if fixed is None or fixed == word else prefix + fixed


def check_spelling(draft: Draft) -> Iterator[Hit]:
    if draft.dictionary is None:
        return
    vocabulary = workspace_vocabulary(draft.workspace_words)
    speller = _Speller(draft.dictionary, draft.language, vocabulary)
    reported = 0
    for target, text in draft.pieces():
        starts = _sentence_starts(text)
        for token in words(text):
            if reported >= MAX_REPORTED:
                return
            hit = _check_word(draft, speller, token, token.start in starts)
            if hit is not None:
                reported += 1
                yield replace(hit, target=target)


def _check_word(draft: Draft, speller: _Speller, token: Token, starts_sentence: bool) -> Hit | None:
    original = token.text.rstrip("'’ʼ")
    if sum(c.isalpha() for c in original) < 2 or is_all_caps(original):
        return None
    capitalised = is_title_case(original)
    if not capitalised and any(c.isupper() for c in original):
        return None  # inner capitals: a brand or a product (iPhone, PayPal)
    word = normalise_word(original)
    if speller.known(word):
        return None
    if capitalised and (not starts_sentence or len(word) < _SHORTEST_CHECKED_NAME):
        return None  # most likely a name
    fixed = speller.suggest(word)
    if capitalised and (fixed is None or not is_clear_typo(word, fixed)):
        return None
    language = draft.say(f"language.{draft.language}")
    end = token.start + len(original)
    if fixed is None:
        return Hit(
            token.start,
            end,
            draft.say(
                "spelling.unknown_word", word=quote(original, draft.locale), language=language
            ),
            draft.say("spelling.unknown_word.fix.none"),
            severity=Severity.INFO,
        )
    replacement = _restore_form(original, fixed)
    return Hit(
        token.start,
        end,
        draft.say("spelling.unknown_word", word=quote(original, draft.locale), language=language),
        draft.say("spelling.unknown_word.fix", fixed=quote(replacement, draft.locale)),
        replacement=replacement,
    )


def is_clear_typo(word: str, fixed: str) -> bool:
    """Whether ``fixed`` differs from ``word`` only by accents, a doubled letter or two
    adjacent letters swapped: the slips a name rarely differs from a common word by."""
    bare_word, bare_fixed = strip_accents(word), strip_accents(fixed)
    if bare_word == bare_fixed:
        return True
    if _DOUBLED_RE.sub(r"\1", bare_word) == _DOUBLED_RE.sub(r"\1", bare_fixed):
        return True
    if len(bare_word) != len(bare_fixed):
        return False
    differ = [i for i, (a, b) in enumerate(zip(bare_word, bare_fixed, strict=True)) if a != b]
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and bare_word[differ[0]] == bare_fixed[differ[1]]
        and bare_word[differ[1]] == bare_fixed[differ[0]]
    )


def strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _restore_form(original: str, fixed: str) -> str:
    """``fixed`` written the way the writer wrote ``original``: capitals, apostrophe, œ."""
    if "œ" in original.lower():
        fixed = fixed.replace("oe", "œ")
    for curly in "’ʼ":
        if curly in original:
            fixed = fixed.replace("'", curly)
    if is_title_case(original):
        fixed = fixed[:1].upper() + fixed[1:]
    return fixed


def _sentence_starts(text: str) -> set[int]:
    """Offsets of the words that open a sentence."""
    starts: set[int] = set()
    spans = iter(sentences(text))
    current = next(spans, None)
    for token in words(text):
        while current is not None and token.start >= current.end:
            current = next(spans, None)
        if current is None:
            break
        if token.start >= current.start:
            starts.add(token.start)
            current = next(spans, None)
    return starts
