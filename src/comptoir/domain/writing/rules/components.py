"""Quick replies, buttons and cards: the platform's limits on their number and their titles.
Over a limit the Send API refuses the message or the client cuts the title, so these are
errors."""

from __future__ import annotations

from collections.abc import Iterator

from comptoir.domain.writing.messages import quote
from comptoir.domain.writing.rule import Draft, Hit

QUICK_REPLY_LIMIT = 13
QUICK_REPLY_TITLE_LIMIT = 20
BUTTON_LIMIT = 3
BUTTON_TITLE_LIMIT = 20
CARD_LIMIT = 10
CARD_TITLE_LIMIT = 80
CARD_SUBTITLE_LIMIT = 80


def check_quick_reply_count(draft: Draft) -> Iterator[Hit]:
    count = len(draft.quick_replies)
    if count > QUICK_REPLY_LIMIT:
        yield Hit(
            QUICK_REPLY_LIMIT,
            count,
            draft.say("quick_reply.too_many", count=count, limit=QUICK_REPLY_LIMIT),
            draft.say("quick_reply.too_many.fix", limit=QUICK_REPLY_LIMIT),
            target="quick_replies",
        )


def check_quick_reply_titles(draft: Draft) -> Iterator[Hit]:
    for index, title in enumerate(draft.quick_replies):
        if title is None:
            continue
        yield from _title_hits(
            draft,
            title,
            QUICK_REPLY_TITLE_LIMIT,
            f"quick_replies[{index}]",
            "quick_reply.title_too_long",
        )


def check_quick_reply_empty(draft: Draft) -> Iterator[Hit]:
    for index, title in enumerate(draft.quick_replies):
        if title is not None and not title.strip():
            yield Hit(
                0,
                len(title),
                draft.say("quick_reply.empty_title"),
                target=f"quick_replies[{index}]",
            )


def check_button_count(draft: Draft) -> Iterator[Hit]:
    groups = [("buttons", draft.buttons)]
    groups += [(f"cards[{i}].buttons", card.buttons) for i, card in enumerate(draft.cards)]
    for target, buttons in groups:
        if len(buttons) > BUTTON_LIMIT:
            yield Hit(
                BUTTON_LIMIT,
                len(buttons),
                draft.say("button.too_many", count=len(buttons), limit=BUTTON_LIMIT),
                draft.say("button.too_many.fix", limit=BUTTON_LIMIT),
                target=target,
            )


def check_button_titles(draft: Draft) -> Iterator[Hit]:
    for target, title in _button_titles(draft):
        yield from _title_hits(draft, title, BUTTON_TITLE_LIMIT, target, "button.title_too_long")


def check_button_empty(draft: Draft) -> Iterator[Hit]:
    for target, title in _button_titles(draft):
        if not title.strip():
            yield Hit(0, len(title), draft.say("button.empty_title"), target=target)


def check_card_count(draft: Draft) -> Iterator[Hit]:
    if len(draft.cards) > CARD_LIMIT:
        yield Hit(
            CARD_LIMIT,
            len(draft.cards),
            draft.say("card.too_many", count=len(draft.cards), limit=CARD_LIMIT),
            draft.say("card.too_many.fix", limit=CARD_LIMIT),
            target="cards",
        )


def check_card_titles(draft: Draft) -> Iterator[Hit]:
    for index, card in enumerate(draft.cards):
        target = f"cards[{index}].title"
        yield from _title_hits(draft, card.title, CARD_TITLE_LIMIT, target, "card.title_too_long")


def check_card_subtitles(draft: Draft) -> Iterator[Hit]:
    for index, card in enumerate(draft.cards):
        target = f"cards[{index}].subtitle"
        yield from _title_hits(
            draft, card.subtitle, CARD_SUBTITLE_LIMIT, target, "card.subtitle_too_long"
        )


def check_card_empty(draft: Draft) -> Iterator[Hit]:
    for index, card in enumerate(draft.cards):
        if not card.title.strip():
            yield Hit(
                0, len(card.title), draft.say("card.empty_title"), target=f"cards[{index}].title"
            )


def _button_titles(draft: Draft) -> list[tuple[str, str]]:
    titled = [(f"buttons[{i}]", title) for i, title in enumerate(draft.buttons)]
    for card_index, card in enumerate(draft.cards):
        titled += [(f"cards[{card_index}].buttons[{i}]", t) for i, t in enumerate(card.buttons)]
    return titled


def _title_hits(draft: Draft, title: str, limit: int, target: str, key: str) -> Iterator[Hit]:
    if len(title) <= limit:
        return
    short = shorten(title, limit)
    yield Hit(
        limit,
        len(title),
        draft.say(key, size=len(title), limit=limit, cut=quote(title[:limit], draft.locale)),
        draft.say("title.fix", fixed=quote(short, draft.locale), limit=limit),
        target=target,
    )


def shorten(title: str, limit: int) -> str:
    """``title`` cut to fit ``limit`` characters: at the last clause mark (comma, colon, dash)
    in the second half, else at the last word boundary."""
    title = title.strip()
    if len(title) <= limit:
        return title
    cut = title[: limit + 1].rsplit(" ", 1)[0].rstrip(" ,;:-–")
    if not 0 < len(cut) <= limit:
        return title[:limit].rstrip()
    clause = max(cut.rfind(mark) for mark in (",", ";", ":", " –", " -"))
    return cut[:clause].rstrip() if clause >= limit // 2 else cut
