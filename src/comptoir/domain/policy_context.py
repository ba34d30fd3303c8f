"""What ``decide`` works from: the request, the conversation, the Page and the time.

``Context`` also builds the results, so every ``Allowed`` and ``Blocked`` carries the moment
it was decided at and every ``Blocked`` its English reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from comptoir.domain import policy_rules as rules
from comptoir.domain.policy_model import (
    Allowed,
    BlockCode,
    Blocked,
    ConversationState,
    Mechanism,
    MessagingType,
    NextOption,
    PageCapabilities,
    RecipientForm,
    SendRequest,
)
from comptoir.domain.policy_rules import GraphCode
from comptoir.domain.policy_text import reason_text


@dataclass(frozen=True, slots=True)
class Context:
    request: SendRequest
    state: ConversationState
    page: PageCapabilities
    now: datetime

    def allowed(
        self,
        messaging_type: MessagingType | None,
        mechanism: Mechanism,
        *,
        tag: str | None = None,
        recipient: RecipientForm = RecipientForm.ID,
        recipient_value: str | None = None,
        valid_until: datetime | None = None,
    ) -> Allowed:
        return Allowed(
            messaging_type=messaging_type,
            tag=tag,
            recipient=recipient,
            mechanism=mechanism,
            recipient_value=recipient_value,
            valid_until=valid_until,
            decided_at=self.now,
        )

    def blocked(
        self,
        code: BlockCode,
        graph_error: GraphCode | None,
        *,
        next_option: NextOption | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        subject: str | None = None,
    ) -> Blocked:
        draft = Blocked(
            code=code,
            reason="",
            next_option=next_option,
            graph_error=graph_error,
            since=since,
            until=until,
            sender=self.request.sender,
            decided_at=self.now,
            subject=subject,
        )
        return Blocked(
            code=code,
            reason=reason_text(draft, "UTC", "en"),
            next_option=next_option,
            graph_error=graph_error,
            since=since,
            until=until,
            sender=self.request.sender,
            decided_at=self.now,
            subject=subject,
        )

    # -- the clocks of the conversation ----------------------------------------------------

    def window_end(self) -> datetime | None:
        state = self.state
        action, message = state.last_qualifying_action_at, state.last_user_message_at
        if action is not None and (message is None or action >= message):
            return action + (state.window_length or rules.standard_window(action))
        if message is not None:
            return message + rules.standard_window(message)
        return None

    def window_open(self) -> bool:
        end = self.window_end()
        return end is not None and self.now <= end

    def human_agent_end(self) -> datetime | None:
        terms = rules.tag_terms("HUMAN_AGENT", self.now)
        last = self.state.last_user_message_at
        if terms is None or terms.max_age is None or last is None:
            return None
        return last + terms.max_age
