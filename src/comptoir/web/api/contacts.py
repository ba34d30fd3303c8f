"""``/api/v1/contacts``: the people who wrote to the workspace's Pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from comptoir.bootstrap import Container
from comptoir.web.api import queries
from comptoir.web.api.auth import WorkspaceId
from comptoir.web.api.deps import DEFAULT_PAGE_SIZE, Cursor, IdPath, Limit, read
from comptoir.web.api.errors import NotFoundError
from comptoir.web.api.pagination import (
    MAX_ID,
    Paginated,
    decode_id_cursor,
    encode_cursor,
)
from comptoir.web.api.schemas import ContactOut

KIND = "contacts"


def contacts_router(container: Container) -> APIRouter:
    router = APIRouter(prefix="/api/v1/contacts", tags=["contacts"])

    @router.get("", response_model=Paginated[ContactOut], summary="List contacts, newest first")
    async def list_contacts(
        workspace_id: WorkspaceId,
        page_ref: Annotated[
            int | None, Query(ge=1, le=MAX_ID, description="Only this Page's contacts.")
        ] = None,
        q: Annotated[
            str | None,
            Query(min_length=1, max_length=200, description="Part of the name or the PSID."),
        ] = None,
        blocked: Annotated[
            bool | None, Query(description="Only people who blocked the Page (or not).")
        ] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> Paginated[ContactOut]:
        after_id = decode_id_cursor(KIND, cursor) if cursor else None
        page = await read(
            container,
            queries.contact_list,
            workspace_id,
            limit=limit,
            after_id=after_id,
            page_ref=page_ref,
            search=q,
            blocked=blocked,
        )
        return Paginated[ContactOut](
            data=[ContactOut.model_validate(item) for item in page.items],
            next_cursor=encode_cursor(KIND, *page.last) if page.last else None,
        )

    @router.get("/{contact_id}", response_model=ContactOut, summary="One contact")
    async def get_contact(workspace_id: WorkspaceId, contact_id: IdPath) -> ContactOut:
        found = await read(container, queries.contact_detail, workspace_id, contact_id)
        if found is None:
            raise NotFoundError(f"no contact {contact_id} in this workspace")
        return ContactOut.model_validate(found)

    return router
