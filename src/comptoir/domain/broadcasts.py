"""Who may receive a broadcast, through which mechanism, and why the others may not.

``eligibility(spec, person, page, now)`` is pure: the consent rules first (a person who said
no to the topic, or stopped everything, gets nothing; with a topic, only people who said yes
to it), then the policy engine (``domain.policy.decide``) for how the message may go. The
rules of the 24-hour window, tokens and utility templates live there only; this module maps
the engine's answer to a delivery mechanism or an exclusion reason.

Delivery modes:

* ``window``: people whose standard messaging window is open now (UPDATE);
* ``token``: the window when it is open (no token is spent for nothing), otherwise a usable
  notification token: a one-time token first, then a notification_messages token through the
  Send API or the paid Marketing Message API;
* ``utility``: an approved utility template (transactional updates, never promotion).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from comptoir.domain.policy import decide
from comptoir.domain.policy_model import (
    Allowed,
    BlockCode,
    Blocked,
    ContentKind,
    ConversationState,
    Mechanism,
    PageCapabilities,
    SenderKind,
    SendRequest,
    UtilityTemplate,
)
from comptoir.domain.policy_tokens import TOKEN_MECHANISMS


class DeliveryMode(StrEnum):
    WINDOW = "window"
    TOKEN = "token"  # noqa: S105 (a name, not a secret)
    UTILITY = "utility"


class ConsentAnswer(StrEnum):
    """A person's current answer for the broadcast's topic."""

    YES = "yes"
    NO = "no"  # said no to the topic, or stopped everything
    UNKNOWN = "unknown"  # never asked, or never answered


class Exclusion(StrEnum):
    """Why a person will not receive a broadcast (stable codes for the API and the CLI)."""

    OPTED_OUT = "opted_out"
    NO_CONSENT = "no_consent"
    BLOCKED = "blocked"
    WINDOW_CLOSED = "window_closed"
    NO_TOKEN = "no_token"  # noqa: S105 (a name, not a secret)
    TOKEN_USED = "token_used"  # noqa: S105 (a name, not a secret)
    TOKEN_TOO_SOON = "token_too_soon"  # noqa: S105 (a name, not a secret)
    TOKEN_STOPPED = "token_stopped"  # noqa: S105 (a name, not a secret)
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 (a name, not a secret)
    TOKEN_REGION = "token_region"  # noqa: S105 (a name, not a secret)
    PAGE_RESTRICTED = "page_restricted"
    THREAD_CONTROLLED_ELSEWHERE = "thread_controlled_elsewhere"
    UTILITY_UNAVAILABLE = "utility_unavailable"
    PROMOTIONAL_CONTENT = "promotional_content"
    FEATURE_MISSING = "feature_missing"  # the Page lacks what the mode needs (utility)
    NOT_ALLOWED = "not_allowed"  # any other refusal of the policy engine


#: The policy engine's codes, as exclusion reasons.
_FROM_BLOCK = {
    BlockCode.RECIPIENT_BLOCKED: Exclusion.BLOCKED,
    BlockCode.WINDOW_CLOSED: Exclusion.WINDOW_CLOSED,
    BlockCode.NO_CONVERSATION: Exclusion.WINDOW_CLOSED,
    BlockCode.TOKEN_MISSING: Exclusion.NO_TOKEN,
    BlockCode.FEATURE_MISSING: Exclusion.FEATURE_MISSING,
    BlockCode.TOKEN_USED: Exclusion.TOKEN_USED,
    BlockCode.TOKEN_TOO_SOON: Exclusion.TOKEN_TOO_SOON,
    BlockCode.TOKEN_STOPPED: Exclusion.TOKEN_STOPPED,
    BlockCode.TOKEN_EXPIRED: Exclusion.TOKEN_EXPIRED,
    BlockCode.TOKEN_REGION: Exclusion.TOKEN_REGION,
    BlockCode.PAGE_RESTRICTED: Exclusion.PAGE_RESTRICTED,
    BlockCode.THREAD_CONTROLLED_ELSEWHERE: Exclusion.THREAD_CONTROLLED_ELSEWHERE,
    BlockCode.UTILITY_UNAVAILABLE: Exclusion.UTILITY_UNAVAILABLE,
    BlockCode.PROMOTIONAL_CONTENT: Exclusion.PROMOTIONAL_CONTENT,
}

#: When no token works, the refusal reported: the one closest to working first.
_TOKEN_REFUSAL_ORDER = (
    BlockCode.TOKEN_TOO_SOON,
    BlockCode.TOKEN_STOPPED,
    BlockCode.TOKEN_USED,
    BlockCode.TOKEN_EXPIRED,
    BlockCode.TOKEN_REGION,
    BlockCode.TOKEN_MISSING,
    BlockCode.FEATURE_MISSING,
    BlockCode.MECHANISM_UNAVAILABLE,
)


#: Refusals that all mean, for a broadcast, that no token can carry it.
_NO_TOKEN_CODES = (
    BlockCode.TOKEN_MISSING,
    BlockCode.FEATURE_MISSING,
    BlockCode.MECHANISM_UNAVAILABLE,
)


@dataclass(frozen=True, slots=True)
class BroadcastSpec:
    """What is sent, how, and about what (the parts that decide who may receive it)."""

    mode: DeliveryMode
    #: The consent topic ("promotions", "news"...); None: only a global opt-out excludes.
    topic: str | None = None
    promotional: bool = False
    content: ContentKind = ContentKind.TEXT
    #: With ``DeliveryMode.UTILITY``: the approved template.
    template: UtilityTemplate | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """One contact as the eligibility sees it."""

    state: ConversationState
    consent: ConsentAnswer = ConsentAnswer.UNKNOWN


@dataclass(frozen=True, slots=True)
class Eligible:
    decision: Allowed

    @property
    def mechanism(self) -> Mechanism:
        return self.decision.mechanism


@dataclass(frozen=True, slots=True)
class Excluded:
    reason: Exclusion
    #: The policy engine's refusal behind it (None for consent reasons).
    decision: Blocked | None = None


Eligibility = Eligible | Excluded


def send_request(spec: BroadcastSpec, mechanism: Mechanism = Mechanism.AUTO) -> SendRequest:
    """The broadcast's message as the policy engine sees it."""
    if spec.mode is DeliveryMode.UTILITY:
        return SendRequest(
            sender=SenderKind.BROADCAST,
            content=ContentKind.UTILITY_TEMPLATE,
            promotional=spec.promotional,
            template=spec.template,
            proactive=True,
        )
    return SendRequest(
        sender=SenderKind.BROADCAST,
        content=spec.content,
        promotional=spec.promotional,
        mechanism=mechanism,
        proactive=True,
    )


