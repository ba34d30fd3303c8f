"""From stored rows to the policy engine's inputs, for ``send_message`` and the relay.

Both ask ``domain.policy.decide`` the same question with the same facts: when a message is
accepted, and again when the relay is about to send it (the window may have closed while it
waited). The request itself (``SendRequest``) travels in the outbox row as ``intent``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from comptoir.domain.policy_model import (
    ContentKind,
    ConversationState,
    Mechanism,
    PageCapabilities,
    SenderKind,
    SendRequest,
    TemplateCategory,
    TemplateStatus,
    UtilityTemplate,
)

#: The window Meta opens by default; ``contacts.window_seconds`` differs after some actions.
STANDARD_WINDOW_SECONDS = 86_400


class PolicyFacts(Protocol):
    """What the engine needs about one (Page, person) pair, as stored."""

    @property
    def last_user_message_at(self) -> datetime | None: ...
    @property
    def last_qualifying_action_at(self) -> datetime | None: ...
    @property
    def window_seconds(self) -> int: ...
    @property
    def blocked_at(self) -> datetime | None: ...
    @property
    def thread_owner_app_id(self) -> str | None: ...
    @property
    def app_id(self) -> str: ...
    @property
    def human_agent_enabled(self) -> bool: ...
    @property
    def utility_enabled(self) -> bool: ...
    @property
    def one_time_notif_enabled(self) -> bool: ...
    @property
    def restricted_until(self) -> datetime | None: ...


def conversation_state(facts: PolicyFacts) -> ConversationState:
    window = facts.window_seconds
    owner = facts.thread_owner_app_id
    return ConversationState(
        last_user_message_at=facts.last_user_message_at,
        last_qualifying_action_at=facts.last_qualifying_action_at,
        window_length=None if window == STANDARD_WINDOW_SECONDS else timedelta(seconds=window),
        blocked=facts.blocked_at is not None,
        # Notification tokens and private-reply rights are stored by a later feature; until
        # then none are known, and the engine refuses those mechanisms with the reason.
        controlled_elsewhere=bool(owner) and owner != facts.app_id,
    )


def page_capabilities(facts: PolicyFacts) -> PageCapabilities:
    return PageCapabilities(
        human_agent=facts.human_agent_enabled,
        utility_messaging=facts.utility_enabled,
        one_time_notifications=facts.one_time_notif_enabled,
        restricted_until=facts.restricted_until,
    )


def intent_json(request: SendRequest) -> dict[str, Any]:
    """The request as stored in ``outbox.intent``."""
    template = request.template
    return {
        "sender": request.sender.value,
        "content": request.content.value,
        "promotional": request.promotional,
        "mechanism": request.mechanism.value,
        "tag": request.tag,
        "token": request.token,
        "proactive": request.proactive,
        "private_reply_to": request.private_reply_to,
        "template": None
        if template is None
        else {
            "name": template.name,
            "status": template.status.value,
            "category": template.category.value,
        },
    }


def intent_from_json(data: dict[str, Any]) -> SendRequest:
    """The stored request back; an old or damaged row reads as a bot's text reply."""
    raw_template = data.get("template")
    template = None
    if isinstance(raw_template, dict):
        template = UtilityTemplate(
            name=str(raw_template.get("name", "")),
            status=TemplateStatus(raw_template.get("status", TemplateStatus.PENDING.value)),
            category=TemplateCategory(raw_template.get("category", TemplateCategory.UTILITY)),
        )
    return SendRequest(
        sender=SenderKind(data.get("sender", SenderKind.BOT.value)),
        content=ContentKind(data.get("content", ContentKind.TEXT.value)),
        promotional=bool(data.get("promotional", False)),
        mechanism=Mechanism(data.get("mechanism", Mechanism.AUTO.value)),
        tag=data.get("tag"),
        token=data.get("token"),
        template=template,
        private_reply_to=data.get("private_reply_to"),
        proactive=bool(data.get("proactive", False)),
    )
