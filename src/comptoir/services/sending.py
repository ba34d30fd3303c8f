"""The one path for every outbound message: API, automation, inbox agents, broadcasts.

``send_message(container, SendMessage(...))`` loads the person's window state and the Page's
capabilities, asks the policy engine (``domain.policy.decide``) how the message may go, and:

* when allowed, writes the message (``queued``, with the messaging_type and tag the engine
  chose) and its outbox row (the full Send API request, ``metadata = "cpt:<message id>"``) in
  one transaction, then wakes the relay (``jobs.relay``), which sends it;
* when blocked, stores nothing and returns the reason and the next legal option.

The caller says who writes and what; it never picks ``messaging_type`` or ``tag`` itself. It
may ask for a mechanism (a tag such as HUMAN_AGENT, a notification token, a utility
template), which the engine grants or refuses like any other request.

``send_sender_action`` (typing indicators, mark seen) goes straight to the Send API after a
window check: nothing is stored for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy.engine import Connection

from comptoir.bootstrap import Container
from comptoir.channels.messenger.errors import GraphAPIError
from comptoir.channels.messenger.graph_requests import SenderAction
from comptoir.channels.messenger.send_api import GraphClient, SendSenderAction
from comptoir.domain.policy import decide, describe
from comptoir.domain.policy_model import (
    Allowed,
    Blocked,
    ContentKind,
    Decision,
    NextOption,
    SenderKind,
    SendRequest,
)
from comptoir.domain.policy_tokens import TOKEN_MECHANISMS
from comptoir.jobs.relay import relay_of
from comptoir.jobs.send_failures import failure_reason
from comptoir.services.send_command import (
    AUTHOR_KINDS,
    SENDER_ACTIONS,
    Attachment,
    AuthorKind,
    InvalidSendError,
    QuickReply,
    SendError,
    SendMessage,
    SendTargetNotFoundError,
    UtilityTemplateMessage,
    check_command,
    policy_request,
    send_api_body,
    stored_content,
    wire_message,
)
from comptoir.services.send_policy import conversation_state, intent_json, page_capabilities
from comptoir.services.tokens import use_token
from comptoir.storage.outbound import (
    Claim,
    OutboundRow,
    SendTarget,
    find_target,
    insert_outbound,
    mark_contact_blocked,
    open_conversation,
)
from comptoir.storage.outbox import ClaimedSend, handed_over
from comptoir.storage.tokens import StoredToken, tokens_for
from comptoir.threads import run_sync

__all__ = [
    "AUTHOR_KINDS",
    "Attachment",
    "AuthorKind",
    "InvalidSendError",
    "QuickReply",
    "SendError",
    "SendMessage",
    "SendOutcome",
    "SendTargetNotFoundError",
    "SenderActionOutcome",
    "UtilityTemplateMessage",
    "next_option_json",
    "send_message",
    "send_sender_action",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """The policy decision, in data and in words; the stored ids when accepted."""

    decision: Decision
    explanation: str
    message_id: int | None = None
    conversation_id: int | None = None
    contact_id: int | None = None

    @property
    def accepted(self) -> bool:
        return isinstance(self.decision, Allowed)

    def public(self) -> dict[str, Any]:
        """The outcome as JSON values (what the REST API answers)."""
        decision = self.decision
        if isinstance(decision, Allowed):
            return {
                "accepted": True,
                "message_id": self.message_id,
                "conversation_id": self.conversation_id,
                "messaging_type": decision.messaging_type.value
                if decision.messaging_type
                else None,
                "tag": decision.tag,
                "mechanism": decision.mechanism.value,
                "valid_until": _iso(decision.valid_until),
                "explanation": self.explanation,
            }
        return {
            "accepted": False,
            "code": decision.code.value,
            "reason": decision.reason,
            "explanation": self.explanation,
            "next_option": next_option_json(decision.next_option),
        }


def next_option_json(option: NextOption | None) -> dict[str, Any] | None:
    if option is None:
        return None
    return {
        "mechanism": option.mechanism.value,
        "senders": sorted(sender.value for sender in option.senders),
        "tag": option.tag,
        "not_before": _iso(option.not_before),
        "until": _iso(option.until),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# -- the use case -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Written:
    decision: Decision
    target: SendTarget
    row: OutboundRow | None = None


async def send_message(container: Container, command: SendMessage) -> SendOutcome:
    """Check ``command`` against Meta's policy; queue it if allowed (see the module doc)."""
    check_command(command)
    message = wire_message(command)
    request = policy_request(command)
    relay = relay_of(container) if command.priority == 0 else None
    # A live reply is handed to this process's relay as it is written (already claimed),
    # so it goes out without waiting for the relay's next claim.
    handover = relay.reserve() if relay is not None else None

    def write(conn: Connection) -> _Written:
        target = find_target(
            conn,
            command.workspace_id,
            conversation_id=command.conversation_id,
            contact_id=command.contact_id,
        )
        if target is None:
            what = "conversation" if command.conversation_id is not None else "contact"
            raise SendTargetNotFoundError(f"no such {what} in this workspace")
        now = container.clock.now()
        state = conversation_state(target)
        tokens: list[StoredToken] = []
        if request.mechanism in TOKEN_MECHANISMS:
            # A token is used only when asked for by name of its mechanism, never by AUTO.
            tokens = tokens_for(conn, container.secrets, [target.contact_id]).get(
                target.contact_id, []
            )
            state = replace(state, tokens=tuple(token.policy() for token in tokens))
        decision = decide(request, state, page_capabilities(target), now)
        if isinstance(decision, Blocked):
            return _Written(decision, target)
        conversation_id = target.conversation_id
        if conversation_id is None:
            conversation_id = open_conversation(conn, target, now)
        chosen = [t for t in tokens if t.token and t.token == decision.recipient_value]
        # The relay re-checks the message against the token the engine picked.
        intent = replace(request, token=chosen[0].token) if chosen else request
        row = insert_outbound(
            conn,
            target,
            conversation_id=conversation_id,
            author_kind=command.author_kind,
            author_name=command.author_name,
            text=command.text,
            content=stored_content(command, decision),
            messaging_type=decision.messaging_type.value if decision.messaging_type else None,
            tag=decision.tag,
            request=send_api_body(message, decision, target.psid),
            intent=intent_json(intent),
            priority=command.priority,
            now=now,
            claim=handover if not chosen else None,
        )
        if chosen and not use_token(
            conn, chosen[0].id, now, mechanism=decision.mechanism, message_id=row.message_id
        ):
            # Another message took the token at the same moment: nothing is stored.
            raise InvalidSendError(
                "token", "the token was just used by another message; ask again to see why"
            )
        return _Written(decision, target, row)

    try:
        written = await container.writes.run(write)
    except BaseException:
        if relay is not None and handover is not None:
            relay.release()
        raise
    claimed = None
    if relay is not None and handover is not None:
        claimed = _claimed(written, handover) if written.row is not None else None
        if claimed is not None:
            relay.adopt(claimed)
        else:
            relay.release()
    explanation = describe(written.decision, written.target.timezone or "UTC", "en")
    if written.row is None:
        log.info(
            "send refused for contact %s: %s",
            written.target.contact_id,
            getattr(written.decision, "code", ""),
        )
        return SendOutcome(
            written.decision,
            explanation,
            conversation_id=written.target.conversation_id,
            contact_id=written.target.contact_id,
        )
    await container.bus.publish(
        command.workspace_id,
        "message.created",
        {
            "message_id": written.row.message_id,
            "conversation_id": written.row.conversation_id,
            "status": "queued",
            "direction": "out",
        },
    )
    if claimed is None:
        await _after_commit(container)  # a pending row: wake the relay
    return SendOutcome(
        written.decision,
        explanation,
        message_id=written.row.message_id,
        conversation_id=written.row.conversation_id,
        contact_id=written.target.contact_id,
    )


