"""Stop words, consent state rules, token limits and segment filters (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comptoir.domain.consent import (
    ALL_TOPICS,
    STOP_WORDS,
    ConsentError,
    ConsentState,
    ConsentStatus,
    check_topic,
    is_stop_request,
    normalise,
    opted_in,
    opted_out,
    stop_confirmation,
)
from comptoir.domain.policy_model import Mechanism, TokenKind
from comptoir.domain.segments import FieldOp, SegmentError, parse_filter
from comptoir.domain.token_limits import limits, one_time_expiry

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        " Stop! ",
        "ARRÊT",
        "arret",
        "Arrêtez.",
        "stop all",
        "STOPALL",
        "Unsubscribe",
        "désabonner",
        "Me désinscrire",
        "DESINSCRIPTION",
        "opt-out",
        "Désabonne-moi",
        "stop pub",
        "🛑 stop 🛑",
    ],
)
def test_stop_words_as_a_whole_message_are_stop_requests(text: str) -> None:
    assert is_stop_request(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "don't stop",
        "stop by the shop tomorrow",
        "arrêt de bus ?",
        "non",
        "stopper",
        "cancel",
        "STOP " * 20,
    ],
)
def test_other_messages_are_not_stop_requests(text: str | None) -> None:
    assert not is_stop_request(text)


def test_ascii_messages_are_checked_as_the_normalised_form_says() -> None:
    # ASCII text takes a faster path (one regular expression): it must agree with
    # ``normalise(text) in STOP_WORDS`` for every stop word, dressed up or spoiled.
    texts = ["", "x", "stop stop", "stopall!", "STOP-ALL", "s t o p", "1 stop", "stop 1"]
    for word in sorted(STOP_WORDS):
        for dressed in (
            word,
            word.lower(),
            word.title(),
            f"  {word}!!",
            f"...{word.replace(' ', ' - ')}?",
            word.replace(" ", "_"),
            word.replace(" ", ""),
            f"{word}s",
            f"a {word}",
            f"{word} 2",
            f"{word[:-1]}",
        ):
            texts.append(dressed)
    for text in texts:
        assert text.isascii()
        assert is_stop_request(text) == (normalise(text) in STOP_WORDS), text


def test_the_confirmation_speaks_the_language_of_the_word_or_the_contact() -> None:
    assert stop_confirmation("ARRÊT", "en_US").startswith("C'est noté")
    assert stop_confirmation("unsubscribe", "fr_FR").startswith("Done")
    assert stop_confirmation("STOP", "en_GB").startswith("Done")
    assert stop_confirmation("STOP", "fr_FR").startswith("C'est noté")
    assert stop_confirmation("STOP", None).startswith("C'est noté")


def test_topics_are_checked() -> None:
    assert check_topic(" news ") == "news"
    assert check_topic("*", allow_all=True) == ALL_TOPICS
    for bad in ("", "*", "a" * 101, "<b>promo</b>"):
        with pytest.raises(ConsentError):
            check_topic(bad)


def _states(**statuses: ConsentStatus) -> dict[str, ConsentState]:
    named = {("*" if k == "everything" else k): v for k, v in statuses.items()}
    return {topic: ConsentState(topic, status, NOW) for topic, status in named.items()}


def test_a_global_opt_out_wins_over_every_topic() -> None:
    states = _states(news=ConsentStatus.OPTED_IN, everything=ConsentStatus.OPTED_OUT)
    assert opted_out(states, "news")
    assert opted_out(states, "promotions")
    assert opted_out(states, None)
    assert not opted_in(states, "news")
    just_news = _states(news=ConsentStatus.OPTED_IN, promotions=ConsentStatus.OPTED_OUT)
    assert opted_in(just_news, "news")
    assert not opted_out(just_news, "news")
    assert opted_out(just_news, "promotions")
    assert not opted_in(just_news, "other")
    assert not opted_out(just_news, "other")


def test_token_limits_follow_the_dated_rules() -> None:
    one_time = limits(TokenKind.ONE_TIME, None, Mechanism.ONE_TIME_NOTIFICATION, NOW)
    assert one_time.single_use
    assert one_time.check_expiry
    before = datetime(2025, 6, 1, tzinfo=UTC)
    daily = limits(TokenKind.NOTIFICATION_MESSAGES, None, Mechanism.NOTIFICATION_MESSAGES, before)
    assert daily.min_gap == timedelta(hours=24)
    after = limits(TokenKind.NOTIFICATION_MESSAGES, None, Mechanism.NOTIFICATION_MESSAGES, NOW)
    assert after.min_gap == timedelta(hours=48)
    assert not after.check_expiry  # tokens stopped expiring on Aug 10, 2023
    weekly = limits(TokenKind.NOTIFICATION_MESSAGES, "WEEKLY", Mechanism.NOTIFICATION_MESSAGES, NOW)
    assert weekly.min_gap == timedelta(days=7)
    paid = limits(TokenKind.NOTIFICATION_MESSAGES, None, Mechanism.MARKETING_MESSAGE, NOW)
    assert paid.min_gap == timedelta(hours=12)
    assert one_time_expiry(NOW) == NOW + timedelta(days=365)


def test_a_filter_round_trips_through_json() -> None:
    data = {
        "page_id": 3,
        "labels_all": ["vip"],
        "labels_none": ["staff"],
        "fields": [{"name": "city", "op": "eq", "value": "Lyon"}, {"name": "x", "op": "exists"}],
        "topics_in": ["promotions"],
        "locales": ["fr", "en_GB"],
        "sources": ["ad"],
        "interacted_within_days": 30,
        "blocked": False,
    }
    spec = parse_filter(data)
    assert spec.fields[1].op is FieldOp.EXISTS
    assert spec.to_json() == data
    assert parse_filter(None).to_json() == {}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ([], "JSON object"),
        ({"label": ["x"]}, "unknown filter key 'label'"),
        ({"labels_all": "vip"}, "labels_all is a list"),
        ({"labels_all": ["a b"]}, "not a label name"),
        ({"fields": [{"name": "city", "op": "eq"}]}, "needs a text or number value"),
        ({"fields": [{"name": "city", "op": "regex", "value": "x"}]}, "op is one of"),
        ({"topics_in": ["<x>"]}, "topics_in"),
        ({"locales": ["french"]}, "not a locale"),
        ({"sources": ["tv"]}, "not one of"),
        ({"interacted_within_days": 0}, "whole number of days"),
        ({"interacted_within_days": True}, "whole number of days"),
        ({"page_id": "12"}, "page_id"),
        ({"blocked": "no"}, "true or false"),
        ({"labels_any": ["x"] * 51}, "at most 50"),
    ],
)
def test_bad_filters_name_their_bad_part(data: object, words: str) -> None:
    with pytest.raises(SegmentError, match=words):
        parse_filter(data)
