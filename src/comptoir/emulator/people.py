"""Simulated people: what a person does on their phone, turned into state changes and events.

``People.act(page, person, action)`` validates one action (the JSON object the control API
receives), updates the world and returns the webhook events it causes, in Meta's shapes
(reference §1.5 and Appendix A). Sending them is the dispatcher's job.

Choices where the reference leaves room:

* A referral (m.me link, QR code, ad) on a person with **no thread yet** sends nothing: Meta
  hands the referral to the first postback or message instead (§1.5.8, §7.1). The emulator
  keeps it and attaches it to that first postback (``postback.referral``) or message
  (``message.referral``). On an existing thread it is a ``messaging_referrals`` event that
  resets the window.
* A message whose referral has ``source: "ADS"`` opens the ad window
  (``features.ad_window_hours``); other qualifying actions open ``features.window_hours``.
  The dated rule table (``rules.window_opened_by``) decides whether an action qualifies;
  a window length setting other than the default 24 hours overrides the rule's length.
* Blocking and unblocking send nothing (Meta does not tell the Page); sends then fail with
  551/1545041. A blocked person cannot act until they unblock.
* Tapping an opt-in request creates a numeric token. A second tap on a marketing-messages
  request for the same title gives back the same token with ``user_token_status: REFRESHED``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from comptoir.emulator.clock import EmulatorClock
from comptoir.emulator.config import EmulatorConfig
from comptoir.emulator.rules import window_opened_by
from comptoir.emulator.state import (
    EmulatorState,
    NotificationToken,
    OptInRequest,
    Page,
    Person,
    PrivateReplyRight,
    ThreadItem,
    TokenKind,
)
from comptoir.emulator.webhooks import delivery_event


class ActionError(ValueError):
    """A person's action that cannot be done; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


#: Messenger's reactions and the emoji each shows (reference §1.5.6).
REACTIONS: dict[str, str] = {
    "smile": "\U0001f606",
    "angry": "\U0001f620",
    "sad": "\U0001f622",
    "wow": "\U0001f62e",
    "love": "\u2764\ufe0f",
    "like": "\U0001f44d",
    "dislike": "\U0001f44e",
    "other": "",
}

