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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from comptoir.emulator.clock import EmulatorClock
from comptoir.emulator.config import EmulatorConfig
from comptoir.emulator.people_input import (
    MAX_TEXT,
    ActionError,
    Outcome,
    digits,
    optional_str,
    parse_attachments,
    parse_referral,
    required_str,
    user_event,
)
from comptoir.emulator.people_optins import OptIns
from comptoir.emulator.rules import window_opened_by
from comptoir.emulator.state import EmulatorState, Page, Person, PrivateReplyRight, ThreadItem
from comptoir.emulator.webhook_events import delivery_event

__all__ = ["ActionError", "Outcome", "People"]


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

MAX_EDITS = 5
DEFAULT_GET_STARTED_TITLE = "Get Started"


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

    def __post_init__(self) -> None:
        self._optins = OptIns(self.state, self.clock, self.config)

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
            "optin": self._optins.optin,
            "read": self.read,
            "react": self.react,
            "edit": self.edit,
            "block": self.block,
            "unblock": self.unblock,
            "stop_marketing": self._optins.stop_marketing,
            "resume_marketing": self._optins.resume_marketing,
            "comment": self.comment,
            "visitor_post": self.visitor_post,
        }

    # ---- actions -----------------------------------------------------------------------

    def message(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        text = optional_str(action, "text", MAX_TEXT)
        qr_payload = optional_str(action, "quick_reply_payload", 1000)
        attachments = parse_attachments(action.get("attachments"))
        referral = parse_referral(action.get("referral"), default_source="ADS")
        reply_to = optional_str(action, "reply_to", 200)
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
        return Outcome([user_event(page, person, now, "message", message)], mid=mid)

    def postback(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        payload = required_str(action, "payload", 1000)
        title = optional_str(action, "title", 80) or self._button_title(page, person, payload)
        referral = parse_referral(action.get("referral"), default_source="SHORTLINK")
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
        return Outcome([user_event(page, person, now, "postback", postback)], mid=mid)

    def referral(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        referral = parse_referral(
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
        return Outcome([user_event(page, person, now, "referral", referral)])

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
        events.append(user_event(page, person, now, "read", {"watermark": watermark}))
        return Outcome(events)

    def react(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        mid = required_str(action, "mid", 200)
        verb = action.get("action", "react")
        if verb not in ("react", "unreact"):
            raise ActionError("'action' must be 'react' or 'unreact'")
        item = self.state.messages.get(mid)
        if item is None or item.page_id != page.page_id or item.psid != person.psid:
            raise ActionError(f"no message with mid {mid!r} in this thread", 404)
        reaction = action.get("reaction", item.reactions.get("user") if verb == "unreact" else None)
        if not isinstance(reaction, str) or reaction not in REACTIONS:
            raise ActionError(f"'reaction' must be one of: {', '.join(REACTIONS)}")
        now = self.clock.now_ms()
        if verb == "react":
            item.reactions["user"] = reaction
            self._open_window(person, "reaction", now)
        else:
            item.reactions.pop("user", None)
        body = {"reaction": reaction, "emoji": REACTIONS[reaction], "action": verb, "mid": mid}
        return Outcome([user_event(page, person, now, "reaction", body)])

    def edit(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        mid = required_str(action, "mid", 200)
        text = required_str(action, "text", MAX_TEXT)
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
        return Outcome([user_event(page, person, now, "message_edit", body)])

    def block(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        person.blocked = True
        return Outcome([], reason="Meta sends no event when a person blocks a Page")

    def unblock(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        person.blocked = False
        return Outcome([], reason="Meta sends no event when a person unblocks a Page")

    def comment(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        """A comment on one of the Page's posts: one private reply allowed within 7 days."""
        text = required_str(action, "text", 8000)
        post_id = optional_str(action, "post_id", 100) or f"{page.page_id}_{digits(15)}"
        comment_id = f"{post_id.rsplit('_', 1)[-1]}_{digits(15)}"
        value = {"item": "comment", "comment_id": comment_id, "post_id": post_id}
        value["parent_id"] = post_id
        return self._feed_item(page, person, comment_id, value, text)

    def visitor_post(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        """A post on the Page by a visitor: one private reply allowed within 7 days."""
        text = required_str(action, "text", 8000)
        post_id = f"{page.page_id}_{digits(15)}"
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


# ---- shapes ---------------------------------------------------------------------------------


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
