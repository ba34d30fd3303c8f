"""Which flow an incoming event starts: triggers in order, the first match wins, and an
explicit ``UNHANDLED`` when none does (the runtime then tries the FAQ or stays quiet).

An event that carries a referral (an m.me ``ref`` or an ad) is matched against the ref and ad
triggers first: a new contact who opens an m.me link presses Get Started, and the postback
carries the link's ref, which says more about what they came for than Get Started does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from comptoir.domain.automation.keywords import words
from comptoir.domain.automation.model import (
    AdTrigger,
    Flow,
    GetStartedTrigger,
    KeywordTrigger,
    PostbackTrigger,
    QuickReplyTrigger,
    RefTrigger,
    Trigger,
)

#: the payload Comptoir sets as the Page's Get Started button
GET_STARTED_PAYLOAD = "GET_STARTED"


@dataclass(frozen=True, slots=True)
class Incoming:
    """An inbound event as the router sees it: a message (``text``, ``quick_reply``), a
    postback (``postback``), and/or a referral (``ref``, ``ad_id``, ``from_ad``)."""

    text: str | None = None
    quick_reply: str | None = None
    postback: str | None = None
    ref: str | None = None
    ad_id: str | None = None
    from_ad: bool = False


@dataclass(frozen=True, slots=True)
class Routed:
    flow: Flow
    trigger: Trigger


class _Unhandled:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNHANDLED"


UNHANDLED: Final = _Unhandled()


class Router:
    """Flows in the order given; within a flow, its triggers in order.

    Keyword phrases are indexed by their first word, so a message is compared only with the
    phrases that start with one of its words, however many rules are loaded.
    """

    def __init__(self, flows: Sequence[Flow], get_started: str = GET_STARTED_PAYLOAD) -> None:
        self._entries = tuple((trigger, flow) for flow in flows for trigger in flow.triggers)
        self._referrals: tuple[tuple[Trigger, Flow], ...] = tuple(
            (trigger, flow)
            for trigger, flow in self._entries
            if isinstance(trigger, RefTrigger | AdTrigger)
        )
        self._get_started = get_started
        self._phrases: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for position, (trigger, _) in enumerate(self._entries):
            if isinstance(trigger, KeywordTrigger):
                for phrase in trigger.rule.word_phrases:
                    self._phrases.setdefault(phrase[0], []).append((position, phrase))

    def route(self, event: Incoming) -> Routed | _Unhandled:
        found = words(event.text) if event.text else ()
        if event.ref is not None or event.from_ad:
            for referral, flow in self._referrals:
                if self._matches(referral, event, found):
                    return Routed(flow, referral)
        keywords = self._keyword_hits(found) if event.quick_reply is None else set()
        for position, (trigger, flow) in enumerate(self._entries):
            if isinstance(trigger, KeywordTrigger):
                if position in keywords:
                    return Routed(flow, trigger)
            elif self._matches(trigger, event, found):
                return Routed(flow, trigger)
        return UNHANDLED

    def _keyword_hits(self, found: tuple[str, ...]) -> set[int]:
        """The positions of the keyword triggers whose phrase occurs in ``found``."""
        hits: set[int] = set()
        for start, word in enumerate(found):
            for position, phrase in self._phrases.get(word, ()):
                if found[start : start + len(phrase)] == phrase:
                    hits.add(position)
        return hits

    def _matches(self, trigger: Trigger, event: Incoming, found: tuple[str, ...]) -> bool:
        match trigger:
            case GetStartedTrigger():
                return event.postback == self._get_started
            case PostbackTrigger(payload=payload):
                return event.postback == payload
            case QuickReplyTrigger(payload=payload):
                return event.quick_reply == payload
            case KeywordTrigger(rule=rule):
                return bool(found) and event.quick_reply is None and rule.matches_words(found)
            case RefTrigger(ref=ref):
                return event.ref == ref and not event.from_ad
            case AdTrigger(ad_id=ad_id):
                return event.from_ad and (ad_id is None or ad_id == event.ad_id)