ATTACHMENT_TYPES = frozenset(
    {"image", "audio", "video", "file", "sticker", "fallback", "reel", "post", "location"}
)
REFERRAL_SOURCES = frozenset(
    {"SHORTLINK", "ADS", "MESSENGER_CODE", "DISCOVER_TAB", "CUSTOMER_CHAT_PLUGIN"}
)
_REF_PATTERN = re.compile(r"^[A-Za-z0-9_=-]{1,2083}$")
MAX_TEXT = 2000
MAX_EDITS = 5
DEFAULT_GET_STARTED_TITLE = "Get Started"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action did: the message id it created (if any) and the events it causes."""

    events: list[dict[str, Any]]
    mid: str | None = None
    #: Why no event was sent, when ``events`` is empty.
    reason: str | None = None
    #: Extra facts for the control API's answer (a new notification token, a comment id).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class People:
    """The simulated people of every Page. One per emulator."""

    state: EmulatorState
    clock: EmulatorClock
    config: EmulatorConfig
    #: (page_id, psid) -> referral waiting for the first postback or message of a new thread.
    pending_referrals: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: mid -> how many times the person edited that message.
    edits: dict[str, int] = field(default_factory=dict)

    def reset(self) -> None:
        self.pending_referrals.clear()
        self.edits.clear()

    # ---- entry point -------------------------------------------------------------------

    def act(self, page: Page, person: Person, action: Any) -> Outcome:
        if not isinstance(action, dict):
            raise ActionError("the action must be a JSON object with a 'type'")
        kind = action.get("type")
        handler = self._handlers().get(kind) if isinstance(kind, str) else None
        if handler is None:
            known = ", ".join(sorted(self._handlers()))
            raise ActionError(f"unknown action type {kind!r}; expected one of: {known}")
        if person.blocked and kind not in ("unblock", "block"):
            raise ActionError("the person has blocked this Page; send an 'unblock' action first")
        return handler(page, person, action)

    def _handlers(self) -> dict[str, Callable[[Page, Person, dict[str, Any]], Outcome]]:
        return {
            "message": self.message,
            "postback": self.postback,
            "referral": self.referral,
            "optin": self.optin,
            "read": self.read,
            "react": self.react,
            "edit": self.edit,
            "block": self.block,
            "unblock": self.unblock,
            "stop_marketing": self.stop_marketing,
            "resume_marketing": self.resume_marketing,
            "comment": self.comment,
            "visitor_post": self.visitor_post,
        }

    # ---- actions -----------------------------------------------------------------------

    def message(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        text = _optional_str(action, "text", MAX_TEXT)
        qr_payload = _optional_str(action, "quick_reply_payload", 1000)
        attachments = _attachments(action.get("attachments"))
        referral = _referral(action.get("referral"), default_source="ADS")
        reply_to = _optional_str(action, "reply_to", 200)
        if qr_payload is not None and text is None:
            text = self._quick_reply_title(page, person, qr_payload)
        if text is None and not attachments:
            raise ActionError("a message needs 'text', 'quick_reply_payload' or 'attachments'")
        if text is not None and not text.strip():
            raise ActionError("'text' must not be empty")
        if reply_to is not None and reply_to not in self.state.messages:
            raise ActionError(f"no message with mid {reply_to!r} to reply to", 404)
        if referral is None:
            referral = self.pending_referrals.pop((page.page_id, person.psid), None)
        now = self.clock.now_ms()
        mid = self.state.new_mid()
        message: dict[str, Any] = {"mid": mid}
        if text is not None:
            message["text"] = text
        if qr_payload is not None:
            message["quick_reply"] = {"payload": qr_payload}
        if attachments:
            message["attachments"] = attachments
        if reply_to is not None:
            message["reply_to"] = {"mid": reply_to, "is_self_reply": False}
        if referral is not None:
            message["referral"] = referral
        self.state.add_item(
            ThreadItem(
                mid=mid,
                page_id=page.page_id,
                psid=person.psid,
                sender="user",
                timestamp_ms=now,
                text=text,
                attachment=_thread_attachment(attachments),
                payload=qr_payload,
            )
        )
        person.last_user_message_ms = now
        opener = "quick_reply" if qr_payload is not None else "message"
        if referral is not None and referral.get("source") == "ADS":
            opener = "ad_message"
        self._open_window(person, opener, now)
        person.has_thread = True
        return Outcome([_user_event(page, person, now, "message", message)], mid=mid)

    def postback(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        payload = _required_str(action, "payload", 1000)
        title = _optional_str(action, "title", 80) or self._button_title(page, person, payload)
        referral = _referral(action.get("referral"), default_source="SHORTLINK")
        if referral is None:
            referral = self.pending_referrals.pop((page.page_id, person.psid), None)
        now = self.clock.now_ms()
        mid = self.state.new_mid()
        postback: dict[str, Any] = {"mid": mid, "title": title, "payload": payload}
        if referral is not None:
            postback["referral"] = referral
        # The person's phone shows the tapped button's title as their message.
        self.state.add_item(
            ThreadItem(
                mid=mid,
                page_id=page.page_id,
                psid=person.psid,
                sender="user",
                timestamp_ms=now,
                text=title,
                payload=payload,
            )
        )
        self._open_window(person, "postback", now)
        person.has_thread = True
        return Outcome([_user_event(page, person, now, "postback", postback)], mid=mid)

    def referral(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        referral = _referral(
            {k: v for k, v in action.items() if k != "type"}, default_source="SHORTLINK"
        )
        assert referral is not None
        if not person.has_thread:
            self.pending_referrals[(page.page_id, person.psid)] = referral
            return Outcome(
                [],
                reason="new thread: the referral arrives with the first postback or message",
            )
        now = self.clock.now_ms()
        self._open_window(person, "referral_existing_thread", now)
        return Outcome([_user_event(page, person, now, "referral", referral)])

    def optin(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        message_id = _required_str(action, "message_id", 200)
        request = self.state.optin_requests.get(message_id)
        if request is None or request.page_id != page.page_id or request.psid != person.psid:
            raise ActionError(
                f"no opt-in request with message_id {message_id!r} in this thread", 404
            )
        now = self.clock.now_ms()
        optin: dict[str, Any]
        if request.kind == "one_time_notif":
            if not self.config.features.one_time_notifications:
                raise ActionError(
                    "one-time notifications are off (config features.one_time_notifications)"
                )
            token = self._new_token(page, person, request.kind, now, request)
            optin = {
                "type": "one_time_notif_req",
                "payload": request.payload,
                "one_time_notif_token": token.token,
            }
        else:
            existing = next(
                (
                    t
                    for t in self.state.tokens.values()
                    if t.kind == "notification_messages"
                    and t.page_id == page.page_id
                    and t.psid == person.psid
                    and t.title == request.title
                ),
                None,
            )
            if existing is not None:
                existing.status = "active"
                existing.request_mid = request.mid
                token, refreshed = existing, True
            else:
                token = self._new_token(page, person, request.kind, now, request)
                refreshed = False
            person.stopped_marketing = False
            optin = {
                "type": "notification_messages",
                "title": request.title,
                "payload": request.payload,
                "notification_messages_token": token.token,
                "notification_messages_timezone": request.timezone,
                "user_token_status": "REFRESHED" if refreshed else "NOT_REFRESHED",
            }
        request.token = token.token
        # Opting in does not open the messaging window (reference §3.1).
        event = _user_event(page, person, now, "optin", optin)
        return Outcome([event], extra={"token": token.token})

    def read(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        now = self.clock.now_ms()
        page_items = [i for i in self.state.thread(page.page_id, person.psid) if i.sender == "page"]
        if not page_items:
            return Outcome([], reason="nothing from the Page to read")
        events: list[dict[str, Any]] = []
        undelivered = [i for i in page_items if not i.delivered]
        if undelivered:
            # The phone comes online: delivery first, then read (Appendix A.7).
            events.append(delivery_event(page, person, undelivered))
        for item in page_items:
            item.delivered = True
            item.read = True
        watermark = max(i.timestamp_ms for i in page_items)
        events.append(_user_event(page, person, now, "read", {"watermark": watermark}))
        return Outcome(events)

    def react(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        mid = _required_str(action, "mid", 200)
        verb = action.get("action", "react")
        if verb not in ("react", "unreact"):
            raise ActionError("'action' must be 'react' or 'unreact'")
        item = self.state.messages.get(mid)
        if item is None or item.page_id != page.page_id or item.psid != person.psid:
            raise ActionError(f"no message with mid {mid!r} in this thread", 404)
        reaction = action.get("reaction", item.reactions.get("user") if verb == "unreact" else None)
        if reaction not in REACTIONS:
            raise ActionError(f"'reaction' must be one of: {', '.join(REACTIONS)}")
        now = self.clock.now_ms()
        if verb == "react":
            item.reactions["user"] = reaction
            self._open_window(person, "reaction", now)
        else:
            item.reactions.pop("user", None)
        body = {"reaction": reaction, "emoji": REACTIONS[reaction], "action": verb, "mid": mid}
        return Outcome([_user_event(page, person, now, "reaction", body)])

    def edit(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        mid = _required_str(action, "mid", 200)
        text = _required_str(action, "text", MAX_TEXT)
        item = self.state.messages.get(mid)
        if item is None or item.page_id != page.page_id or item.psid != person.psid:
            raise ActionError(f"no message with mid {mid!r} in this thread", 404)
        if item.sender != "user" or item.text is None:
            raise ActionError("a person can only edit the text of their own messages")
        done = self.edits.get(mid, 0)
        if done >= MAX_EDITS:
            raise ActionError(f"a message can be edited at most {MAX_EDITS} times")
        self.edits[mid] = done + 1
        item.text = text
        now = self.clock.now_ms()
        body = {"mid": mid, "text": text, "num_edit": done + 1}
        return Outcome([_user_event(page, person, now, "message_edit", body)])

    def block(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        person.blocked = True
        return Outcome([], reason="Meta sends no event when a person blocks a Page")

    def unblock(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        person.blocked = False
        return Outcome([], reason="Meta sends no event when a person unblocks a Page")

    def stop_marketing(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        person.stopped_marketing = True
        return self._marketing_status(page, person, "stopped", "STOP NOTIFICATIONS")

    def resume_marketing(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        person.stopped_marketing = False
        return self._marketing_status(page, person, "active", "RESUME NOTIFICATIONS")

    def comment(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        """A comment on one of the Page's posts: one private reply allowed within 7 days."""
        text = _required_str(action, "text", 8000)
        post_id = _optional_str(action, "post_id", 100) or f"{page.page_id}_{_digits(15)}"
        comment_id = f"{post_id.rsplit('_', 1)[-1]}_{_digits(15)}"
        value = {"item": "comment", "comment_id": comment_id, "post_id": post_id}
        value["parent_id"] = post_id
        return self._feed_item(page, person, comment_id, value, text)

    def visitor_post(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        """A post on the Page by a visitor: one private reply allowed within 7 days."""
        text = _required_str(action, "text", 8000)
        post_id = f"{page.page_id}_{_digits(15)}"
        value = {"item": "post", "post_id": post_id}
        return self._feed_item(page, person, post_id, value, text)

    def _feed_item(
        self, page: Page, person: Person, object_id: str, value: dict[str, Any], text: str
    ) -> Outcome:
        now = self.clock.now_ms()
        self.state.private_replies[object_id] = PrivateReplyRight(
            object_id=object_id, page_id=page.page_id, psid=person.psid, created_ms=now
        )
        # The feed webhook names the author; the emulator uses the PSID as the author's id
        # so that a private reply can be matched to the thread it opens.
        body = {
            "from": {"id": person.psid, "name": f"{person.first_name} {person.last_name}"},
            **value,
            "verb": "add",
            "created_time": now // 1000,
            "message": text,
        }
        return Outcome([{"field": "feed", "value": body}], extra={"object_id": object_id})

    # ---- helpers -----------------------------------------------------------------------

    def _marketing_status(self, page: Page, person: Person, status: str, label: str) -> Outcome:
        now = self.clock.now_ms()
        events = []
        for token in self.state.tokens.values():
            if (
                token.kind != "notification_messages"
                or token.page_id != page.page_id
                or token.psid != person.psid
            ):
                continue
            token.status = "stopped" if status == "stopped" else "active"
            optin = {
                "type": "notification_messages",
                "title": token.title,
                "payload": token.payload,
                "notification_messages_token": token.token,
                "notification_messages_timezone": token.timezone,
                "notification_messages_status": label,
            }
            events.append(_user_event(page, person, now, "optin", optin))
        if not events:
            return Outcome([], reason="the person holds no marketing-messages token")
        return Outcome(events)

    def _new_token(
        self, page: Page, person: Person, kind: TokenKind, now: int, request: OptInRequest
    ) -> NotificationToken:
        while True:
            value = "87" + "".join(str(secrets.randbelow(10)) for _ in range(14))
            if value not in self.state.tokens:
                break
        token = NotificationToken(
            token=value,
            kind=kind,
            page_id=page.page_id,
            psid=person.psid,
            created_ms=now,
            title=request.title,
            payload=request.payload,
            timezone=request.timezone,
            request_mid=request.mid,
        )
        self.state.tokens[value] = token
        return token

    def _open_window(self, person: Person, opener: str, now_ms: int) -> None:
        at = self.clock.now()
        seconds = window_opened_by(opener, at)
        if seconds is None:
            return
        features = self.config.features
        hours = features.ad_window_hours if opener == "ad_message" else features.window_hours
        if hours != 24.0:
            seconds = hours * 3600
        person.last_qualifying_action_ms = now_ms
        person.window_seconds = seconds

    def _page_items(self, page: Page, person: Person) -> list[ThreadItem]:
        thread = self.state.thread(page.page_id, person.psid)
        return [i for i in reversed(thread) if i.sender == "page"]

    def _quick_reply_title(self, page: Page, person: Person, payload: str) -> str:
        for item in self._page_items(page, person):
            for reply in item.quick_replies or []:
                if reply.get("payload") == payload:
                    return str(reply.get("title") or payload)
        raise ActionError(
            f"no quick reply with payload {payload!r} in this thread; pass 'text' as well"
        )

    def _button_title(self, page: Page, person: Person, payload: str) -> str:
        get_started = page.profile.get("get_started")
        if isinstance(get_started, dict) and get_started.get("payload") == payload:
            return DEFAULT_GET_STARTED_TITLE
        for item in self._page_items(page, person):
            for button in _buttons(item.attachment):
                if button.get("payload") == payload and button.get("title"):
                    return str(button["title"])
        menu = page.profile.get("persistent_menu")
        for entry in menu if isinstance(menu, list) else []:
            for button in entry.get("call_to_actions", []) if isinstance(entry, dict) else []:
                if isinstance(button, dict) and button.get("payload") == payload:
                    return str(button.get("title") or payload)
        return DEFAULT_GET_STARTED_TITLE if not person.has_thread else payload


def _digits(n: int) -> str:
    return str(secrets.randbelow(9 * 10 ** (n - 1)) + 10 ** (n - 1))


# ---- shapes ---------------------------------------------------------------------------------


def _user_event(
    page: Page, person: Person, now_ms: int, key: str, body: dict[str, Any]
) -> dict[str, Any]:
    return {
        "sender": {"id": person.psid},
        "recipient": {"id": page.page_id},
        "timestamp": now_ms,
        key: body,
    }


def _buttons(attachment: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every button of a template attachment (button template or generic elements)."""
    if not isinstance(attachment, dict) or attachment.get("type") != "template":
        return []
    payload = attachment.get("payload")
    if not isinstance(payload, dict):
        return []
    found = [b for b in payload.get("buttons", []) if isinstance(b, dict)]
    for element in payload.get("elements", []):
        if isinstance(element, dict):
            found.extend(b for b in element.get("buttons", []) if isinstance(b, dict))
    return found


def _thread_attachment(attachments: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not attachments:
        return None
    if len(attachments) == 1:
        return attachments[0]
    return {"type": "multiple", "attachments": attachments}


# ---- validation -----------------------------------------------------------------------------


def _required_str(action: dict[str, Any], key: str, limit: int) -> str:
    value = _optional_str(action, key, limit)
    if value is None or not value:
        raise ActionError(f"'{key}' is required and must be a non-empty string")
    return value


def _optional_str(action: dict[str, Any], key: str, limit: int) -> str | None:
    value = action.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ActionError(f"'{key}' must be a string")
    if len(value) > limit:
        raise ActionError(f"'{key}' must be at most {limit} characters")
    return value


def _attachments(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not value:
        raise ActionError("'attachments' must be a non-empty list")
    result = []
    for index, raw in enumerate(value):
        if not isinstance(raw, dict):
            raise ActionError(f"attachments[{index}] must be an object with 'type' and 'payload'")
        kind = raw.get("type")
        if kind not in ATTACHMENT_TYPES:
            raise ActionError(
                f"attachments[{index}].type must be one of: {', '.join(sorted(ATTACHMENT_TYPES))}"
            )
        payload = raw.get("payload")
        if payload is None and isinstance(raw.get("url"), str):
            payload = {"url": raw["url"]}
        if not isinstance(payload, dict):
            raise ActionError(f"attachments[{index}].payload must be an object such as {{'url'}}")
        url = payload.get("url")
        if kind != "location" and not (
            isinstance(url, str) and url.startswith(("http://", "https://"))
        ):
            raise ActionError(f"attachments[{index}].payload.url must be an http(s) URL")
        attachment: dict[str, Any] = {"type": kind, "payload": dict(payload)}
        if kind == "fallback" and isinstance(raw.get("title"), str):
            attachment["title"] = raw["title"]
        result.append(attachment)
    return result


def _referral(value: Any, *, default_source: str) -> dict[str, Any] | None:
    """A referral object in Meta's shape: ``{ref?, ad_id?, source, type, ads_context_data?}``."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ActionError("'referral' must be an object such as {'ref': 'summer_coupon'}")
    source = value.get("source", default_source)
    if source not in REFERRAL_SOURCES:
        raise ActionError(f"referral source must be one of: {', '.join(sorted(REFERRAL_SOURCES))}")
    ref = value.get("ref")
    if ref is not None and (not isinstance(ref, str) or not _REF_PATTERN.match(ref)):
        raise ActionError("'ref' may hold only letters, digits, '-', '_' and '=' (at most 2083)")
    if ref is None and source != "ADS":
        raise ActionError("'ref' is required (letters, digits, '-', '_' and '=')")
    referral: dict[str, Any] = {}
    if ref is not None:
        referral["ref"] = ref
    if source == "ADS":
        ad_id = value.get("ad_id", "120200000000001")
        if not isinstance(ad_id, str) or not ad_id.isdigit():
            raise ActionError("'ad_id' must be a numeric string")
        referral["ad_id"] = ad_id
    referral["source"] = source
    referral["type"] = "OPEN_THREAD"
    context = value.get("ads_context_data")
    if source == "ADS":
        if context is None:
            context = {"ad_title": "Ad", "post_id": f"{ad_id}_1"}
        if not isinstance(context, dict) or not all(isinstance(v, str) for v in context.values()):
            raise ActionError("'ads_context_data' must be an object of strings")
        referral["ads_context_data"] = dict(context)
    elif source == "CUSTOMER_CHAT_PLUGIN" and isinstance(value.get("referer_uri"), str):
        referral["referer_uri"] = value["referer_uri"]
    return referral
