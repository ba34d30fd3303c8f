"""Tone: shouting in capitals, repeated punctuation, too many emoji."""

from __future__ import annotations

import re
from collections.abc import Iterator

from comptoir.domain.writing.messages import quote
from comptoir.domain.writing.model import Severity
from comptoir.domain.writing.rule import Draft, Hit
from comptoir.domain.writing.tokens import Span, Token, emoji, is_all_caps, sentences, words

#: Words in capitals in a row read as shouting ("OFFRE SPÉCIALE", "DON'T MISS") once this
#: many of them are longer than an acronym ("FAQ, TVA" is not shouting).
SHOUTING_RUN = 2
ACRONYM_LETTERS = 3
#: A capitalised word this long is a real word written in capitals, not an acronym (SMS, TVA).
SHOUTED_WORD_LETTERS = 5
#: Emoji in a row, and in a whole message, past which they get in the way.
EMOJI_RUN = 3
EMOJI_TOTAL = 4

_REPEATED_PUNCTUATION_RE = re.compile(
    r"(?P<marks>[!?](?:[ \u00a0\u202f]?[!?])+)"
    r"|(?P<dots>\.{4,}|…{2,}|…\.+|\.+…)"
    r"|(?P<commas>,{2,})"
)


def check_shouting(draft: Draft) -> Iterator[Hit]:
    tokens_ = [t for t in words(draft.text) if sum(c.isalpha() for c in t.text) >= 2]
    starts = {s.start for s in sentences(draft.text)}
    run: list[Token] = []
    for token in [*tokens_, None]:
        if token is not None and is_all_caps(token.text):
            if run and draft.text[run[-1].end : token.start].strip(" ,-'’\u00a0") == "":
                run.append(token)
                continue
            yield from _shouted(draft, run, starts)
            run = [token]
        else:
            yield from _shouted(draft, run, starts)
            run = []


def _shouted(draft: Draft, run: list[Token], sentence_starts: set[int]) -> Iterator[Hit]:
    if not run:
        return
    start, end = run[0].start, run[-1].end
    shouted = draft.text[start:end]
    long_words = sum(1 for t in run if sum(c.isalpha() for c in t.text) >= ACRONYM_LETTERS + 1)
    if long_words >= SHOUTING_RUN:
        severity = Severity.WARNING
    elif (
        draft.dictionary is not None
        and sum(c.isalpha() for c in shouted) >= SHOUTED_WORD_LETTERS
        and draft.dictionary.known(shouted.lower())
    ):
        severity = Severity.INFO
    else:
        return  # an acronym
    calm = shouted.lower()
    if start in sentence_starts:
        calm = calm[:1].upper() + calm[1:]
    yield Hit(
        start,
        end,
        draft.say("style.shouting", text=quote(shouted, draft.locale)),
        draft.say("style.shouting.fix", fixed=quote(calm, draft.locale)),
        severity=severity,
        replacement=calm,
    )


def check_repeated_punctuation(draft: Draft) -> Iterator[Hit]:
    for match in _REPEATED_PUNCTUATION_RE.finditer(draft.text):
        found = match.group()
        if match.lastgroup == "dots":
            fixed = "…"
        elif match.lastgroup == "commas":
            fixed = ","
        else:
            fixed = "?" if "?" in found else "!"
        yield Hit(
            match.start(),
            match.end(),
            draft.say("style.repeated_punctuation", text=quote(found, draft.locale)),
            draft.say("style.repeated_punctuation.fix", fixed=quote(fixed, draft.locale)),
            replacement=fixed,
        )


def check_emoji_overload(draft: Draft) -> Iterator[Hit]:
    found = emoji(draft.text)
    run = _longest_run(draft.text, found)
    if len(run) >= EMOJI_RUN:
        yield Hit(
            run[0].start,
            run[-1].end,
            draft.say("style.emoji_overload.run", count=len(run)),
            draft.say("style.emoji_overload.fix"),
            replacement=run[0].text,
        )
    elif len(found) > EMOJI_TOTAL:
        yield Hit(
            found[0].start,
            found[-1].end,
            draft.say("style.emoji_overload", count=len(found), limit=EMOJI_TOTAL),
            draft.say("style.emoji_overload.fix"),
        )


def _longest_run(text: str, found: list[Span]) -> list[Span]:
    """The longest stretch of emoji separated by nothing but spaces."""
    best_start, best_end = 0, 0
    start = 0
    for index, span in enumerate(found):
        if index and text[found[index - 1].end : span.start].strip() != "":
            start = index
        if index + 1 - start > best_end - best_start:
            best_start, best_end = start, index + 1
    return found[best_start:best_end]
