"""``/api/v1/webhooks``: endpoints of the business's own systems that receive events.

Each POST to an endpoint is signed: ``X-Comptoir-Signature: sha256=<HMAC-SHA256 of the raw
body with the endpoint's secret>``; the secret is returned once, when the endpoint is made.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from comptoir.bootstrap import Container
from comptoir.services import outgoing
from comptoir.web.api.auth import WorkspaceId
from comptoir.web.api.deps import IdPath, read, write
from comptoir.web.api.errors import NotFoundError, field_error
from comptoir.web.api.schemas import WebhookCreatedOut, WebhookIn, WebhookOut


def webhooks_router(container: Container) -> APIRouter:
    router = APIRouter(prefix="/api/v1/webhooks", tags=["outgoing webhooks"])

    @router.get("", response_model=dict[str, list[WebhookOut]], summary="List endpoints")
    async def list_webhooks(workspace_id: WorkspaceId) -> dict[str, list[WebhookOut]]:
        endpoints = await read(container, outgoing.list_endpoints, workspace_id)
        return {"data": [WebhookOut.model_validate(e.public()) for e in endpoints]}

    @router.post(
        "",
        status_code=201,
        response_model=WebhookCreatedOut,
        summary="Add an endpoint (the signing secret is shown only in this answer)",
    )
    async def create_webhook(workspace_id: WorkspaceId, body: WebhookIn) -> WebhookCreatedOut:
        try:
            endpoint, secret = await write(
                container,
                lambda conn: outgoing.create_endpoint(
                    conn,
                    container.secrets,
                    workspace_id=workspace_id,
                    url=body.url,
                    events=body.events,
                    now=container.clock.now(),
                ),
            )
        except outgoing.OutgoingWebhookError as exc:
            raise field_error(exc.field, str(exc)) from None
        return WebhookCreatedOut.model_validate({**endpoint.public(), "secret": secret})

    @router.delete(
        "/{webhook_id}", status_code=204, response_class=Response, summary="Remove an endpoint"
    )
    async def delete_webhook(workspace_id: WorkspaceId, webhook_id: IdPath) -> Response:
        removed = await write(container, outgoing.deactivate_endpoint, workspace_id, webhook_id)
        if not removed:
            raise NotFoundError(f"no webhook endpoint {webhook_id} in this workspace")
        return Response(status_code=204)

    return router
