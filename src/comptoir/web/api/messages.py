"""``/api/v1/conversations/{id}/messages``: read a thread; send a message through the policy.

Sending goes through ``services.sending.send_message``, the one path for every outbound
message: 201 with the message (``queued``) and how the policy engine lets it go, or 422 with
the reason it may not and the next legal option.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from comptoir.bootstrap import Container
from comptoir.domain.policy_model import Allowed, Blocked
from comptoir.services import sending
from comptoir.web.api import queries
from comptoir.web.api.auth import WorkspaceId
from comptoir.web.api.deps import DEFAULT_PAGE_SIZE, Cursor, IdPath, Limit, read
from comptoir.web.api.errors import ApiError, NotFoundError, field_error
from comptoir.web.api.pagination import Paginated, decode_id_cursor, encode_cursor
from comptoir.web.api.schemas import DecisionOut, MessageOut, SendMessageIn, SentMessageOut

KIND = "messages"

_REFUSAL_EXAMPLE: dict[str, Any] = {
    "error": {
        "code": "window_closed",
        "message": "The 24-hour window closed 1 h ago; a human agent may still answer.",
        "reason": "The 24-hour window closed 1 h ago.",
        "next_option": {
            "mechanism": "tag",
            "senders": ["agent"],
            "tag": "HUMAN_AGENT",
            "not_before": None,
            "until": "2026-06-08T10:00:00+00:00",
        },
    }
}


def messages_router(container: Container) -> APIRouter:
    router = APIRouter(prefix="/api/v1/conversations", tags=["messages"])

    async def conversation_or_404(workspace_id: int, conversation_id: int) -> None:
        found = await read(container, queries.conversation_detail, workspace_id, conversation_id)
        if found is None:
            raise NotFoundError(f"no conversation {conversation_id} in this workspace")

    @router.get(
        "/{conversation_id}/messages",
        response_model=Paginated[MessageOut],
        summary="Messages of a conversation, newest first",
    )
    async def list_messages(
        workspace_id: WorkspaceId,
        conversation_id: IdPath,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> Paginated[MessageOut]:
        before_id = decode_id_cursor(KIND, cursor) if cursor else None
        await conversation_or_404(workspace_id, conversation_id)
        page = await read(
            container,
            queries.message_list,
            workspace_id,
            conversation_id,
            limit=limit,
            before_id=before_id,
        )
        return Paginated[MessageOut](
            data=[MessageOut.model_validate(item) for item in page.items],
            next_cursor=encode_cursor(KIND, *page.last) if page.last else None,
        )

    @router.post(
        "/{conversation_id}/messages",
        status_code=201,
        response_model=SentMessageOut,
        summary="Send a message (checked against Meta's policy first)",
        responses={
            422: {
                "description": "Refused by the policy (with the reason and the next legal "
                "option), or an invalid field.",
                "content": {"application/json": {"example": _REFUSAL_EXAMPLE}},
            }
        },
    )
    async def send_message(
        workspace_id: WorkspaceId, conversation_id: IdPath, body: SendMessageIn
    ) -> SentMessageOut:
        command = sending.SendMessage(
            workspace_id=workspace_id,
            conversation_id=conversation_id,
            author_kind=body.author.kind,
            author_name=body.author.name,
            text=body.text,
            quick_replies=tuple(
                sending.QuickReply(title=reply.title, payload=reply.payload)
                for reply in body.quick_replies or ()
            ),
        )
        try:
            outcome = await sending.send_message(container, command)
        except sending.SendTargetNotFoundError:
            raise NotFoundError(f"no conversation {conversation_id} in this workspace") from None
        except sending.InvalidSendError as exc:
            raise field_error(exc.field, exc.message) from None
        decision = outcome.decision
        if isinstance(decision, Blocked):
            raise ApiError(
                outcome.explanation or decision.reason,
                code=decision.code.value,
                status=422,
                reason=decision.reason,
                next_option=sending.next_option_json(decision.next_option),
            )
        assert isinstance(decision, Allowed)
        assert outcome.message_id is not None
        message = await read(container, queries.message_detail, workspace_id, outcome.message_id)
        assert message is not None
        return SentMessageOut(
            message=MessageOut.model_validate(message),
            decision=DecisionOut(
                messaging_type=decision.messaging_type.value if decision.messaging_type else None,
                tag=decision.tag,
                valid_until=decision.valid_until,
                mechanism=decision.mechanism.value,
                explanation=outcome.explanation,
            ),
        )

    return router
