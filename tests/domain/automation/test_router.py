from __future__ import annotations

import pytest

from comptoir.domain.automation import UNHANDLED, Flow, Incoming, KeywordRule, Routed, Router
from comptoir.domain.automation.model import (
    AdTrigger,
    GetStartedTrigger,
    KeywordTrigger,
    PostbackTrigger,
    QuickReplyTrigger,
    RefTrigger,
)

WELCOME = Flow("welcome", (GetStartedTrigger(),), ())
MENU = Flow("menu", (PostbackTrigger("MENU"), QuickReplyTrigger("MENU")), ())
HOURS = Flow("hours", (KeywordTrigger(KeywordRule(("horaires", "opening hours"))),), ())
PRICES = Flow("prices", (KeywordTrigger(KeywordRule(("prix", "price"))),), ())
SUMMER = Flow("summer", (RefTrigger("summer-sale"),), ())
AD_42 = Flow("ad42", (AdTrigger("42"),), ())
ANY_AD = Flow("any_ad", (AdTrigger(),), ())
ROUTER = Router([WELCOME, MENU, HOURS, PRICES, SUMMER, AD_42, ANY_AD])


@pytest.mark.parametrize(
    ("event", "flow"),
    [
        (Incoming(postback="GET_STARTED"), "welcome"),
        (Incoming(postback="MENU"), "menu"),
        (Incoming(text="Menu", quick_reply="MENU"), "menu"),
        (Incoming(text="Vos HORAIRES ?"), "hours"),
        (Incoming(text="opening hours and price"), "hours"),  # first match wins
        (Incoming(text="price and opening hours"), "hours"),  # flow order, not text order
        (Incoming(text="le prix ?"), "prices"),
        (Incoming(ref="summer-sale"), "summer"),
        (Incoming(postback="GET_STARTED", ref="summer-sale"), "summer"),  # the ref says more
        (Incoming(postback="GET_STARTED", ref="unknown-ref"), "welcome"),
        (Incoming(text="horaires", ref="summer-sale"), "summer"),
        (Incoming(ref="x", ad_id="42", from_ad=True), "ad42"),
        (Incoming(ad_id="7", from_ad=True), "any_ad"),
    ],
)
def test_first_matching_trigger_wins(event: Incoming, flow: str) -> None:
    routed = ROUTER.route(event)
    assert isinstance(routed, Routed)
    assert routed.flow.name == flow


@pytest.mark.parametrize(
    "event",
    [
        Incoming(text="bonjour"),
        Incoming(text=""),
        Incoming(postback="UNKNOWN"),
        Incoming(text="horaires", quick_reply="OTHER"),  # a quick reply is not typed text
        Incoming(ref="summer-sale", from_ad=True, ad_id="9"),  # ads go to ad triggers only
        Incoming(),
    ],
)
def test_no_match_is_unhandled(event: Incoming) -> None:
    routed = Router([WELCOME, MENU, HOURS, SUMMER, AD_42]).route(event)
    assert routed is UNHANDLED


def test_get_started_payload_is_configurable() -> None:
    router = Router([WELCOME], get_started="START")
    assert router.route(Incoming(postback="GET_STARTED")) is UNHANDLED
    assert isinstance(router.route(Incoming(postback="START")), Routed)
