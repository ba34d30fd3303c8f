"""Why a message could not be sent, in plain words, from Meta's error code and subcode.

The relay stores Meta's ``code``/``error_subcode`` on the failed message and the sentence
from ``failure_reason`` beside it, for the inbox and the API. Look-up order: the exact
(code, subcode), then the code alone, then a generic sentence quoting Meta's message.
"""

from __future__ import annotations

_BY_CODE_AND_SUBCODE: dict[tuple[int, int], str] = {
    (10, 2018278): "Outside the 24-hour window: the customer has to write again first.",
    (10, 2534022): "Outside the 24-hour window: the customer has to write again first.",
    (10, 2018065): "Outside the window, and the Page lacks the permission this message needs.",
    (10, 2018108): "The customer can't receive messages from the Page right now.",
    (10, 1893063): "The Page is temporarily restricted from sending messages by Meta.",
    (10, 1893015): "The customer stopped these notification messages.",
    (551, 1545041): "The customer isn't reachable (blocked the Page or deactivated).",
    (100, 2018001): "Meta doesn't know this customer for this Page.",
    (100, 1893061): "This message tag has been retired by Meta.",
    (100, 2018014): "A typing indicator can't be sent together with a message.",
    (613, 2018338): "Too many tagged messages to this customer: Meta refused it as abusive.",
}

_BY_CODE: dict[int, str] = {
    10: "Meta refused it: outside the messaging window or missing a permission.",
    100: "Meta refused the message as invalid.",
    190: "The Page's access token is no longer valid: reconnect the Page.",
    200: "The app lacks the permission to message this customer.",
    230: "The app lacks the permission this message needs.",
    368: "Meta has temporarily blocked the Page from sending for policy violations.",
    551: "The customer isn't reachable (blocked the Page or deactivated).",
    2022: "Meta has temporarily disabled sending for the Page.",
    2018300: "Another app controls this conversation right now.",
    2018321: "Messenger controls this conversation right now (automated Q&A).",
    10900: "This comment or post was already answered privately.",
    10903: "This customer can't be answered privately.",
}


def failure_reason(code: int | None, subcode: int | None, message: str = "") -> str:
    """A sentence for people: what went wrong, without Meta's jargon."""
    if code is not None:
        if subcode is not None:
            exact = _BY_CODE_AND_SUBCODE.get((code, subcode))
            if exact:
                return exact
        general = _BY_CODE.get(code)
        if general:
            return general
    detail = f" ({message.strip()})" if message.strip() else ""
    return f"Meta refused the message{detail}."
