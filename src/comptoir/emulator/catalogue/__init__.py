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

from comptoir.emulator.catalogue.limits import (
    app_request_limit,
    duplicate_optin_request,
    invalid_json_reply,
    marketing_recipient_unavailable,
    messenger_quota_reached,
    notification_frequency,
    page_account_limit,
    page_request_limit,
    phone_send_limit,
    rate_limited,
    rate_limited_instagram,
    tag_abuse,
    temporary_send_failure,
    too_many_actions,
    unexpected_error,
    unknown_error,
)
from comptoir.emulator.catalogue.policy import (
    abusive_action,
    activity_already_replied,
    automated_qa_flow,
    cannot_reply_to_activity,
    commerce_disabled,
    dev_mode_recipient,
    instagram_dms_disabled,
    instagram_invalid_message,
    instagram_no_user,
    instagram_not_linked,
    instant_game_limit,
    invalid_account_linking_token,
    message_deleted,
    message_not_sent_unavailable,
    messages_disabled,
    news_permission_required,
    no_profile,
    not_thread_owner,
    notifications_stopped,
    optin_requests_barred,
    outside_window,
    outside_window_instagram,
    page_restricted,
    permission_denied,
    person_not_receiving,
    person_unavailable,
    phone_matching_fee,
    phone_number_permission,
    profile_permission,
    receivers_only,
    recipient_cannot_receive,
    thread_controlled_by_other_app,
    user_thread_impact,
)
from comptoir.emulator.catalogue.requests import (
    app_token_required,
    attachment_not_owned,
    attachment_too_large,
    callback_verification_failed,
    deprecated_tag,
    empty_message,
    fetch_failed,
    invalid_appsecret_proof,
    invalid_fbid,
    invalid_json,
    invalid_parameter,
    invalid_product_id,
    invalid_recipient_id,
    invalid_tag,
    invalid_token,
    location_quick_reply,
    message_and_state,
    missing_parameter,
    no_matching_user,
    nonexisting_field,
    notification_token_expired,
    notification_token_invalid,
    one_time_token_invalid,
    param_must_be,
    param_one_of,
    param_too_few,
    param_too_long,
    param_too_many,
    product_template_version,
    tag_requires_message_tag,
    token_expired,
    token_invalid_session,
    token_password_changed,
    token_required,
    unknown_path,
    unsupported_request,
    upload_type_mismatch,
    video_timeout,
)
from comptoir.emulator.errors import GraphError

__all__ = [
    "abusive_action",
    "activity_already_replied",
    "app_request_limit",
    "app_token_required",
    "attachment_not_owned",
    "attachment_too_large",
    "automated_qa_flow",
    "callback_verification_failed",
    "cannot_reply_to_activity",
    "commerce_disabled",
    "deprecated_tag",
    "dev_mode_recipient",
    "duplicate_optin_request",
    "empty_message",
    "fetch_failed",
    "from_spec",
    "instagram_dms_disabled",
    "instagram_invalid_message",
    "instagram_no_user",
    "instagram_not_linked",
    "instant_game_limit",
    "invalid_account_linking_token",
    "invalid_appsecret_proof",
    "invalid_fbid",
    "invalid_json",
    "invalid_json_reply",
    "invalid_parameter",
    "invalid_product_id",
    "invalid_recipient_id",
    "invalid_tag",
    "invalid_token",
    "known_errors",
    "location_quick_reply",
    "marketing_recipient_unavailable",
    "message_and_state",
    "message_deleted",
    "message_not_sent_unavailable",
    "messages_disabled",
    "messenger_quota_reached",
    "missing_parameter",
    "news_permission_required",
    "no_matching_user",
    "no_profile",
    "nonexisting_field",
    "not_thread_owner",
    "notification_frequency",
    "notification_token_expired",
    "notification_token_invalid",
    "notifications_stopped",
    "one_time_token_invalid",
    "optin_requests_barred",
    "outside_window",
    "outside_window_instagram",
    "page_account_limit",
    "page_request_limit",
    "page_restricted",
    "param_must_be",
    "param_one_of",
    "param_too_few",
    "param_too_long",
    "param_too_many",
    "permission_denied",
    "person_not_receiving",
    "person_unavailable",
    "phone_matching_fee",
    "phone_number_permission",
    "phone_send_limit",
    "product_template_version",
    "profile_permission",
    "rate_limited",
    "rate_limited_instagram",
    "receivers_only",
    "recipient_cannot_receive",
    "tag_abuse",
    "tag_requires_message_tag",
    "temporary_send_failure",
    "thread_controlled_by_other_app",
    "token_expired",
    "token_invalid_session",
    "token_password_changed",
    "token_required",
    "too_many_actions",
    "unexpected_error",
    "unknown_error",
    "unknown_path",
    "unsupported_request",
    "upload_type_mismatch",
    "user_thread_impact",
    "video_timeout",
]

# ---- errors configured by hand (failure injection) -----------------------------------------

#: Builders without arguments, first match wins for a (code, subcode) pair, so that a bare
#: ``{"code": 100}`` reads "(#100) Invalid parameter" and ``{"code": 551}`` the Appendix C text.
_BUILDERS: tuple[Callable[[], GraphError], ...] = (
    invalid_token, token_expired, token_password_changed, token_invalid_session,
    token_required, app_token_required, invalid_parameter, no_matching_user, message_and_state,
    deprecated_tag,
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
