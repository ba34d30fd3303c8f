"""``describe``: the decision in English and French, times in the reader's zone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from comptoir.domain.policy import decide, describe
from comptoir.domain.policy_model import (
    Blocked,
    ConversationState,
    Mechanism,
    NotificationToken,
    PageCapabilities,
    SenderKind,
    SendRequest,
    TokenKind,
)
from comptoir.domain.policy_text import reason_text

# A Tuesday: 2026-05-05 was a Tuesday; Paris is UTC+2 in May.
NOW = datetime(2026, 5, 5, 12, 0, tzinfo=UTC)
PAGE = PageCapabilities(human_agent=True)


def _wrote(ago: timedelta) -> ConversationState:
    return ConversationState(last_user_message_at=NOW - ago, last_qualifying_action_at=NOW - ago)


def test_the_issue_example_in_english() -> None:
    # Last message 27 h 2 min ago: the window closed 3 h ago, HUMAN_AGENT lasts until
    # Mon 11 May 08:58 UTC, 10:58 in Paris.
    decision = decide(
        SendRequest(SenderKind.BOT), _wrote(timedelta(hours=27, minutes=2)), PAGE, NOW
    )

    assert describe(decision, "Europe/Paris", "en") == (
        "The window closed 3 h ago; a human agent may still answer as HUMAN_AGENT until "
        "Mon 10:58; a bot may not."
    )


def test_the_issue_example_in_french() -> None:
    decision = decide(
        SendRequest(SenderKind.BOT), _wrote(timedelta(hours=27, minutes=2)), PAGE, NOW
    )

    assert describe(decision, "Europe/Paris", "fr") == (
        "La fenêtre s'est fermée il y a 3 h ; un agent humain peut encore répondre avec "
        "HUMAN_AGENT jusqu'au lundi à 10:58 ; un bot ne le peut pas."
    )


def test_times_follow_the_time_zone() -> None:
    decision = decide(SendRequest(SenderKind.AGENT), _wrote(timedelta(hours=2)), PAGE, NOW)

    assert describe(decision, "UTC") == (
        "May be sent now as RESPONSE inside the window, until Wed 10:00."
    )
    assert describe(decision, "America/New_York") == (
        "May be sent now as RESPONSE inside the window, until Wed 06:00."
    )
    assert describe(decision, "Asia/Tokyo") == (
        "May be sent now as RESPONSE inside the window, until Wed 19:00."
    )


def test_far_moments_carry_the_full_date() -> None:
    otn = NotificationToken("t", TokenKind.ONE_TIME, created_at=NOW - timedelta(days=30))
    state = replace(_wrote(timedelta(days=30)), tokens=(otn,))
    page = PageCapabilities(one_time_notifications=True)

    decision = decide(SendRequest(SenderKind.SYSTEM), state, page, NOW)

    assert describe(decision, "Europe/Paris", "en") == (
        "May be sent now with the one-time notification token (single use), valid until "
        "Mon 5 Apr 2027 14:00."
    )
    assert describe(decision, "Europe/Paris", "fr").endswith("lundi 5 avril 2027 à 14:00.")


def test_the_reason_alone_is_english_utc() -> None:
    decision = decide(SendRequest(SenderKind.BOT), _wrote(timedelta(days=2)), PAGE, NOW)

    assert isinstance(decision, Blocked)
    assert decision.reason == "The window closed 24 h ago."


def test_durations_round_down_and_change_unit() -> None:
    cases = {
        timedelta(hours=24, seconds=30): "less than a minute",
        timedelta(hours=24, minutes=59): "59 min",
        timedelta(hours=71, minutes=59): "47 h",
        timedelta(hours=72): "2 d",
    }
    page = PageCapabilities()
    for ago, words in cases.items():
        decision = decide(SendRequest(SenderKind.BOT), _wrote(ago), page, NOW)
        assert describe(decision).startswith(f"The window closed {words} ago;")


def test_a_bot_asking_for_human_agent_is_told_why() -> None:
    request = SendRequest(SenderKind.BOT, mechanism=Mechanism.TAG, tag="HUMAN_AGENT")

    decision = decide(request, _wrote(timedelta(hours=30)), PAGE, NOW)

    assert describe(decision, "UTC") == (
        "The window closed 6 h ago and only a human agent may use HUMAN_AGENT; a human "
        "agent may still answer as HUMAN_AGENT until Mon 06:00; a bot may not."
    )


def test_unknown_time_zone_is_a_clear_error() -> None:
    decision = decide(SendRequest(SenderKind.BOT), _wrote(timedelta(hours=1)), PAGE, NOW)

    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        describe(decision, "Mars/Olympus")


def test_unknown_locale_is_a_clear_error() -> None:
    decision = decide(SendRequest(SenderKind.BOT), _wrote(timedelta(hours=1)), PAGE, NOW)

    with pytest.raises(ValueError, match="unsupported locale 'de'"):
        describe(decision, "UTC", "de")


def test_a_hand_made_decision_without_a_time_is_refused() -> None:
    decision = decide(SendRequest(SenderKind.BOT), _wrote(timedelta(days=2)), PAGE, NOW)
    assert isinstance(decision, Blocked)
    stripped = replace(decision, decided_at=None)

    with pytest.raises(ValueError, match="no decided_at"):
        describe(stripped)
    with pytest.raises(ValueError, match="no decided_at"):
        reason_text(stripped)
