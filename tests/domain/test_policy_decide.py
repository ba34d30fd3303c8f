"""``decide`` beyond the table: what its results carry, and how it picks among tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comptoir.domain.policy import decide
from comptoir.domain.policy_model import (
    Allowed,
    BlockCode,
    Blocked,
    ConversationState,
    Mechanism,
    NotificationToken,
    PageCapabilities,
    SenderKind,
    SendRequest,
    TokenKind,
)

NOW = datetime(2026, 5, 5, 12, 0, tzinfo=UTC)
LAST = NOW - timedelta(days=2)
STATE = ConversationState(last_user_message_at=LAST, last_qualifying_action_at=LAST)


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        decide(SendRequest(SenderKind.BOT), STATE, PageCapabilities(), NOW.replace(tzinfo=None))


def test_results_say_until_when_they_hold() -> None:
    page = PageCapabilities(human_agent=True)

    decision = decide(SendRequest(SenderKind.AGENT), STATE, page, NOW)

    assert isinstance(decision, Allowed)
    assert decision.valid_until == LAST + timedelta(days=7)
    blocked = decide(SendRequest(SenderKind.BOT), STATE, page, NOW)
    assert isinstance(blocked, Blocked)
    assert blocked.since == LAST + timedelta(hours=24)
    assert blocked.next_option is not None
    assert blocked.next_option.until == LAST + timedelta(days=7)
    assert blocked.next_option.senders == {SenderKind.AGENT}


def test_a_broadcast_spends_a_one_time_token_before_a_subscription() -> None:
    otn = NotificationToken("otn", TokenKind.ONE_TIME, created_at=NOW - timedelta(days=3))
    sub = NotificationToken(
        "sub", TokenKind.NOTIFICATION_MESSAGES, created_at=NOW - timedelta(days=90)
    )
    state = ConversationState(last_user_message_at=LAST, tokens=(sub, otn))
    page = PageCapabilities(one_time_notifications=True)

    decision = decide(SendRequest(SenderKind.BROADCAST), state, page, NOW)

    assert isinstance(decision, Allowed)
    assert decision.mechanism is Mechanism.ONE_TIME_NOTIFICATION
    assert decision.recipient_value == "otn"


def test_the_oldest_usable_token_goes_first_and_a_named_one_is_honoured() -> None:
    old = NotificationToken("old", TokenKind.ONE_TIME, created_at=NOW - timedelta(days=300))
    new = NotificationToken("new", TokenKind.ONE_TIME, created_at=NOW - timedelta(days=3))
    used = NotificationToken(
        "used", TokenKind.ONE_TIME, created_at=NOW - timedelta(days=400), used_at=NOW
    )
    state = ConversationState(last_user_message_at=LAST, tokens=(new, used, old))
    page = PageCapabilities(one_time_notifications=True)
    request = SendRequest(SenderKind.SYSTEM, mechanism=Mechanism.ONE_TIME_NOTIFICATION)

    first = decide(request, state, page, NOW)
    named = decide(
        SendRequest(SenderKind.SYSTEM, mechanism=Mechanism.ONE_TIME_NOTIFICATION, token="new"),
        state,
        page,
        NOW,
    )
    unknown = decide(
        SendRequest(SenderKind.SYSTEM, mechanism=Mechanism.ONE_TIME_NOTIFICATION, token="nope"),
        state,
        page,
        NOW,
    )

    assert isinstance(first, Allowed)
    assert first.recipient_value == "old"
    assert isinstance(named, Allowed)
    assert named.recipient_value == "new"
    assert isinstance(unknown, Blocked)
    assert unknown.code is BlockCode.TOKEN_MISSING


def test_a_frequency_cap_says_when_the_next_message_may_go() -> None:
    sent = NOW - timedelta(hours=30)
    token = NotificationToken(
        "sub",
        TokenKind.NOTIFICATION_MESSAGES,
        created_at=NOW - timedelta(days=90),
        last_sent_at=sent,
        region="FR",
    )
    state = ConversationState(last_user_message_at=LAST, tokens=(token,))

    decision = decide(
        SendRequest(SenderKind.BROADCAST, mechanism=Mechanism.NOTIFICATION_MESSAGES),
        state,
        PageCapabilities(),
        NOW,
    )

    assert isinstance(decision, Blocked)
    assert decision.code is BlockCode.TOKEN_TOO_SOON
    assert decision.until == sent + timedelta(hours=48)
    assert decision.next_option is not None
    assert decision.next_option.not_before == sent + timedelta(hours=48)


def test_an_expired_token_from_before_august_2023_is_refused_but_not_after() -> None:
    then = datetime(2023, 5, 1, tzinfo=UTC)
    token = NotificationToken(
        "sub",
        TokenKind.NOTIFICATION_MESSAGES,
        created_at=then - timedelta(days=200),
        expires_at=then - timedelta(days=1),
    )
    request = SendRequest(SenderKind.BROADCAST, mechanism=Mechanism.NOTIFICATION_MESSAGES)

    before = decide(request, ConversationState(tokens=(token,)), PageCapabilities(), then)
    after = decide(
        request,
        ConversationState(tokens=(token,)),
        PageCapabilities(),
        datetime(2023, 9, 1, tzinfo=UTC),
    )

    assert isinstance(before, Blocked)
    assert before.code is BlockCode.TOKEN_EXPIRED
    assert isinstance(after, Allowed)


def test_the_reason_never_carries_a_token() -> None:
    token = NotificationToken(
        "secret-token-value",
        TokenKind.NOTIFICATION_MESSAGES,
        created_at=NOW - timedelta(days=9),
        last_sent_at=NOW,
    )
    state = ConversationState(last_user_message_at=LAST, tokens=(token,))

    decision = decide(
        SendRequest(SenderKind.BROADCAST, mechanism=Mechanism.NOTIFICATION_MESSAGES),
        state,
        PageCapabilities(),
        NOW,
    )

    assert isinstance(decision, Blocked)
    assert "secret-token-value" not in decision.reason
