"""Paragraphs: on a phone, a block of more than a few lines without a break is skipped.
Two or three short paragraphs, one idea each, are read."""

from __future__ import annotations

from collections.abc import Iterator

from comptoir.domain.writing.messages import quote
from comptoir.domain.writing.rule import Draft, Hit
from comptoir.domain.writing.tokens import EMOJI_RE, Span, sentences

#: Characters in one line of a chat bubble on a phone.
PHONE_LINE_CHARS = 36
#: Lines a paragraph may take on a phone before it reads as a dense block.
MAX_LINES = 4


def phone_lines(text: str, width: int = PHONE_LINE_CHARS) -> int:
    """Lines ``text`` wraps to in a chat bubble ``width`` characters wide (an emoji counts
    as two characters)."""
    lines = 0
    for raw_line in text.split("\n"):
        lines += 1
        used = 0
        for word in raw_line.split():
            size = _display_width(word)
            needed = size if used == 0 else used + 1 + size
            if needed <= width:
                used = needed
                continue
            if used:
                lines += 1  # the word starts a new line
            full, rest = divmod(size, width)  # a word longer than a line takes several
            lines += full - 1 if rest == 0 else full
            used = width if rest == 0 else rest
    return lines


def check_dense(draft: Draft) -> Iterator[Hit]:
    for block in _paragraphs(draft.text):
        lines = phone_lines(block.text)
        if lines <= MAX_LINES:
            continue
        inner = sentences(block.text)
        message = draft.say("paragraph.dense", lines=lines, limit=MAX_LINES)
        if len(inner) < 2:
            suggestion = draft.say("paragraph.dense.fix.one_sentence")
        else:
            parts = 3 if lines > 2 * MAX_LINES and len(inner) >= 3 else 2
            breaks = _break_points(inner, parts)
            after = draft.say("list.and").join(
                quote(f"…{_tail(s.text)}", draft.locale) for s in breaks
            )
            suggestion = draft.say("paragraph.dense.fix", parts=parts, after=after)
        yield Hit(block.start, block.end, message, suggestion)


def _paragraphs(text: str) -> Iterator[Span]:
    start = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            offset = start + line.index(stripped[0])
            yield Span(offset, offset + len(stripped), stripped)
        start += len(line) + 1


def _break_points(inner: list[Span], parts: int) -> list[Span]:
    """The sentences after which to break so that the ``parts`` come out about equal."""
    total = inner[-1].end
    chosen: list[Span] = []
    for index in range(1, parts):
        target = total * index / parts
        candidates = [
            s for s in inner[:-1] if s not in chosen and (not chosen or s.end > chosen[-1].end)
        ]
        if not candidates:
            break
        chosen.append(min(candidates, key=lambda s: abs(s.end - target)))
    return chosen


def _tail(sentence: str, size: int = 20) -> str:
    if len(sentence) <= size:
        return sentence
    cut = sentence[-size:]
    space = cut.find(" ")
    return cut[space + 1 :] if 0 <= space < size - 5 else cut


def _display_width(word: str) -> int:
    width = len(word)
    for match in EMOJI_RE.finditer(word):
        width += 2 - len(match.group())
    return max(width, 1)
