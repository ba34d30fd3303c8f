"""The emulator's world: apps, Pages, people, threads, tokens, uploads, and its logs.

Everything lives in memory in plain dataclasses and is mutated only from the event loop (no
``await`` in the middle of a mutation), so no locks are needed. With ``--data-dir`` the
``persistence`` module writes the durable parts (Pages, people, threads, tokens, uploads) to
SQLite and loads them back at start.

Identifiers look like Meta's: numeric strings for Pages, apps and PSIDs; ``m_...`` for message
ids. Timestamps are milliseconds since the epoch, from the emulator's own clock.
"""

from __future__ import annotations

import itertools
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

#: The Page inbox's app id (Meta Business Suite), used as ``app_id`` on echoes of messages a
#: person types in Meta's own inbox, and as a thread owner in handover. [UNVERIFIED value
#: for echoes, see reference §1.5.2; it is the documented handover id.]
PAGE_INBOX_APP_ID = "263902037430900"

Sender = Literal["user", "page"]
TokenKind = Literal["one_time_notif", "notification_messages"]


@dataclass(slots=True)
class Page:
    page_id: str
    name: str
    app_id: str
    app_secret: str
    access_token: str
    webhook_url: str | None = None
    verify_token: str | None = None
    #: Fields the app subscribed to for this Page (``subscribed_apps``), e.g. ["messages"].
    subscribed_fields: list[str] = field(default_factory=list)
    #: Whether the app is installed on the Page (``POST /{page-id}/subscribed_apps``). The
    #: control API's ``webhook_url`` also installs it, so a plain emulator setup just works.
    app_installed: bool = False
    #: Whether the callback passed the last verification handshake.
    webhook_verified: bool = False
    #: Messenger Profile properties (get_started, greeting, ...), as last set.
    profile: dict[str, Any] = field(default_factory=dict)
    #: Features granted to the app for this Page: human_agent, utility_messaging,
    #: one_time_notif, marketing_messages, news_messaging.
    features: set[str] = field(
        default_factory=lambda: {"human_agent", "utility_messaging", "marketing_messages"}
    )
    #: Restriction after policy enforcement: no sends until this time (ms), error 10/1893063.
    restricted_until_ms: int | None = None
    #: Utility templates by name: {"name", "language", "category", "status", "components"}.
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Ids of other apps that may own threads (Page inbox by default).
    created_ms: int = 0


@dataclass(slots=True)
class Person:
    """A simulated person, as seen by one Page (a PSID is page-scoped)."""

    psid: str
    page_id: str
    first_name: str
    last_name: str
    locale: str = "en_US"
    timezone: float = 0
    profile_pic: str = ""
    #: The person blocked the Page: every send gets 551/1545041.
    blocked: bool = False
    #: The person tapped "stop" on marketing messages (all topics).
    stopped_marketing: bool = False
    #: The person has an existing thread with the Page (a referral then arrives on its own).
    has_thread: bool = False
    #: Last message the person sent (HUMAN_AGENT counts 7 days from it).
    last_user_message_ms: int | None = None
    #: Last qualifying action and the window it opened (reference §3.1).
    last_qualifying_action_ms: int | None = None
    window_seconds: float = 24 * 3600
    #: Conversation routing: app that owns the thread, and when that control expires (ms).
    thread_owner_app_id: str | None = None
    thread_owner_expires_ms: int | None = None
    created_ms: int = 0


@dataclass(slots=True)
class ThreadItem:
    """One message in a thread, either direction, as the person's phone shows it."""

    mid: str
    page_id: str
    psid: str
    sender: Sender
    timestamp_ms: int
    text: str | None = None
    quick_replies: list[dict[str, Any]] | None = None
    attachment: dict[str, Any] | None = None
    #: The payload the person sent with it (quick reply or postback), if any.
    payload: str | None = None
    #: For the Page's messages: the sending app and the ``metadata`` of the send request.
    app_id: str | None = None
    metadata: str | None = None
    messaging_type: str | None = None
    tag: str | None = None
    #: Reactions on this message: {"user": "love"}.
    reactions: dict[str, str] = field(default_factory=dict)
    delivered: bool = False
    read: bool = False


@dataclass(slots=True)
class NotificationToken:
    token: str
    kind: TokenKind
    page_id: str
    psid: str
    created_ms: int
    title: str = ""
    payload: str = ""
    timezone: str = "UTC"
    #: active or stopped (the person stopped these messages).
    status: Literal["active", "stopped"] = "active"
    #: One-time tokens: when used (single use). Marketing tokens: last send (1 per 12 h).
    used_ms: int | None = None
    last_sent_ms: int | None = None
    #: The message that carried the opt-in request, so a tap on it can be emulated.
    request_mid: str | None = None