def eligibility(
    spec: BroadcastSpec, person: Person, page: PageCapabilities, now: datetime
) -> Eligibility:
    """How ``person`` may receive the broadcast at ``now``, or why not."""
    if person.state.blocked:
        return Excluded(Exclusion.BLOCKED)
    if person.consent is ConsentAnswer.NO:
        return Excluded(Exclusion.OPTED_OUT)
    if spec.topic is not None and person.consent is not ConsentAnswer.YES:
        return Excluded(Exclusion.NO_CONSENT)
    if spec.mode is DeliveryMode.WINDOW:
        return _result(decide(send_request(spec, Mechanism.WINDOW), person.state, page, now))
    if spec.mode is DeliveryMode.UTILITY:
        return _result(decide(send_request(spec), person.state, page, now))
    return _by_token(spec, person.state, page, now)


def _by_token(
    spec: BroadcastSpec, state: ConversationState, page: PageCapabilities, now: datetime
) -> Eligibility:
    decision = decide(send_request(spec), state, page, now)
    if isinstance(decision, Allowed):
        return Eligible(decision)
    if decision.code not in (BlockCode.WINDOW_CLOSED, BlockCode.NO_CONVERSATION):
        return _result(decision)
    refusals: list[Blocked] = []
    for mechanism in TOKEN_MECHANISMS:
        by_token = decide(send_request(spec, mechanism), state, page, now)
        if isinstance(by_token, Allowed):  # the AUTO answer above says it cannot be
            return Eligible(by_token)
        refusals.append(by_token)
    best = min(refusals, key=_token_rank)
    if best.code in _NO_TOKEN_CODES:
        return Excluded(Exclusion.NO_TOKEN, best)
    return _result(best)


def _token_rank(blocked: Blocked) -> int:
    order = _TOKEN_REFUSAL_ORDER
    return order.index(blocked.code) if blocked.code in order else len(order)


def _result(decision: Allowed | Blocked) -> Eligibility:
    if isinstance(decision, Allowed):
        return Eligible(decision)
    return Excluded(_FROM_BLOCK.get(decision.code, Exclusion.NOT_ALLOWED), decision)


@dataclass(frozen=True, slots=True)
class Audience:
    """A preview: how many people get it through each mechanism; who does not, and why."""

    by_mechanism: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)

    @property
    def eligible(self) -> int:
        return sum(self.by_mechanism.values())

    @property
    def total(self) -> int:
        return self.eligible + sum(self.excluded.values())


def summarise(results: Iterable[Eligibility]) -> Audience:
    mechanisms: Counter[str] = Counter()
    excluded: Counter[str] = Counter()
    for result in results:
        if isinstance(result, Eligible):
            mechanisms[result.mechanism.value] += 1
        else:
            excluded[result.reason.value] += 1
    return Audience(dict(sorted(mechanisms.items())), dict(sorted(excluded.items())))
