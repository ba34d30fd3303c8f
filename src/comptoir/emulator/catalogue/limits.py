"""Throttling and transient errors: rate limits, quotas, retry-later (§4.2, §5)."""

from __future__ import annotations

from comptoir.emulator.errors import GraphError

_RATE_LIMIT_URL = "https://developers.facebook.com/docs/graph-api/overview/rate-limiting"


# ---- rate limits (4, 9, 32, 613, 80001, 80006) ---------------------------------------------


def rate_limited() -> GraphError:
    """613: Send API throughput or the profile API's 10 per 10 minutes (Appendix C)."""
    return GraphError(613, "(#613) Calls to this api have exceeded the rate limit.")


def rate_limited_instagram() -> GraphError:
    """613/2534040: the same, Instagram."""
    return GraphError(
        613, "(#613) Calls to this api have exceeded the rate limit.", subcode=2534040
    )


def tag_abuse() -> GraphError:
    """613/2018338: too many tagged messages to one person."""
    return GraphError(
        613,
        "(#613) Warning! You are engaging in behavior that may be considered bothersome or "
        "abusive by users. You must significantly decrease the rate at which you are sending "
        "messages using message tags to this person.",
        subcode=2018338,
    )


def duplicate_optin_request() -> GraphError:
    """613/1893016: a second opt-in request with the same topic to a person within a week."""
    return GraphError(
        613,
        "(#613) Scope of service exceeded: You may not send multiple opt-in requests with "
        "the same topic to a user.",
        subcode=1893016,
    )


def app_request_limit() -> GraphError:
    """4: the app-level throttle."""
    return GraphError(4, "(#4) Application request limit reached")


def phone_send_limit() -> GraphError:
    """4/2018022: too many sends to phone numbers."""
    return GraphError(4, "(#4) Too many send requests to phone numbers", subcode=2018022)


def notification_frequency() -> GraphError:
    """4/2018354: a marketing/recurring token used again before its minimum delay."""
    return GraphError(
        4,
        "(#4) Marketing Messages - There has to be a minimum delay between 2 notifications "
        "for the given notification",
        subcode=2018354,
    )


def too_many_actions() -> GraphError:
    """9/2018352: too many marketing opt-in requests."""
    return GraphError(9, "(#9) User is performing too many actions", subcode=2018352)


def page_request_limit() -> GraphError:
    """32: the Pages API limit with a user token."""
    return GraphError(32, "(#32) Page request limit reached")


def page_account_limit() -> GraphError:
    """80001: the Pages business-use-case limit."""
    return GraphError(
        80001,
        "(#80001) There have been too many calls to this Page account. Wait a bit and try "
        f"again. For more info, please refer to {_RATE_LIMIT_URL}.",
    )


def messenger_quota_reached() -> GraphError:
    """80006: the Messenger business-use-case limit, 200 x engaged users per 24 hours.
    [UNVERIFIED wording: modelled on 80001, as Appendix C suggests.]"""
    return GraphError(
        80006,
        "(#80006) There have been too many calls to this Messenger account. Wait a bit and "
        f"try again. For more info, please refer to {_RATE_LIMIT_URL}.",
    )


def marketing_recipient_unavailable() -> GraphError:
    """100/2300052: marketing message inside ``min_conversation_gap_seconds``."""
    return GraphError(100, "This person is not available right now.", subcode=2300052)


# ---- transient (1, 2, 1200) ----------------------------------------------------------------


def temporary_send_failure() -> GraphError:
    """1200 FacebookApiException (HTTP 500): transient (Appendix C)."""
    return GraphError(
        1200,
        "Temporary send message failure. Please try again later.",
        type_="FacebookApiException",
        status=500,
    )


def unexpected_error() -> GraphError:
    """2 (HTTP 500): transient, retry later."""
    return GraphError(
        2,
        "An unexpected error has occurred. Please retry your request later.",
        status=500,
        is_transient=True,
    )


def unknown_error() -> GraphError:
    """1/99 (HTTP 500)."""
    return GraphError(1, "An unknown error occurred.", subcode=99, status=500)


def invalid_json_reply() -> GraphError:
    """1/1357046 (HTTP 500)."""
    return GraphError(1, "Received invalid JSON reply.", subcode=1357046, status=500)
