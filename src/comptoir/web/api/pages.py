"""``/api/v1/pages``: the workspace's Facebook Pages; connecting one subscribes its webhooks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from comptoir.bootstrap import Container
from comptoir.services import pages as page_service
from comptoir.web.api import queries
from comptoir.web.api.auth import WorkspaceId
from comptoir.web.api.deps import IdPath, read
from comptoir.web.api.errors import ApiError, ConflictError, NotFoundError, UpstreamError
from comptoir.web.api.schemas import PageConnectIn, PageOut


def pages_router(container: Container) -> APIRouter:
    router = APIRouter(prefix="/api/v1/pages", tags=["pages"])

    @router.get("", response_model=dict[str, list[PageOut]], summary="List connected Pages")
    async def list_pages(workspace_id: WorkspaceId) -> dict[str, list[PageOut]]:
        found: list[dict[str, Any]] = await read(container, queries.page_list, workspace_id)
        return {"data": [PageOut.model_validate(page) for page in found]}

    @router.post(
        "",
        status_code=201,
        response_model=PageOut,
        summary="Connect a Page (stores its tokens encrypted, subscribes its webhook fields)",
        responses={
            409: {"description": "The Page is connected to another workspace."},
            422: {"description": "An invalid field, or Meta refused the subscription."},
            502: {"description": "Meta's Graph API could not be reached; try again later."},
        },
    )
    async def connect_page(
        workspace_id: WorkspaceId, body: PageConnectIn, response: Response
    ) -> PageOut:
        """201 for a new Page; 200 when a Page already connected here gets new credentials."""
        command = page_service.ConnectPage(
            workspace_id=workspace_id,
            page_id=body.page_id,
            access_token=body.access_token,
            app_secret=body.app_secret,
            verify_token=body.verify_token,
            name=body.name,
            app_id=body.app_id,
            timezone=body.timezone,
        )
        try:
            connected = await page_service.connect_page(container, command)
        except page_service.PageConflictError as exc:
            raise ConflictError(str(exc), code="page_conflict") from None
        except page_service.SubscriptionError as exc:
            if exc.retryable:
                raise UpstreamError(str(exc), code="graph_unavailable") from None
            raise ApiError(
                str(exc), code="page_subscription_refused", status=422, graph_code=exc.code
            ) from None
        found = await read(container, queries.page_detail, workspace_id, connected.page.id)
        assert found is not None
        if not connected.created:
            response.status_code = 200
        return PageOut.model_validate(found)

    @router.get("/{page_ref}", response_model=PageOut, summary="One Page")
    async def get_page(workspace_id: WorkspaceId, page_ref: IdPath) -> PageOut:
        found = await read(container, queries.page_detail, workspace_id, page_ref)
        if found is None:
            raise NotFoundError(f"no Page {page_ref} in this workspace")
        return PageOut.model_validate(found)

    return router