@dataclass(slots=True)
class OptInRequest:
    """An opt-in request the Page sent (notification_messages or one_time_notif_req)."""

    mid: str
    page_id: str
    psid: str
    kind: TokenKind
    title: str
    payload: str
    timezone: str
    created_ms: int
    token: str | None = None


@dataclass(slots=True)
class Upload:
    attachment_id: str
    page_id: str
    type: str
    url: str | None
    created_ms: int
    is_reusable: bool = True


@dataclass(slots=True)
class SendRecord:
    """One Graph API call the Page's app made (``GET /_emulator/pages/{id}/sent``)."""

    time_ms: int
    page_id: str
    path: str
    request: dict[str, Any]
    status: int
    response: dict[str, Any]


@dataclass(slots=True)
class WebhookDelivery:
    """One POST (or attempts at one) to a Page's callback."""

    delivery_id: int
    page_id: str
    created_ms: int
    body: dict[str, Any]
    status: Literal["pending", "delivered", "retrying", "failed"] = "pending"
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = None
    next_attempt_ms: int | None = None
    delivered_ms: int | None = None


@dataclass(slots=True)
class PrivateReplyRight:
    """A comment or visitor post that allows exactly one private reply within 7 days."""

    object_id: str
    page_id: str
    psid: str
    created_ms: int
    used: bool = False


_LOG_LIMIT = 100_000


@dataclass
class EmulatorState:
    pages: dict[str, Page] = field(default_factory=dict)
    #: (page_id, psid) -> Person
    people: dict[tuple[str, str], Person] = field(default_factory=dict)
    #: (page_id, psid) -> thread items, oldest first
    threads: dict[tuple[str, str], list[ThreadItem]] = field(default_factory=dict)
    #: mid -> item, for reactions, replies and receipts
    messages: dict[str, ThreadItem] = field(default_factory=dict)
    tokens: dict[str, NotificationToken] = field(default_factory=dict)
    optin_requests: dict[str, OptInRequest] = field(default_factory=dict)
    uploads: dict[str, Upload] = field(default_factory=dict)
    private_replies: dict[str, PrivateReplyRight] = field(default_factory=dict)
    #: Logs, bounded so a long benchmark does not grow memory without end.
    sent: deque[SendRecord] = field(default_factory=lambda: deque(maxlen=_LOG_LIMIT))
    webhooks: deque[WebhookDelivery] = field(default_factory=lambda: deque(maxlen=_LOG_LIMIT))
    #: Page access token -> page_id
    tokens_to_pages: dict[str, str] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # ---- identifiers -------------------------------------------------------------------

    def new_numeric_id(self, prefix: str) -> str:
        """A Meta-like numeric id: a fixed prefix then a counter (unique within the state)."""
        return f"{prefix}{next(self._ids):010d}"

    def new_mid(self) -> str:
        return "m_" + secrets.token_urlsafe(24)

    # ---- lookups -------------------------------------------------------------------------

    def page_for_token(self, token: str) -> Page | None:
        page_id = self.tokens_to_pages.get(token)
        return self.pages.get(page_id) if page_id else None

    def person(self, page_id: str, psid: str) -> Person | None:
        return self.people.get((page_id, psid))

    def thread(self, page_id: str, psid: str) -> list[ThreadItem]:
        return self.threads.setdefault((page_id, psid), [])

    # ---- mutations -----------------------------------------------------------------------

    def add_page(self, page: Page) -> Page:
        self.pages[page.page_id] = page
        self.tokens_to_pages[page.access_token] = page.page_id
        return page

    def add_person(self, person: Person) -> Person:
        self.people[(person.page_id, person.psid)] = person
        self.threads.setdefault((person.page_id, person.psid), [])
        return person

    def add_item(self, item: ThreadItem) -> ThreadItem:
        self.thread(item.page_id, item.psid).append(item)
        self.messages[item.mid] = item
        return item

    def clear(self) -> None:
        self.pages.clear()
        self.people.clear()
        self.threads.clear()
        self.messages.clear()
        self.tokens.clear()
        self.optin_requests.clear()
        self.uploads.clear()
        self.private_replies.clear()
        self.sent.clear()
        self.webhooks.clear()
        self.tokens_to_pages.clear()
