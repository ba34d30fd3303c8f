"""The ``recipient`` of a Send API call (reference §2.3): exactly one form, resolved to a person.

``id`` (a PSID of this Page), ``one_time_notif_token``, ``notification_messages_token``,
``comment_id`` or ``post_id`` (private replies). ``user_ref``, ``login_id`` and
``phone_number`` are recognised; the emulator has no such people, so they find nobody (and
``phone_number`` needs a permission the emulated app does not have).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from comptoir.emulator import catalogue
from comptoir.emulator.errors import GraphError
from comptoir.emulator.graph import fields
from comptoir.emulator.state import (
    EmulatorState,
    NotificationToken,
    Page,
    Person,
    PrivateReplyRight,
)

Form = Literal["id", "one_time_notif_token", "notification_messages_token", "comment_id", "post_id"]

FORMS = (
    "id",
    "one_time_notif_token",
    "notification_messages_token",
    "comment_id",
    "post_id",
    "user_ref",
    "login_id",
    "phone_number",
)


@dataclass(slots=True)
class Recipient:
    form: Form
    person: Person
    token: NotificationToken | None = None
    private_reply: PrivateReplyRight | None = None


def parse_recipient(value: dict[str, Any] | None) -> tuple[str, Any]:
    """(form, value) of a recipient object; 100 when absent, empty or ambiguous."""
    if value is None:
        raise catalogue.missing_parameter("recipient")
    given = [key for key in FORMS if value.get(key) not in (None, "")]
    if not given:
        raise catalogue.invalid_parameter("Param recipient must contain one of " + ", ".join(FORMS))
    if len(given) > 1:
        raise catalogue.invalid_parameter(
            "Param recipient must contain only one of " + ", ".join(given)
        )
    return given[0], value[given[0]]


def resolve_recipient(state: EmulatorState, page: Page, form: str, value: Any) -> Recipient:
    if form == "id":
        psid = fields.numeric_id(value)
        if psid is None:
            raise catalogue.invalid_recipient_id()
        return Recipient("id", _person(state, page, psid, catalogue.no_matching_user()))
    if form in ("user_ref", "login_id"):
        raise catalogue.no_matching_user()
    if form == "phone_number":
        if "phone_number_matching" not in page.features:
            raise catalogue.phone_number_permission()
        raise catalogue.no_matching_user()
    if form == "one_time_notif_token":
        token = _token(state, page, value, "one_time_notif")
        if token is None:
            raise catalogue.one_time_token_invalid()
        person = _person(state, page, token.psid, catalogue.one_time_token_invalid())
        return Recipient("one_time_notif_token", person, token=token)
    if form == "notification_messages_token":
        token = _token(state, page, value, "notification_messages")
        if token is None:
            raise catalogue.notification_token_invalid()
        person = _person(state, page, token.psid, catalogue.notification_token_invalid())
        return Recipient("notification_messages_token", person, token=token)
    # comment_id or post_id: a private reply (§3.5).
    right = state.private_replies.get(str(value))
    if right is None or right.page_id != page.page_id:
        raise catalogue.cannot_reply_to_activity()
    person = _person(state, page, right.psid, catalogue.cannot_reply_to_activity())
    kind: Form = "comment_id" if form == "comment_id" else "post_id"
    return Recipient(kind, person, private_reply=right)


def _token(state: EmulatorState, page: Page, value: Any, kind: str) -> NotificationToken | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    token = state.tokens.get(str(value))
    if token is None or token.kind != kind or token.page_id != page.page_id:
        return None
    return token


def _person(state: EmulatorState, page: Page, psid: str, error: GraphError) -> Person:
    person = state.person(page.page_id, psid)
    if person is None:
        raise error
    return person
