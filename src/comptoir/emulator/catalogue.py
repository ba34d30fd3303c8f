"""Every Graph error the emulator can return, one named builder each (reference §4.2, App. C).

Each builder returns a fresh ``GraphError`` with Meta's message text, ``type``, ``code``,
``error_subcode`` and HTTP status. Wording follows Appendix C where it has a fixture, else the
§4.2 table. Where the table prints a message without its ``(#code)`` prefix but Meta's numeric
errors carry one (§4.1: "message usually starts with (#<code>)"), the prefix is added, as
Appendix C does for "No matching user found". Messages marked [UNVERIFIED] in the reference are
kept as the reference suggests; a few parameter errors the reference does not list (missing
parameter, bad JSON) follow Graph's usual "(#100) The parameter X is required" pattern.

HTTP status: 400 unless noted (§4.1); 403 for the phone-number permission error (§4.1); 500
for the transient errors 1, 2 and 1200 (§4.1 "500 for code 1/2 is plausible").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from comptoir.emulator.errors import GraphError

_WINDOW_POLICY_URL = "https://developers.facebook.com/docs/messenger-platform/policy-overview"
_RATE_LIMIT_URL = "https://developers.facebook.com/docs/graph-api/overview/rate-limiting"
_GRAPH_DOCS_URL = "https://developers.facebook.com/docs/graph-api"

# ---- authentication (190, 104, appsecret_proof) --------------------------------------------


def invalid_token() -> GraphError:
    """190: the access token is unknown or malformed (Appendix C)."""
    return GraphError(190, "Invalid OAuth access token.")


def token_expired() -> GraphError:
    """190/463: the session expired."""
    return GraphError(190, "Error validating access token: Session has expired.", subcode=463)


def token_password_changed() -> GraphError:
    """190/460: the user changed their password."""
    return GraphError(
        190,
        "Error validating access token: The session has been invalidated because the user "
        "changed their password or Facebook has changed the session for security reasons.",
        subcode=460,
    )


def token_invalid_session() -> GraphError:
    """190/467: the session is no longer valid (logged out)."""
    return GraphError(190, "Error validating access token: The session is invalid.", subcode=467)


def token_required() -> GraphError:
    """104: no access token at all (Graph's answer to an unauthenticated call)."""
    return GraphError(104, "An access token is required to request this resource.")


def invalid_appsecret_proof() -> GraphError:
    """100: ``appsecret_proof`` does not match HMAC-SHA256(app secret, token)."""
    return GraphError(
        100,
        "Invalid appsecret_proof provided in the API argument",
        type_="GraphMethodException",
    )


# ---- paths and parameters (100, 2500) ------------------------------------------------------


def unsupported_request(method: str, object_id: str) -> GraphError:
    """100/33 GraphMethodException: the object does not exist or this token cannot see it."""
    return GraphError(
        100,
        f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, "
        "cannot be loaded due to missing permissions, or does not support this operation. "
        f"Please read the Graph API documentation at {_GRAPH_DOCS_URL}",
        subcode=33,
        type_="GraphMethodException",
    )


def unknown_path(path: str) -> GraphError:
    """2500: an edge Graph does not know on a known node, or a malformed version prefix."""
    return GraphError(2500, f"Unknown path components: {path}")


def invalid_parameter(detail: str | None = None) -> GraphError:
    """100: a malformed parameter; ``detail`` names it ("(#100) Param x must be ...")."""
    return GraphError(100, f"(#100) {detail}" if detail else "(#100) Invalid parameter")


def missing_parameter(name: str) -> GraphError:
    """100: a required parameter is absent."""
    return invalid_parameter(f"The parameter {name} is required")


def invalid_json(name: str) -> GraphError:
    """100: a body, or a form field meant to hold JSON, is not valid JSON."""
    return invalid_parameter(f"Param {name} must be a valid JSON object")


def param_too_long(name: str, limit: int) -> GraphError:
    """100: a string parameter over its length limit (§2.2's suggested wording)."""
    return invalid_parameter(f"Length of param {name} must be less than or equal to {limit}")


def param_too_many(name: str, limit: int) -> GraphError:
    """100: a list parameter with more elements than allowed."""
    return invalid_parameter(f"Param {name} must contain at most {limit} elements")


def param_too_few(name: str, minimum: int) -> GraphError:
    """100: a list parameter with fewer elements than required."""
    return invalid_parameter(f"Param {name} must contain at least {minimum} elements")


def param_one_of(name: str, allowed: tuple[str, ...], got: object) -> GraphError:
    """100: an enum parameter with a value outside its set (Graph's usual wording)."""
    return invalid_parameter(f'Param {name} must be one of {{{", ".join(allowed)}}} - got "{got}"')


def param_must_be(name: str, what: str) -> GraphError:
    """100: a parameter of the wrong type or form ("must be a valid URL")."""
    return invalid_parameter(f"Param {name} must be {what}")


def nonexisting_field(field: str, node_type: str) -> GraphError:
    """100: ``fields=`` names a field the node does not have."""
    return invalid_parameter(
        f"Tried accessing nonexisting field ({field}) on node type ({node_type})"
    )


def empty_message() -> GraphError:
    """100: a message with neither text nor attachment."""
    return invalid_parameter("Message cannot be empty, must provide valid attachment or text")


def invalid_fbid() -> GraphError:
    """100: an id that is not an FBID."""
    return invalid_parameter("Bad Parameter Error: Invalid FBID")


def invalid_recipient_id() -> GraphError:
    """100: ``recipient.id`` is not a numeric id (e.g. a phone number put in ``id``)."""
    return invalid_parameter('Param recipient[id] must be a valid ID string (e.g., "123")')


def no_matching_user() -> GraphError:
    """100/2018001: the PSID is unknown for this Page (Appendix C)."""
    return GraphError(100, "(#100) No matching user found", subcode=2018001)


def message_and_state() -> GraphError:
    """100/2018014: ``message`` and ``sender_action`` in one call (Appendix C)."""
    return GraphError(
        100, "(#100) Cannot send both message and state at the same time.", subcode=2018014
    )


def invalid_tag() -> GraphError:
    """100: a tag that is not in force at the time of sending."""
    return GraphError(100, "(#100) Invalid tag.")


def tag_requires_message_tag() -> GraphError:
    """100: a ``tag`` without ``messaging_type: MESSAGE_TAG`` (Appendix C)."""
    return GraphError(100, "(#100) Messaging type should be MESSAGE_TAG for tagged messages.")


def deprecated_tag() -> GraphError:
    """100/1893061: an update tag after its retirement on 2026-04-27 (Appendix C)."""
    return GraphError(100, "Invalid parameter", subcode=1893061)


def location_quick_reply() -> GraphError:
    """100: a ``location`` quick reply after its removal (v4.0, 2019-10-29)."""
    return GraphError(
        100,
        "(#100) Location Quick Reply is now deprecated on API 4.0. Please refer to our "
        "Developer Documentation for more info.",
    )


def notification_token_invalid() -> GraphError:
    """100: an unknown or unusable ``notification_messages_token``."""
    return GraphError(100, "(#100) notification_messages_token is invalid")


def notification_token_expired() -> GraphError:
    """100: a recurring-notification token past its lifetime (before 2023-08-10)."""
    return GraphError(100, "(#100) notification_messages_token has expired")


def one_time_token_invalid() -> GraphError:
    """100: an OTN token unknown, used or expired. [UNVERIFIED text; the reference suggests
    a plain "Invalid parameter".]"""
    return GraphError(100, "(#100) Invalid parameter")


# ---- attachments (100/2018xxx) -------------------------------------------------------------


def fetch_failed() -> GraphError:
    """100/2018008: the attachment URL cannot be fetched."""
    return GraphError(
        100,
        "(#100) Failed to fetch the file from the url. Please check the url and try again.",
        subcode=2018008,
    )


def upload_type_mismatch() -> GraphError:
    """100/2018047: the declared attachment type does not match the file."""
    return GraphError(
        100,
        "(#100) Upload attachment failure. The attachment type does not match the file type.",
        subcode=2018047,
    )


def attachment_not_owned() -> GraphError:
    """100/2018074: an ``attachment_id`` that is unknown, expired or another Page's."""
    return GraphError(
        100, "(#100) Possible invalid ID or you do not own the attachment.", subcode=2018074
    )


def attachment_too_large() -> GraphError:
    """100/2018109: over the size limit (25 MB)."""
    return GraphError(100, "(#100) Attachment size exceeds allowable limit", subcode=2018109)


def video_timeout() -> GraphError:
    """100/2018294: a video not fetched within 75 seconds, or corrupted."""
    return GraphError(
        100,
        "(#100) Video upload timed out or video is corrupted. The video must be uploaded "
        "within 75 seconds.",
        subcode=2018294,
    )


def invalid_product_id() -> GraphError:
    """100/2018320: a product template with an unknown product id."""
    return GraphError(100, "(#100) Invalid product id", subcode=2018320)


def product_template_version() -> GraphError:
    """100/2018328: the product template below Graph v8.0."""
    return GraphError(100, "(#100) Product template is not supported below v8.0", subcode=2018328)


# ---- policy and permission (10, 200, 230, 551) ---------------------------------------------


def outside_window() -> GraphError:
    """10/2018278: outside the window with no valid exception (Appendix C)."""
    return GraphError(
        10,
        "(#10) This message is sent outside of allowed window. Learn more about the new "
        f"policy here: {_WINDOW_POLICY_URL}",
        subcode=2018278,
    )


def outside_window_instagram() -> GraphError:
    """10/2534022: the same, on the Instagram path."""
    return GraphError(10, "(#10) This message is sent outside of allowed window.", subcode=2534022)


def news_permission_required() -> GraphError:
    """10/2018065: NON_PROMOTIONAL_SUBSCRIPTION without News Messaging."""
    return GraphError(
        10,
        "(#10) This message is sent outside of allowed window. You need News Messaging "
        "permission to send messages with the NON_PROMOTIONAL_SUBSCRIPTION tag.",
        subcode=2018065,
    )


def recipient_cannot_receive() -> GraphError:
    """10/2018108: the recipient cannot receive messages right now."""
    return GraphError(10, "(#10) They can't receive your messages right now.", subcode=2018108)


def page_restricted() -> GraphError:
    """10/1893063: the Page is temporarily restricted (error added 2026-06-25)."""
    return GraphError(
        10, "(#10) You are temporarily restricted from sending messages.", subcode=1893063
    )


def notifications_stopped() -> GraphError:
    """10/1893015: the person stopped these marketing/recurring messages."""
    return GraphError(
        10,
        "(#10) This user has currently stopped notification messages for this topic",
        subcode=1893015,
    )


def optin_requests_barred() -> GraphError:
    """10/1404170: the Page may not send marketing opt-in requests for now."""
    return GraphError(
        10, "(#10) Application does not have permission for this action", subcode=1404170
    )


def user_thread_impact() -> GraphError:
    """10/2018336: thread-level impact check of the user-level menu API."""
    return GraphError(10, "(#10) User Thread Impact", subcode=2018336)


def permission_denied(
    detail: str = "Application does not have permission for this action",
) -> GraphError:
    """10: the app lacks a permission or feature (pages_messaging, human_agent, ...)."""
    return GraphError(10, f"(#10) {detail}")


def thread_controlled_by_other_app() -> GraphError:
    """10/2018300: Conversation Routing gives this thread to another app."""
    return GraphError(
        10,
        "(#10) Message failed to send because another app is controlling this thread now.",
        subcode=2018300,
    )


def automated_qa_flow() -> GraphError:
    """10/2018321: Messenger controls the chat during an automated Q&A flow."""
    return GraphError(
        10, "(#10) Chat controlled by Messenger during an automated Q&A flow", subcode=2018321
    )


def receivers_only() -> GraphError:
    """10/2018171: legacy handover, only for primary and secondary receivers."""
    return GraphError(
        10, "(#10) Only available to Primary and Secondary Receivers.", subcode=2018171
    )


def not_thread_owner() -> GraphError:
    """100/2534037: a routing action by an app that does not own the thread."""
    return GraphError(
        100, "(#100) The action is invalid since it's not the thread owner.", subcode=2534037
    )


def person_not_receiving() -> GraphError:
    """551: the person blocked the Page (variant without subcode)."""
    return GraphError(551, "(#551) This person isn't receiving messages from you right now.")


def person_unavailable() -> GraphError:
    """551/1545041: blocked, deactivated or unreachable (Appendix C)."""
    return GraphError(551, "(#551) This person isn't available right now.", subcode=1545041)


def message_not_sent_unavailable() -> GraphError:
    """200/1545041: the listed variant of the same."""
    return GraphError(
        200, "(#200) Message Not Sent: This person isn't available right now.", subcode=1545041
    )


def dev_mode_recipient() -> GraphError:
    """200/2018028: a development-mode app messaging someone without a role on it."""
    return GraphError(
        200,
        "(#200) Cannot message users who are not admins, developers or testers of the app "
        "until pages_messaging permission is reviewed and the app is live.",
        subcode=2018028,
    )


def phone_matching_fee() -> GraphError:
    """200/2018021: customer matching without the access fee."""
    return GraphError(
        200,
        "(#200) Requires phone matching access fee to be paid by this page unless the "
        "recipient user is an admin, developer, or tester of the app.",
        subcode=2018021,
    )


def phone_number_permission() -> GraphError:
    """230 (HTTP 403): a ``phone_number`` recipient without the permission."""
    return GraphError(
        230,
        "(#230) Requires pages_messaging_phone_number permission to manage the object",
        status=403,
    )


def abusive_action() -> GraphError:
    """368: the action is deemed abusive or otherwise disallowed."""
    return GraphError(
        368, "(#368) The action attempted has been deemed abusive or is otherwise disallowed"
    )


def commerce_disabled() -> GraphError:
    """2022: the ability to send (commerce) messages is temporarily disabled."""
    return GraphError(
        2022,
        "(#2022) The ability to send commerce messages has been temporarily disabled for "
        "this Page.",
    )


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


# ---- private replies, profile, misc --------------------------------------------------------


def activity_already_replied() -> GraphError:
    """10900: a second private reply to the same comment or post (Appendix C)."""
    return GraphError(10900, "(#10900) Activity already replied to")


def cannot_reply_to_activity() -> GraphError:
    """10903: no private reply possible (unknown, another Page's, or older than 7 days)."""
    return GraphError(10903, "(#10903) This user cant reply to this activity")


def messages_disabled() -> GraphError:
    """10904: the Page turned messaging off."""
    return GraphError(10904, "(#10904) The page has messages disabled in the settings")


def message_deleted() -> GraphError:
    """100/9000001: reply_to or react on a deleted message. [code UNVERIFIED: the reference
    gives the subcode only]"""
    return GraphError(
        100, "This Message has been deleted by the user or the business.", subcode=9000001
    )


def instant_game_limit() -> GraphError:
    """200/2018144: Instant Games, 5 notifications within 10 days. [code UNVERIFIED]"""
    return GraphError(
        200,
        "(#200) Could not send Instant Game message, only 5 notifications can be sent within "
        "10 days since they last played.",
        subcode=2018144,
    )


def invalid_account_linking_token() -> GraphError:
    """10303: account linking."""
    return GraphError(10303, "(#10303) Invalid account_linking_token")


def no_profile() -> GraphError:
    """100/2018218: no profile for this user (User Profile API). [code UNVERIFIED]"""
    return GraphError(100, "(#100) No profile available for this user.", subcode=2018218)


def profile_permission() -> GraphError:
    """10/2018247: not allowed to read this profile. [code UNVERIFIED]"""
    return GraphError(10, "(#10) Insufficient permission to access user profile.", subcode=2018247)


def instagram_not_linked() -> GraphError:
    """100/2534013: the Page has no linked Instagram account."""
    return GraphError(
        100, "(#100) The page is not linked to an Instagram account.", subcode=2534013
    )


def instagram_no_user() -> GraphError:
    """100/2534014: no matching Instagram user."""
    return GraphError(100, "(#100) No matching Instagram user", subcode=2534014)


def instagram_invalid_message() -> GraphError:
    """100/2534015: invalid message data (Instagram)."""
    return GraphError(100, "(#100) Invalid message data", subcode=2534015)


def instagram_dms_disabled() -> GraphError:
    """200/2534041: the account owner disabled access to Instagram direct messages."""
    return GraphError(
        200,
        "(#200) The account owner has disabled access to instagram direct messages",
        subcode=2534041,
    )


# ---- errors configured by hand (failure injection) -----------------------------------------

#: Builders without arguments, first match wins for a (code, subcode) pair, so that a bare
#: ``{"code": 100}`` reads "(#100) Invalid parameter" and ``{"code": 551}`` the Appendix C text.
_BUILDERS: tuple[Callable[[], GraphError], ...] = (
    invalid_token, token_expired, token_password_changed, token_invalid_session,
    token_required, invalid_parameter, no_matching_user, message_and_state, deprecated_tag,
    fetch_failed, upload_type_mismatch, attachment_not_owned, attachment_too_large,
    video_timeout, invalid_product_id, product_template_version, outside_window,
    outside_window_instagram, news_permission_required, recipient_cannot_receive,
    page_restricted, notifications_stopped, optin_requests_barred, user_thread_impact,
    permission_denied, thread_controlled_by_other_app, automated_qa_flow, receivers_only,
    not_thread_owner, person_unavailable, person_not_receiving, message_not_sent_unavailable,
    dev_mode_recipient, phone_matching_fee, phone_number_permission, abusive_action,
    commerce_disabled, rate_limited, rate_limited_instagram, tag_abuse, duplicate_optin_request,
    app_request_limit, phone_send_limit, notification_frequency, too_many_actions,
    page_request_limit, page_account_limit, messenger_quota_reached,
    marketing_recipient_unavailable, temporary_send_failure, unexpected_error, unknown_error,
    invalid_json_reply, activity_already_replied, cannot_reply_to_activity, messages_disabled,
    message_deleted, instant_game_limit, invalid_account_linking_token, no_profile,
    profile_permission, instagram_not_linked, instagram_no_user, instagram_invalid_message,
    instagram_dms_disabled,
)  # fmt: skip

_BY_CODE: dict[tuple[int, int | None], Callable[[], GraphError]] = {}


def known_errors() -> dict[tuple[int, int | None], Callable[[], GraphError]]:
    """(code, subcode) -> the catalogue's builder for it."""
    if not _BY_CODE:
        for builder in _BUILDERS:
            error = builder()
            _BY_CODE.setdefault((error.code, error.subcode), builder)
    return _BY_CODE


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def from_spec(spec: Any) -> GraphError:
    """A ``GraphError`` from ``{"code", "error_subcode"?, "message"?, "type"?, "status"?}``.

    Known (code, subcode) pairs take the catalogue's wording and status unless given. A spec
    that is not an object or has no usable code gives the transient code 2.
    """
    if not isinstance(spec, dict):
        return unexpected_error()
    code = _as_int(spec.get("code"))
    if code is None:
        return unexpected_error()
    subcode = _as_int(spec.get("error_subcode"))
    builder = known_errors().get((code, subcode))
    base = builder() if builder else GraphError(code, f"(#{code}) Error", subcode=subcode)
    status = _as_int(spec.get("status"))
    message = spec.get("message")
    type_ = spec.get("type")
    return GraphError(
        code,
        message if isinstance(message, str) else base.message,
        subcode=subcode,
        type_=type_ if isinstance(type_, str) else base.type,
        status=status if status is not None and 400 <= status <= 599 else base.status,
        is_transient=base.is_transient,
    )
