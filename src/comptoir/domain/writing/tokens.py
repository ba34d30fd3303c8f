"""Cutting a message into the pieces the rules look at: words, emoji, sentences, paragraphs.

Everything is a ``Span`` over the original text, so findings point at what the writer typed.
Words are found with Unicode-aware patterns (é, ç, œ, both apostrophes, hyphens); URLs,
e-mail addresses, @mentions, #tags and anything holding a digit (prices, times like 14h30 or
2:30pm, ordinals like 1er or 3rd, order numbers, codes) are recognised first and never taken
for words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

APOSTROPHES = "'’ʼ"

_LETTER = r"[^\W\d_]"
_EMOJI_BASE = "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff]"
_EMOJI_TEXT_SYMBOL = "[\u00a9\u00ae\u203c\u2049\u2122\u2139\u2190-\u21ff\u2934\u2935#*0-9]"
_EMOJI_MODIFIER = "[\ufe0f\ufe0e\U0001f3fb-\U0001f3ff\u20e3\U000e0020-\U000e007f]"
EMOJI_RE = re.compile(
    "(?:[\U0001f1e6-\U0001f1ff]{2}"  # a flag: two regional indicators
    f"|(?:{_EMOJI_BASE}|{_EMOJI_TEXT_SYMBOL}\ufe0f){_EMOJI_MODIFIER}*"
    f"(?:\u200d{_EMOJI_BASE}{_EMOJI_MODIFIER}*)*)"
)

_TOKEN_RE = re.compile(
    r"(?P<url>(?:https?://|www\.)[^\s<>\"«»]+[^\s<>\"«».,;:!?)])"
    r"|(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<tag>[@#][\w-]+)"
    r"|(?P<number>\w*\d[\w'’.,:/-]*\w|\d)"
    rf"|(?P<word>{_LETTER}+(?:[{APOSTROPHES}-]{_LETTER}+)*[{APOSTROPHES}]?)"
)

# Sentence ends: terminal punctuation then a space or the end, or a line break.
_ABBREVIATIONS = frozenset(
    {"m", "mm", "mme", "mlle", "dr", "st", "mr", "mrs", "ms", "prof", "etc", "cf", "env", "vs"}
)
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'’”»)\]]*(?=\s|$)|\n")


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "word", "url", "email", "tag" or "number"
    start: int
    end: int
    text: str


def tokens(text: str) -> Iterator[Token]:
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup or "word"
        yield Token(kind, match.start(), match.end(), match.group())


def words(text: str) -> Iterator[Token]:
    return (t for t in tokens(text) if t.kind == "word")


def normalise_apostrophes(word: str) -> str:
    return re.sub(f"[{APOSTROPHES}]", "'", word)


def emoji(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), m.group()) for m in EMOJI_RE.finditer(text)]


def paragraphs(text: str) -> list[Span]:
    """Blocks separated by line breaks (one line break already shows as a break)."""
    return [
        _strip(Span(m.start(), m.end(), m.group()))
        for m in re.finditer(r"[^\n]+", text)
        if m.group().strip()
    ]


def sentences(text: str) -> list[Span]:
    """Sentences, stripped of surrounding spaces; trailing emoji stay with their sentence."""
    result: list[Span] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        end = match.end()
        if match.group() != "\n" and _ends_with_abbreviation(text, match.start()):
            continue
        # Emoji right after the punctuation belong to the sentence they close.
        while (tail := EMOJI_RE.match(text, _skip_spaces(text, end))) is not None:
            end = tail.end()
        _append_sentence(result, text, start, end)
        start = end
    _append_sentence(result, text, start, len(text))
    return result


def _append_sentence(result: list[Span], text: str, start: int, end: int) -> None:
    if text[start:end].strip():
        result.append(_strip(Span(start, end, text[start:end])))


def _skip_spaces(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\u00a0\u202f":
        index += 1
    return index


def _ends_with_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    before = re.search(r"(\w+)$", text[max(0, dot - 12) : dot])  # abbreviations are short
    if before is None:
        return False
    word = before.group(1).lower()
    single_initial = len(word) == 1 and word.isalpha() and text[dot + 1 : dot + 2] == " "
    return (word in _ABBREVIATIONS and word != "etc") or single_initial


def _strip(span: Span) -> Span:
    leading = len(span.text) - len(span.text.lstrip())
    stripped = span.text.strip()
    start = span.start + leading
    return Span(start, start + len(stripped), stripped)


def is_title_case(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and letters[0].isupper() and not any(c.isupper() for c in letters[1:])


def is_all_caps(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)
