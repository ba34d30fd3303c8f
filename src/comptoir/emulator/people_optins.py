"""Opt-ins: a person taps an opt-in request, or stops and resumes marketing messages (§9).

Tapping a ``notification_messages`` request creates a numeric token and sends the
``messaging_optins`` event of Appendix A.10; a second tap on a request with the same title
gives back the same token with ``user_token_status: REFRESHED``. A ``one_time_notif_req``
tap (only with ``features.one_time_notifications``) sends the legacy form of §1.5.9(b) with a
new single-use token. Stopping sets every marketing token of the person to ``stopped`` and
sends ``notification_messages_status: "STOP NOTIFICATIONS"`` for each; resuming undoes it.
Opting in does not open the messaging window (reference §3.1).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from comptoir.emulator.clock import EmulatorClock
from comptoir.emulator.config import EmulatorConfig
from comptoir.emulator.people_input import ActionError, Outcome, required_str, user_event
from comptoir.emulator.state import (
    EmulatorState,
    NotificationToken,
    OptInRequest,
    Page,
    Person,
    TokenKind,
)


@dataclass
class OptIns:
    state: EmulatorState
    clock: EmulatorClock
    config: EmulatorConfig

    def optin(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        message_id = required_str(action, "message_id", 200)
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
        event = user_event(page, person, now, "optin", optin)
        return Outcome([event], extra={"token": token.token})

    def stop_marketing(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        person.stopped_marketing = True
        return self._marketing_status(page, person, "stopped", "STOP NOTIFICATIONS")

    def resume_marketing(self, page: Page, person: Person, action: dict[str, Any]) -> Outcome:
        person.stopped_marketing = False
        return self._marketing_status(page, person, "active", "RESUME NOTIFICATIONS")

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
            events.append(user_event(page, person, now, "optin", optin))
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
