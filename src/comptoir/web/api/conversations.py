"""``/api/v1/conversations``: threads with a contact, newest activity first; status, assignee."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from comptoir.bootstrap import Container
from comptoir.web.api import queries
from comptoir.web.api.auth import WorkspaceId
from comptoir.web.api.deps import DEFAULT_PAGE_SIZE, Cursor, IdPath, Limit, read, write
from comptoir.web.api.errors import NotFoundError, field_error
from comptoir.web.api.pagination import (
    MAX_ID,
    Paginated,
    decode_time_id_cursor,
    encode_cursor,
)
from comptoir.web.api.schemas import ConversationOut, ConversationPatchIn, ConversationStatus

KIND = "conversations"
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def conversations_router(container: Container) -> APIRouter:
    router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])

    @router.get(
        "",
        response_model=Paginated[ConversationOut],
        summary="List conversations, newest activity first",
    )
    async def list_conversations(
        workspace_id: WorkspaceId,
        status: Annotated[ConversationStatus | None, Query(description="Only this status.")] = None,
        page_ref: IdQuery = None,
        contact_id: IdQuery = None,
        assignee_id: IdQuery = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> Paginated[ConversationOut]:
        after = decode_time_id_cursor(KIND, cursor) if cursor else None
        page = await read(
            container,
            queries.conversation_list,
            workspace_id,
            limit=limit,
            after=after,
            status=status,
            page_ref=page_ref,
            contact_id=contact_id,
            assignee_id=assignee_id,
        )
        return Paginated[ConversationOut](
            data=[ConversationOut.model_validate(item) for item in page.items],
            next_cursor=encode_cursor(KIND, *page.last) if page.last else None,
        )

    @router.get("/{conversation_id}", response_model=ConversationOut, summary="One conversation")
    async def get_conversation(
        workspace_id: WorkspaceId, conversation_id: IdPath
    ) -> ConversationOut:
        found = await read(container, queries.conversation_detail, workspace_id, conversation_id)
        if found is None:
            raise NotFoundError(f"no conversation {conversation_id} in this workspace")
        return ConversationOut.model_validate(found)

    @router.patch(
        "/{conversation_id}",
        response_model=ConversationOut,
        summary="Change the status or the assignee",
    )
    async def patch_conversation(
        workspace_id: WorkspaceId, conversation_id: IdPath, body: ConversationPatchIn
    ) -> ConversationOut:
        changes: dict[str, Any] = {
            name: getattr(body, name)
            for name in ("status", "assignee_id")
            if name in body.model_fields_set
        }
        if not changes:
            raise field_error("status", "give status and/or assignee_id")
        changed = await write(
            container, queries.update_conversation, workspace_id, conversation_id, changes
        )
        if not changed:
            raise NotFoundError(f"no conversation {conversation_id} in this workspace")
        await container.bus.publish(
            workspace_id, "conversation.updated", {"conversation_id": conversation_id, **changes}
        )
        found = await read(container, queries.conversation_detail, workspace_id, conversation_id)
        assert found is not None
        return ConversationOut.model_validate(found)

    return router
