"""Length: the channel's hard limit (an error: the platform refuses the message) and a readable
length (a warning: nobody reads a wall of text in a chat)."""

from __future__ import annotations

from collections.abc import Iterator

from comptoir.domain.writing.messages import number
from comptoir.domain.writing.model import Channel
from comptoir.domain.writing.rule import Draft, Hit

#: Characters a text message may hold (Messenger Send API: message.text).
MESSENGER_TEXT_LIMIT = 2000
#: Instagram counts both characters and UTF-8 bytes: accents and emoji take more than one.
INSTAGRAM_TEXT_LIMIT = 1000
#: A button template's text (Messenger and Instagram).
BUTTON_TEMPLATE_TEXT_LIMIT = 640
#: Past this, a chat message is no longer read in full.
READABLE_CHARS = 600


def check_empty(draft: Draft) -> Iterator[Hit]:
    if not draft.text.strip() and not draft.cards:
        yield Hit(0, len(draft.text), draft.say("length.empty"), draft.say("length.empty.fix"))


def check_channel(draft: Draft) -> Iterator[Hit]:
    if draft.buttons:
        return  # the text is a button template's: see check_button_template
    limit = text_limit(draft.channel)
    cut = overflow_index(draft.text, limit, utf8=draft.channel is Channel.INSTAGRAM)
    if cut is None:
        return
    channel = draft.say(f"channel.{draft.channel.value}")
    size = len(draft.text)
    if draft.channel is Channel.INSTAGRAM and size <= limit:
        message = draft.say(
            "length.channel.bytes",
            channel=channel,
            bytes=number(len(draft.text.encode()), draft.locale),
            limit=number(limit, draft.locale),
        )
    else:
        message = draft.say(
            "length.channel",
            channel=channel,
            size=number(size, draft.locale),
            limit=number(limit, draft.locale),
        )
    yield Hit(cut, len(draft.text), message, draft.say("length.channel.fix"))


def check_button_template(draft: Draft) -> Iterator[Hit]:
    if not draft.buttons:
        return
    limit = BUTTON_TEMPLATE_TEXT_LIMIT
    if len(draft.text) > limit:
        yield Hit(
            limit,
            len(draft.text),
            draft.say(
                "button.text_too_long",
                size=number(len(draft.text), draft.locale),
                limit=number(limit, draft.locale),
            ),
            draft.say("button.text_too_long.fix"),
        )


def check_readable(draft: Draft) -> Iterator[Hit]:
    size = len(draft.text.strip())
    if size <= READABLE_CHARS:
        return
    hard_limit = BUTTON_TEMPLATE_TEXT_LIMIT if draft.buttons else text_limit(draft.channel)
    utf8 = draft.channel is Channel.INSTAGRAM and not draft.buttons
    if overflow_index(draft.text, hard_limit, utf8=utf8) is None:  # else the error says it all
        start = len(draft.text) - len(draft.text.lstrip()) + READABLE_CHARS
        yield Hit(
            start,
            len(draft.text.rstrip()),
            draft.say(
                "length.readable",
                size=number(size, draft.locale),
                limit=number(READABLE_CHARS, draft.locale),
            ),
            draft.say("length.readable.fix", limit=number(READABLE_CHARS, draft.locale)),
        )


def text_limit(channel: Channel) -> int:
    return INSTAGRAM_TEXT_LIMIT if channel is Channel.INSTAGRAM else MESSENGER_TEXT_LIMIT


def overflow_index(text: str, limit: int, *, utf8: bool = False) -> int | None:
    """Index of the first character past ``limit`` (counted in characters, and also in UTF-8
    bytes when ``utf8``), or None when the text fits."""
    if len(text) > limit:
        cut = limit
    elif not utf8 or len(text.encode()) <= limit:
        return None
    else:
        cut = len(text)
    if utf8:
        used = 0
        for index, char in enumerate(text[:cut]):
            used += len(char.encode())
            if used > limit:
                return index
    return cut
