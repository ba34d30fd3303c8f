"""What a rule is: a rule id, a default severity and a function from the draft to its hits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from comptoir.domain.writing.dictionary import Dictionary
from comptoir.domain.writing.messages import say
from comptoir.domain.writing.model import (
    TEXT_TARGET,
    Card,
    Channel,
    Finding,
    Language,
    Mechanism,
    Severity,
)


@dataclass(frozen=True, slots=True)
class Draft:
    """The message under review, with everything the rules need to judge it."""

    text: str
    channel: Channel
    mechanism: Mechanism
    language: Language  # the message's language
    locale: Language  # the reader's interface language, for the findings' wording
    preview_chars: int = 100
    #: Quick-reply titles; None for a quick reply without one (user_email, user_phone_number).
    quick_replies: tuple[str | None, ...] = ()
    buttons: tuple[str, ...] = ()
    cards: tuple[Card, ...] = ()
    workspace_words: frozenset[str] = frozenset()
    dictionary: Dictionary | None = None

    def say(self, key: str, **params: object) -> str:
        return say(self.locale, key, **params)

    def pieces(self) -> Iterator[tuple[str, str]]:
        """Every text the reader sees, as ``(target, text)``: the message, then its parts."""
        yield TEXT_TARGET, self.text
        for index, title in enumerate(self.quick_replies):
            if title is not None:
                yield f"quick_replies[{index}]", title
        for index, title in enumerate(self.buttons):
            yield f"buttons[{index}]", title
        for index, card in enumerate(self.cards):
            yield f"cards[{index}].title", card.title
            yield f"cards[{index}].subtitle", card.subtitle
            for button_index, title in enumerate(card.buttons):
                yield f"cards[{index}].buttons[{button_index}]", title


@dataclass(frozen=True, slots=True)
class Hit:
    """One problem a rule found; the rule turns it into a ``Finding``."""

    start: int
    end: int
    message: str
    suggestion: str | None = None
    severity: Severity | None = None  # None: the rule's own severity
    target: str = TEXT_TARGET
    replacement: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    rule_id: str
    severity: Severity
    check: Callable[[Draft], Iterable[Hit]]

    def run(self, draft: Draft) -> Iterator[Finding]:
        for hit in self.check(draft):
            yield Finding(
                rule_id=self.rule_id,
                severity=hit.severity or self.severity,
                start=hit.start,
                end=hit.end,
                message=hit.message,
                suggestion=hit.suggestion,
                target=hit.target,
                replacement=hit.replacement,
            )