def _claimed(written: _Written, handover: Claim) -> ClaimedSend | None:
    """The row as the relay would have claimed it (None: written pending, see ``write``)."""
    row = written.row
    if row is None or row.claim_token != handover.token:
        return None
    return handed_over(written.target, row, handover.token)


async def _after_commit(container: Container) -> None:
    """Wake the relay (and whoever else listens); the message is stored whatever happens."""
    for callback in list(container.on_commit):
        try:
            await callback()
        except Exception:
            log.exception("an after-commit callback failed")


# -- sender actions -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SenderActionOutcome:
    decision: Decision
    explanation: str
    sent: bool
    #: Why Meta refused it (None when sent or refused by the policy).
    error: str | None = None


async def send_sender_action(
    container: Container,
    workspace_id: int,
    *,
    conversation_id: int | None = None,
    contact_id: int | None = None,
    action: str = "typing_on",
) -> SenderActionOutcome:
    """A typing indicator or mark-seen, straight to the Send API, inside the window only."""
    if action not in SENDER_ACTIONS:
        raise InvalidSendError("action", f"action must be one of {', '.join(SENDER_ACTIONS)}")
    if conversation_id is None and contact_id is None:
        raise InvalidSendError("conversation_id", "give a conversation_id or a contact_id")

    def load() -> SendTarget:
        with container.engine.connect() as conn:
            target = find_target(
                conn, workspace_id, conversation_id=conversation_id, contact_id=contact_id
            )
        if target is None:
            what = "conversation" if conversation_id is not None else "contact"
            raise SendTargetNotFoundError(f"no such {what} in this workspace")
        return target

    target = await run_sync(load)
    request = SendRequest(sender=SenderKind.BOT, content=ContentKind.SENDER_ACTION)
    decision = decide(
        request, conversation_state(target), page_capabilities(target), container.clock.now()
    )
    explanation = describe(decision, target.timezone or "UTC", "en")
    if isinstance(decision, Blocked):
        return SenderActionOutcome(decision, explanation, sent=False)
    relay = relay_of(container)
    if relay is not None:
        await relay.limiter.acquire(target.page_id, priority=0)
        client = relay.client
    else:
        settings = container.settings
        client = GraphClient(settings.graph_url, container.graph_http, settings.api_version)
    try:
        token = container.secrets.open(target.access_token_sealed)
        await client.call(
            SendSenderAction(target.psid, cast(SenderAction, action), page_id=target.page_id),
            token,
        )
    except GraphAPIError as exc:
        if exc.marks_contact:
            now = container.clock.now()

            def mark() -> None:
                with container.engine.begin() as conn:
                    mark_contact_blocked(conn, target.contact_id, now)

            await run_sync(mark)
        return SenderActionOutcome(
            decision,
            explanation,
            sent=False,
            error=failure_reason(exc.code, exc.subcode, exc.message),
        )
    return SenderActionOutcome(decision, explanation, sent=True)
