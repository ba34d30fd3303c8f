"""Making the emulator's world: Pages with their app, people, callbacks, routing, enforcement.

The control API and the ``comptoir emulator --demo`` command both build the world through
these functions. Identifiers are random numeric strings, as Meta's are, drawn with
``secrets`` so that a restart with ``--data-dir`` never reuses one; tokens and app secrets
are random too.
"""

from __future__ import annotations

import secrets
import string
from typing import TYPE_CHECKING, Any, Literal

from comptoir.emulator.clock import EmulatorClock
from comptoir.emulator.state import EmulatorState, Page, Person
from comptoir.emulator.webhooks import HandshakeResult

if TYPE_CHECKING:
    from comptoir.emulator.core import Emulator

#: Subscription fields a Page's app may subscribe to (reference §1.5, plus ``feed``).
WEBHOOK_FIELDS: tuple[str, ...] = (
    "messages",
    "message_deliveries",
    "message_echoes",
    "message_edits",
    "message_reactions",
    "message_reads",
    "messaging_account_linking",
    "messaging_feedback",
    "messaging_game_plays",
    "messaging_handovers",
    "messaging_optins",
    "messaging_policy_enforcement",
    "messaging_postbacks",
    "messaging_referrals",
    "messenger_template_status_update",
    "response_feedback",
    "send_cart",
    "standby",
    "feed",
)

#: Features Meta grants an app on a Page (App Review / Page settings).
PAGE_FEATURES: tuple[str, ...] = (
    "human_agent",
    "utility_messaging",
    "one_time_notif",
    "marketing_messages",
    "news_messaging",
)

#: Meta's text for a block (Appendix A.14).
DEFAULT_ENFORCEMENT_REASON = (
    "The bot violated our Platform Policies "
    "(https://developers.facebook.com/devpolicy/#messengerplatform). Common violations include "
    "sending out excessive spammy messages or being non-functional."
)

#: A block without a number of days lasts until an explicit unblock.
_INDEFINITE_MS = 100 * 365 * 24 * 3600 * 1000

_TOKEN_ALPHABET = string.ascii_letters + string.digits


def random_digits(prefix: str, length: int) -> str:
    """``prefix`` followed by random digits, ``length`` characters in all."""
    return prefix + "".join(str(secrets.randbelow(10)) for _ in range(length - len(prefix)))


def _unique(prefix: str, length: int, taken: Any) -> str:
    while True:
        value = random_digits(prefix, length)
        if value not in taken:
            return value


def create_page(state: EmulatorState, clock: EmulatorClock, name: str) -> Page:
    """A new Page with its own app (id and secret) and Page access token."""
    page_ids = set(state.pages)
    app_ids = {p.app_id for p in state.pages.values()}
    page = Page(
        page_id=_unique("1040", 15, page_ids),
        name=name,
        app_id=_unique("1517", 16, app_ids | page_ids),
        app_secret=secrets.token_hex(16),
        access_token="EAA" + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(120)),
        created_ms=clock.now_ms(),
    )
    return state.add_page(page)


def create_person(
    state: EmulatorState,
    clock: EmulatorClock,
    page: Page,
    first_name: str,
    last_name: str,
    locale: str = "en_US",
    timezone: float = 0.0,
) -> Person:
    """A new person who can write to ``page`` (a PSID is scoped to one Page)."""
    taken = {psid for (_, psid) in state.people}
    person = Person(
        psid=_unique("61", 16, taken),
        page_id=page.page_id,
        first_name=first_name,
        last_name=last_name,
        locale=locale,
        timezone=timezone,
        created_ms=clock.now_ms(),
    )
    return state.add_person(person)


async def subscribe_webhook(
    emulator: Emulator, page: Page, url: str, verify_token: str, fields: list[str] | None
) -> HandshakeResult:
    """Run Meta's GET handshake on ``url`` and subscribe the Page's app to its callback.

    The callback is kept even when the handshake fails (Meta's dashboard would refuse to
    save it), so a callback that starts after the emulator still receives events; the
    result is reported and shown as ``webhook_verified``.
    """
    result = await emulator.webhooks.verify_callback(url, verify_token)
    page.webhook_url = url
    page.verify_token = verify_token
    page.subscribed_fields = list(fields) if fields is not None else []
    page.app_installed = True
    page.webhook_verified = result.verified
    emulator.webhooks.forget_failures(page.page_id)
    return result


def policy_enforcement(
    page: Page,
    clock: EmulatorClock,
    action: Literal["warning", "block", "unblock"],
    reason: str | None,
    days: float | None,
) -> dict[str, Any]:
    """Meta acts on the Page; returns the ``messaging_policy_enforcement`` event (§1.5.12)."""
    now = clock.now_ms()
    if action == "block":
        span = int(days * 24 * 3600 * 1000) if days is not None else _INDEFINITE_MS
        page.restricted_until_ms = now + span
    elif action == "unblock":
        page.restricted_until_ms = None
    body: dict[str, Any] = {"action": action}
    if action != "unblock":
        body["reason"] = reason or DEFAULT_ENFORCEMENT_REASON
    return {"recipient": {"id": page.page_id}, "timestamp": now, "policy_enforcement": body}


def set_thread_owner(
    page: Page,
    person: Person,
    clock: EmulatorClock,
    app_id: str | None,
    expires_in: int | None,
    metadata: str,
) -> list[dict[str, Any]]:
    """Give the thread to ``app_id`` (None: idle), as the Page inbox or another app would.

    Returns the handover event the Page's app receives: ``pass_thread_control`` when the
    thread comes to it, ``take_thread_control`` when another app takes it; nothing when the
    thread just goes idle or moves between two other apps.
    """
    previous = person.thread_owner_app_id
    now = clock.now_ms()
    person.thread_owner_app_id = app_id
    person.thread_owner_expires_ms = now + expires_in * 1000 if expires_in else None
    if previous == app_id or app_id is None:
        return []
    if app_id == page.app_id:
        key = "pass_thread_control"
    elif previous == page.app_id or previous is None:
        key = "take_thread_control"
    else:
        return []
    body = {"previous_owner_app_id": previous, "new_owner_app_id": app_id, "metadata": metadata}
    return [
        {
            "sender": {"id": person.psid},
            "recipient": {"id": page.page_id},
            "timestamp": now,
            key: body,
        }
    ]
