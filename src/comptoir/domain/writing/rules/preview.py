"""The preview: a notification shows about the first hundred characters, so those must carry
the key information, not a greeting, and the first sentence must end inside them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from comptoir.domain.writing.patterns import key_information
from comptoir.domain.writing.rule import Draft, Hit
from comptoir.domain.writing.tokens import EMOJI_RE, Span, is_title_case, sentences

_GREETING_WORDS = (
    r"bonjour|bonsoir|salut|coucou|hello|hi|hey|dear|greetings|good[ ](?:morning|afternoon|evening)"
    r"|cher|ch[èe]re|chers|ch[èe]res|madame|monsieur|bienvenue|welcome"
)
#: A greeting standing alone: the greeting, a few words (a name, "à tous"), then the end of
#: the sentence or of the line. "Bonjour Léa, votre commande…" is not one: the sentence goes on.
_GREETING_RE = re.compile(
    rf"\s*(?:{_GREETING_WORDS})\b[^\n.!?,;:]{{0,40}}?"
    r"(?:[,;:]?[ \t\u00a0\u202f]*(?:\n|$)|[ \u00a0\u202f]*[.!?…]+"
    # or emoji standing for the full stop: "Bonjour 👋 Votre commande…"
    rf"|(?=[ \u00a0\u202f]*(?:{EMOJI_RE.pattern})+[ \u00a0\u202f]*(?:\n|$|[A-ZÀ-Ý])))",
    re.IGNORECASE,
)
_SALUTATION_RE = re.compile(rf"\s*(?:{_GREETING_WORDS})\b[^\n.!?,;:]*", re.IGNORECASE)
_END = r"[^.!?\n]*[.!?…]*"
_PLEASANTRY_RES = tuple(
    re.compile(r"\s*" + pattern + _END, re.IGNORECASE)
    for pattern in (
        r"(?:j['’]|nous )esp[èé]r\w* que (?:vous allez|tu vas|vous vous portez|ce message)",
        r"(?:j['’]|nous )esp[èé]r\w* que vous (?:avez passé|passez)",
        r"comment (?:allez-vous|vas-tu|ça va)",
        r"(?:i|we) hope (?:you|this)",
        r"hope (?:you|this)",
        r"how are you",
        r"(?:i|we) trust (?:you|this)",
    )
)


def leading_filler(text: str) -> Span | None:
    """The greeting and pleasantries the message opens with, if nothing else is said in them."""
    end = 0
    greeting = _GREETING_RE.match(text)
    if greeting is not None and len(greeting.group().split()) <= 7:
        end = _after_emoji(text, greeting.end())
    while True:
        for pattern in _PLEASANTRY_RES:
            pleasantry = pattern.match(text, end)
            if pleasantry is not None:
                end = _after_emoji(text, pleasantry.end())
                break
        else:
            break
    if end == 0:
        return None
    start = len(text) - len(text.lstrip())
    filler = text[start:end].rstrip()
    return Span(start, start + len(filler), filler)


def check_greeting_only(draft: Draft) -> Iterator[Hit]:
    text = draft.text
    if len(text.strip()) <= draft.preview_chars:
        return  # the whole message shows: the greeting costs nothing
    filler = leading_filler(text)
    if filler is None:
        return
    first = _first_sentence_after(text, filler.end)
    suggestion = draft.say("preview.greeting_only.fix.generic")
    if first is not None:
        salutation = _SALUTATION_RE.match(text[: filler.end])
        opening = _lower_first_word(draft, first.text)
        if salutation is not None:
            opening = f"{EMOJI_RE.sub('', salutation.group()).strip()}, {opening}"
        if len(opening) <= draft.preview_chars:
            suggestion = draft.say("preview.greeting_only.fix", example=opening)
    yield Hit(
        filler.start,
        filler.end,
        draft.say(
            "preview.greeting_only",
            greeting=filler.text.replace("\n", " "),
            size=len(filler.text),
            preview=draft.preview_chars,
        ),
        suggestion,
    )


def check_long_first_sentence(draft: Draft) -> Iterator[Hit]:
    filler = leading_filler(draft.text)
    first = _first_sentence_after(draft.text, filler.end if filler else 0)
    if first is None or len(first.text) <= draft.preview_chars:
        return
    cut = first.start + draft.preview_chars
    comma = draft.text.rfind(", ", first.start, cut)  # a comma between words, not in 19,90
    if comma > first.start + 20:
        fix = draft.say(
            "preview.long_first_sentence.fix.comma", before=_tail(draft.text, comma + 1)
        )
    else:
        fix = draft.say("preview.long_first_sentence.fix", preview=draft.preview_chars)
    yield Hit(
        first.start,
        first.end,
        draft.say(
            "preview.long_first_sentence",
            size=len(first.text),
            preview=draft.preview_chars,
            shown=_tail(draft.text, cut),
        ),
        fix,
    )


def check_key_info_late(draft: Draft) -> Iterator[Hit]:
    """A time, date, price or percentage first appears in a sentence the preview does not
    reach at all."""
    text = draft.text
    if len(text) <= draft.preview_chars:
        return
    found = key_information(text)
    if not found:
        return
    first = found[0]
    holder = next((s for s in sentences(text) if s.start <= first.start() < s.end), None)
    if holder is None or holder.start < draft.preview_chars:
        return  # the preview shows at least the start of the sentence that holds it
    yield Hit(
        first.start(),
        first.end(),
        draft.say(
            "preview.key_info_late",
            info=first.group(),
            position=first.start() + 1,
            preview=draft.preview_chars,
        ),
        draft.say("preview.key_info_late.fix", info=first.group()),
    )


def _first_sentence_after(text: str, offset: int) -> Span | None:
    """The first sentence, or rest of one, that starts at or after ``offset``."""
    for sentence in sentences(text):
        if sentence.end <= offset:
            continue
        rest = text[max(sentence.start, offset) : sentence.end]
        if rest.strip():
            start = max(sentence.start, offset) + len(rest) - len(rest.lstrip())
            return Span(start, sentence.end, rest.strip())
    return None


def _after_emoji(text: str, index: int) -> int:
    """``index`` moved past the emoji (and the spaces before them) that follow it."""
    while True:
        probe = index
        while probe < len(text) and text[probe] in " \t\u00a0\u202f":
            probe += 1
        match = EMOJI_RE.match(text, probe)
        if match is None:
            return index
        index = match.end()


def _lower_first_word(draft: Draft, sentence: str) -> str:
    first_word = sentence.split(" ", 1)[0]
    if (
        draft.dictionary is not None
        and is_title_case(first_word)
        and first_word not in {"I", "I'm", "I’m"}
        and draft.dictionary.known(first_word.lower())
    ):
        return sentence[0].lower() + sentence[1:]
    return sentence


def _tail(text: str, end: int, size: int = 25) -> str:
    """The last words before ``end``, about ``size`` characters, for quoting."""
    start = max(0, end - size)
    piece = text[start:end].replace("\n", " ").strip()
    if start > 0 and " " in piece:
        piece = piece.split(" ", 1)[1]
    return ("…" if start > 0 else "") + piece
