"""The writing assistant, ready to call: the domain checker with real dictionaries.

    from comptoir.services import writing
    result = writing.check_message("Bonjour, votre commande est prête.", mechanism="message_tag")
    result.has_errors, result.to_json()

``check_payload`` takes the JSON body a REST endpoint or a ``.json`` file holds and raises
``WritingInputError`` (a ``ValueError`` naming the field) on bad input. Dictionaries load once
per process, on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import cast

from comptoir.domain.writing import (
    LANGUAGES,
    Card,
    Channel,
    CheckResult,
    Dictionary,
    Language,
    Mechanism,
)
from comptoir.domain.writing import (
    check_message as check_with,
)
from comptoir.domain.writing import (
    message_language as detect,
)

_lock = threading.Lock()
_dictionaries: dict[Language, Dictionary] | None = None

PAYLOAD_FIELDS = frozenset(
    {
        "text",
        "channel",
        "mechanism",
        "quick_replies",
        "buttons",
        "cards",
        "language",
        "locale",
        "preview_chars",
        "workspace_words",
    }
)


class WritingInputError(ValueError):
    """Bad input to the checker; ``field`` names the culprit, the message says what is wrong
    (it never echoes more than the field's name and the allowed values)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def dictionaries() -> Mapping[Language, Dictionary]:
    """The English and French dictionaries, loaded on first call and kept for the process."""
    global _dictionaries
    if _dictionaries is None:
        with _lock:
            if _dictionaries is None:
                from comptoir.writing_dictionaries import load_dictionaries

                _dictionaries = dict(load_dictionaries(LANGUAGES))
    return _dictionaries


def check_message(
    text: str,
    *,
    channel: str = "messenger",
    mechanism: str = "response",
    quick_replies: Iterable[str | None] = (),
    buttons: Iterable[str] = (),
    cards: Iterable[Card] = (),
    language: str = "auto",
    locale: str | None = None,
    preview_chars: int = 100,
    workspace_words: Iterable[str] = (),
) -> CheckResult:
    """Check one message. ``language``: "auto", "fr" or "en" (the message's); ``locale``: the
    reader's language for the findings' wording, the message's when None. Raises
    ``WritingInputError`` on an unknown channel, mechanism, language or a bad preview size."""
    channel_value = _choice("channel", channel, [c.value for c in Channel])
    mechanism_value = _choice("mechanism", mechanism, [m.value for m in Mechanism])
    chosen = _choice("language", language, ["auto", *LANGUAGES])
    quick_replies, buttons, cards = tuple(quick_replies), tuple(buttons), tuple(cards)
    message_language: Language = (
        detect(text, quick_replies, buttons, cards, default=_language("locale", locale or "en"))
        if chosen == "auto"
        else _language("language", chosen)
    )
    reader: Language = message_language if locale is None else _language("locale", locale)
    if isinstance(preview_chars, bool) or not isinstance(preview_chars, int) or preview_chars < 1:
        raise WritingInputError("preview_chars", "must be a whole number of at least 1")
    return check_with(
        text,
        channel=Channel(channel_value),
        mechanism=Mechanism(mechanism_value),
        quick_replies=quick_replies,
        buttons=buttons,
        cards=cards,
        language=message_language,
        locale=reader,
        preview_chars=preview_chars,
        workspace_words=workspace_words,
        dictionaries=dictionaries(),
    )


def check_payload(payload: object, **defaults: object) -> CheckResult:
    """Check a message given as JSON data: ``{"text", "channel", "mechanism",
    "quick_replies": ["Yes", {"title": "No"}], "buttons": [...], "cards": [{"title",
    "subtitle", "buttons"}], "language", "locale", "preview_chars", "workspace_words"}``.
    ``defaults`` fill the fields the payload leaves out (e.g. the CLI's options)."""
    if not isinstance(payload, Mapping):
        raise WritingInputError("body", "must be a JSON object")
    unknown = sorted(str(key) for key in payload if key not in PAYLOAD_FIELDS)
    if unknown:
        raise WritingInputError(
            unknown[0], f"unknown field; expected one of {sorted(PAYLOAD_FIELDS)}"
        )
    data = {**defaults, **payload}
    text = data.get("text", "")
    if not isinstance(text, str):
        raise WritingInputError("text", "must be a string")
    return check_message(
        text,
        channel=_string(data, "channel", "messenger"),
        mechanism=_string(data, "mechanism", "response"),
        quick_replies=_quick_replies(data.get("quick_replies", ())),
        buttons=_titles(data.get("buttons", ()), "buttons"),
        cards=_cards(data.get("cards", ())),
        language=_string(data, "language", "auto"),
        locale=_optional_string(data, "locale"),
        preview_chars=cast(int, data.get("preview_chars", 100)),
        workspace_words=_titles(data.get("workspace_words", ()), "workspace_words"),
    )


def _choice(field: str, value: object, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value.lower() not in allowed:
        raise WritingInputError(field, f"must be one of {', '.join(allowed)}")
    return value.lower()


def _language(field: str, value: str) -> Language:
    return cast(Language, _choice(field, value, LANGUAGES))


def _string(data: Mapping[str, object], field: str, default: str) -> str:
    value = data.get(field, default)
    if not isinstance(value, str):
        raise WritingInputError(field, "must be a string")
    return value


def _optional_string(data: Mapping[str, object], field: str) -> str | None:
    value = data.get(field)
    return None if value is None else _string(data, field, "")


def _quick_replies(items: object) -> tuple[str | None, ...]:
    """Titles; a Send API quick reply of type user_email or user_phone_number has none."""
    if isinstance(items, str) or not isinstance(items, Sequence):
        raise WritingInputError("quick_replies", "must be a list")
    untitled = {
        index
        for index, item in enumerate(items)
        if isinstance(item, Mapping) and item.get("content_type", "text") != "text"
    }
    titled = _titles([i for n, i in enumerate(items) if n not in untitled], "quick_replies")
    remaining = iter(titled)
    return tuple(None if index in untitled else next(remaining) for index in range(len(items)))


def _titles(items: object, field: str) -> tuple[str, ...]:
    """Strings, or objects with a string ``title``."""
    if isinstance(items, str) or not isinstance(items, Sequence):
        raise WritingInputError(field, "must be a list")
    titles: list[str] = []
    for index, item in enumerate(items):
        if isinstance(item, Mapping):
            item = item.get("title", "")
        if not isinstance(item, str):
            raise WritingInputError(
                f"{field}[{index}]", "must be a string or an object with a string title"
            )
        titles.append(item)
    return tuple(titles)


def _cards(items: object) -> tuple[Card, ...]:
    if isinstance(items, str) or not isinstance(items, Sequence):
        raise WritingInputError("cards", "must be a list")
    cards: list[Card] = []
    for index, item in enumerate(items):
        field = f"cards[{index}]"
        if not isinstance(item, Mapping):
            raise WritingInputError(field, "must be an object with a title")
        title, subtitle = item.get("title", ""), item.get("subtitle", "")
        if not isinstance(title, str) or not isinstance(subtitle, str):
            raise WritingInputError(field, "title and subtitle must be strings")
        buttons = _titles(item.get("buttons", ()), f"{field}.buttons")
        cards.append(Card(title=title, subtitle=subtitle, buttons=buttons))
    return tuple(cards)
