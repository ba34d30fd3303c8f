"""Step 6 of the Send API checks: may this message reach this person now? (reference §3)

The decision follows the reference's table (§3.7), with every time limit read from the dated
rules in force at the emulator's clock (``comptoir.emulator.rules``):

* one-time notification token: unused, at most a year old, feature configured;
* marketing-messages token on the Send API (legacy recurring notifications): active, not
  stopped, its minimum interval respected, the path not yet shut down;
* comment or post: one private reply, within 7 days;
* ``MESSAGE_TAG``: what the tag allows (HUMAN_AGENT: 7 days after the person's last message and
  the Human Agent feature; update tags: any time until their retirement);
* utility template: outside the window too, with the utility-messaging feature;
* otherwise (``RESPONSE``, ``UPDATE``, omitted, sender actions, opt-in requests): the standard
  window, plus before 2020-03-04 the single "24 + 1" message after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from comptoir.emulator import catalogue, rules
from comptoir.emulator.config import Features
from comptoir.emulator.graph.recipients import Recipient
from comptoir.emulator.graph.templates import OptInSpec
from comptoir.emulator.state import EmulatorState, Page, Person


@dataclass(slots=True)
class Decision:
    """What the send may do, and what it will use up when it succeeds."""

    #: The "24 + 1" extra message is being used (before 2020-03-04).
    plus_one: bool = False


@dataclass(slots=True)
class Situation:
    page: Page
    recipient: Recipient
    messaging_type: str
    tag: str | None
    utility: bool
    optin: OptInSpec | None
    text_only: bool
    now: datetime
    now_ms: int


def check_policy(
    situation: Situation,
    state: EmulatorState,
    features: Features,
    plus_one_used: dict[tuple[str, str], int],
) -> Decision:
    recipient = situation.recipient
    person = recipient.person
    if recipient.form == "one_time_notif_token":
        _check_one_time_token(situation, features)
        return Decision()
    if recipient.form == "notification_messages_token":
        _check_marketing_token(situation)
        return Decision()
    if recipient.form in ("comment_id", "post_id"):
        _check_private_reply(situation)
        return Decision()
    if situation.optin is not None:
        # Opt-in requests go inside the window only (§9.1, §9.2), whatever the type says.
        _require_window(situation, plus_one_used, allow_plus_one=False)
        _check_duplicate_optin(situation, state)
        return Decision()
    if situation.messaging_type == "MESSAGE_TAG" and situation.tag is not None:
        _check_tag(situation.page, person, situation.tag, situation.now, situation.now_ms)
        return Decision()
    if situation.utility:
        if "utility_messaging" not in situation.page.features:
            raise catalogue.permission_denied(
                "Utility messages require the page_utility_messaging permission"
            )
        if rules.value_at("utility.outside_window", situation.now, False):
            return Decision()
    return _require_window(situation, plus_one_used, allow_plus_one=True)


def window_open(person: Person, now_ms: int) -> bool:
    return rules.within(person.last_qualifying_action_ms, person.window_seconds, now_ms)


def _require_window(
    situation: Situation, plus_one_used: dict[tuple[str, str], int], *, allow_plus_one: bool
) -> Decision:
    person = situation.recipient.person
    if window_open(person, situation.now_ms):
        return Decision()
    last = person.last_qualifying_action_ms
    if (
        allow_plus_one
        and last is not None
        and last <= situation.now_ms
        and rules.value_at("window.plus_one", situation.now, False)
        and plus_one_used.get((person.page_id, person.psid)) != last
    ):
        return Decision(plus_one=True)
    raise catalogue.outside_window()


def _check_tag(page: Page, person: Person, tag: str, now: datetime, now_ms: int) -> None:
    policy = rules.tag_policy(tag, now)
    if policy is None:
        raise catalogue.invalid_tag()
    if policy.retired:
        raise catalogue.deprecated_tag()
    if policy.feature is not None and policy.feature not in page.features:
        if policy.feature == "news_messaging":
            raise catalogue.news_permission_required()
        # A tag the app may not use is an exception that does not apply: outside the window.
        raise catalogue.outside_window()
    if policy.max_age_seconds is not None and not rules.within(
        person.last_user_message_ms, policy.max_age_seconds, now_ms
    ):
        raise catalogue.outside_window()


def _check_one_time_token(situation: Situation, features: Features) -> None:
    token = situation.recipient.token
    assert token is not None
    now = situation.now
    if not features.one_time_notifications or not rules.value_at("otn.available", now, False):
        raise catalogue.one_time_token_invalid()
    lifetime = float(rules.value_at("otn.token_lifetime", now, 0.0))
    if token.used_ms is not None or not rules.within(token.created_ms, lifetime, situation.now_ms):
        raise catalogue.one_time_token_invalid()


def _check_marketing_token(situation: Situation) -> None:
    token = situation.recipient.token
    assert token is not None
    now, now_ms = situation.now, situation.now_ms
    if not rules.value_at("rn.available", now, False):
        raise catalogue.notification_token_invalid()
    if token.status == "stopped" or situation.recipient.person.stopped_marketing:
        raise catalogue.notifications_stopped()
    lifetime = rules.value_at("rn.token_lifetime", now)
    if lifetime is not None and not rules.within(token.created_ms, float(lifetime), now_ms):
        raise catalogue.notification_token_expired()
    interval = float(rules.value_at("rn.min_interval", now, 0.0))
    last = token.last_sent_ms
    if last is not None and last <= now_ms and now_ms - last < interval * 1000:
        raise catalogue.notification_frequency()


def _check_private_reply(situation: Situation) -> None:
    right = situation.recipient.private_reply
    assert right is not None
    now = situation.now
    if right.used:
        raise catalogue.activity_already_replied()
    max_age = float(rules.value_at("private_reply.max_age", now, 0.0))
    if not rules.within(right.created_ms, max_age, situation.now_ms):
        raise catalogue.cannot_reply_to_activity()
    if not situation.text_only and rules.value_at("private_reply.text_only", now, False):
        raise catalogue.invalid_parameter("Private replies can only contain text")


def _check_duplicate_optin(situation: Situation, state: EmulatorState) -> None:
    """One opt-in request with a given title per person per week (613/1893016)."""
    optin = situation.optin
    assert optin is not None
    if optin.kind != "notification_messages":
        return
    interval = rules.value_at("rn.optin_same_title_interval", situation.now)
    if interval is None:
        return
    person = situation.recipient.person
    for request in state.optin_requests.values():
        if (
            request.page_id == person.page_id
            and request.psid == person.psid
            and request.kind == optin.kind
            and request.title == optin.title
            and 0 <= situation.now_ms - request.created_ms < float(interval) * 1000
        ):
            raise catalogue.duplicate_optin_request()
