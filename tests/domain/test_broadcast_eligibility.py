"""Broadcast eligibility, row by row: consent first, then the policy engine's answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comptoir.domain.broadcasts import (
    BroadcastSpec,
    ConsentAnswer,
    DeliveryMode,
    Eligible,
    Excluded,
    Exclusion,
    Person,
    eligibility,
    summarise,
)
from comptoir.domain.policy_model import (
    ConversationState,
    Mechanism,
    MessagingType,
    NotificationToken,
    PageCapabilities,
    RecipientForm,
    TemplateStatus,
    TokenKind,
    UtilityTemplate,
)

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
RECENT = NOW - timedelta(hours=2)
OLD = NOW - timedelta(days=3)
OPEN = ConversationState(last_user_message_at=RECENT, last_qualifying_action_at=RECENT)
CLOSED = ConversationState(last_user_message_at=OLD, last_qualifying_action_at=OLD)
OTN = NotificationToken("otn-1", TokenKind.ONE_TIME, created_at=OLD)
USED_OTN = NotificationToken("otn-2", TokenKind.ONE_TIME, created_at=OLD, used_at=RECENT)
SUB_EU = NotificationToken("sub-1", TokenKind.NOTIFICATION_MESSAGES, created_at=OLD, region="FR")
PAGE = PageCapabilities(one_time_notifications=True, utility_messaging=True)
APPROVED = UtilityTemplate("order_update", TemplateStatus.APPROVED)

WINDOW = BroadcastSpec(DeliveryMode.WINDOW)
TOKEN = BroadcastSpec(DeliveryMode.TOKEN)
UTILITY = BroadcastSpec(DeliveryMode.UTILITY, template=APPROVED)
NEWS = BroadcastSpec(DeliveryMode.WINDOW, topic="news")


def closed_with(*tokens: NotificationToken) -> ConversationState:
    return ConversationState(last_user_message_at=OLD, last_qualifying_action_at=OLD, tokens=tokens)


CASES = [
    # spec, state, consent, page, expected mechanism or exclusion
    (WINDOW, OPEN, ConsentAnswer.UNKNOWN, PAGE, Mechanism.WINDOW),
    (WINDOW, CLOSED, ConsentAnswer.UNKNOWN, PAGE, Exclusion.WINDOW_CLOSED),
    (WINDOW, ConversationState(), ConsentAnswer.UNKNOWN, PAGE, Exclusion.WINDOW_CLOSED),
    (WINDOW, OPEN, ConsentAnswer.NO, PAGE, Exclusion.OPTED_OUT),
    (
        WINDOW,
        ConversationState(last_user_message_at=RECENT, blocked=True),
        ConsentAnswer.YES,
        PAGE,
        Exclusion.BLOCKED,
    ),
    (NEWS, OPEN, ConsentAnswer.UNKNOWN, PAGE, Exclusion.NO_CONSENT),
    (NEWS, OPEN, ConsentAnswer.YES, PAGE, Mechanism.WINDOW),
    (NEWS, OPEN, ConsentAnswer.NO, PAGE, Exclusion.OPTED_OUT),
    (TOKEN, OPEN, ConsentAnswer.UNKNOWN, PAGE, Mechanism.WINDOW),
    (TOKEN, closed_with(OTN), ConsentAnswer.UNKNOWN, PAGE, Mechanism.ONE_TIME_NOTIFICATION),
    (TOKEN, closed_with(USED_OTN), ConsentAnswer.UNKNOWN, PAGE, Exclusion.TOKEN_USED),
    (TOKEN, CLOSED, ConsentAnswer.UNKNOWN, PAGE, Exclusion.NO_TOKEN),
    (TOKEN, closed_with(OTN), ConsentAnswer.UNKNOWN, PageCapabilities(), Exclusion.NO_TOKEN),
    (TOKEN, closed_with(SUB_EU), ConsentAnswer.UNKNOWN, PAGE, Mechanism.NOTIFICATION_MESSAGES),
    (
        TOKEN,
        closed_with(
            NotificationToken(
                "sub-2",
                TokenKind.NOTIFICATION_MESSAGES,
                created_at=OLD,
                region="FR",
                last_sent_at=NOW - timedelta(hours=3),
            )
        ),
        ConsentAnswer.UNKNOWN,
        PAGE,
        Exclusion.TOKEN_TOO_SOON,
    ),
    (UTILITY, CLOSED, ConsentAnswer.UNKNOWN, PAGE, Mechanism.UTILITY),
    (UTILITY, CLOSED, ConsentAnswer.UNKNOWN, PageCapabilities(), Exclusion.FEATURE_MISSING),
    (
        BroadcastSpec(DeliveryMode.UTILITY, template=APPROVED, promotional=True),
        CLOSED,
        ConsentAnswer.UNKNOWN,
        PAGE,
        Exclusion.PROMOTIONAL_CONTENT,
    ),
    (
        WINDOW,
        OPEN,
        ConsentAnswer.UNKNOWN,
        PageCapabilities(restricted_until=NOW + timedelta(1)),
        Exclusion.PAGE_RESTRICTED,
    ),
]


@pytest.mark.parametrize(("spec", "state", "consent", "page", "expected"), CASES)
def test_eligibility_table(
    spec: BroadcastSpec,
    state: ConversationState,
    consent: ConsentAnswer,
    page: PageCapabilities,
    expected: Mechanism | Exclusion,
) -> None:
    result = eligibility(spec, Person(state, consent), page, NOW)

    if isinstance(expected, Mechanism):
        assert isinstance(result, Eligible), result
        assert result.mechanism is expected
    else:
        assert isinstance(result, Excluded), result
        assert result.reason is expected


def test_a_window_broadcast_goes_as_update_to_the_psid() -> None:
    result = eligibility(WINDOW, Person(OPEN), PAGE, NOW)

    assert isinstance(result, Eligible)
    assert result.decision.messaging_type is MessagingType.UPDATE
    assert result.decision.recipient is RecipientForm.ID


def test_a_token_broadcast_names_the_token_to_spend() -> None:
    result = eligibility(TOKEN, Person(closed_with(USED_OTN, OTN)), PAGE, NOW)

    assert isinstance(result, Eligible)
    assert result.decision.recipient is RecipientForm.ONE_TIME_NOTIF_TOKEN
    assert result.decision.recipient_value == "otn-1"


def test_the_window_closes_between_two_checks() -> None:
    later = RECENT + timedelta(hours=24, seconds=1)

    first = eligibility(WINDOW, Person(OPEN), PAGE, NOW)
    second = eligibility(WINDOW, Person(OPEN), PAGE, later)

    assert isinstance(first, Eligible)
    assert isinstance(second, Excluded)
    assert second.reason is Exclusion.WINDOW_CLOSED


def test_summary_counts_mechanisms_and_reasons() -> None:
    people = [
        Person(OPEN),
        Person(OPEN),
        Person(CLOSED),
        Person(closed_with(OTN)),
        Person(OPEN, ConsentAnswer.NO),
    ]

    audience = summarise(eligibility(TOKEN, person, PAGE, NOW) for person in people)

    assert audience.by_mechanism == {"one_time_notification": 1, "window": 2}
    assert audience.excluded == {"no_token": 1, "opted_out": 1}
    assert (audience.eligible, audience.total) == (3, 5)
