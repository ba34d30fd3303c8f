"""Errors about the call itself: token, path, parameters, attachments (§4.2)."""

from __future__ import annotations

from comptoir.emulator.errors import GraphError

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


def app_token_required() -> GraphError:
    """15: an app-level call (``/{app-id}/subscriptions``) made with another kind of token."""
    return GraphError(15, "(#15) This method must be called with an app access_token.")


def callback_verification_failed(detail: str) -> GraphError:
    """2200: the callback did not pass Meta's GET handshake when subscribing."""
    return GraphError(2200, f"(#2200) callback verification failed: {detail}")


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
