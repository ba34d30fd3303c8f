"""``/api/v1/broadcasts``: create, preview, send (now or at a time), pause, resume, cancel,
follow a broadcast, list its recipients; ``/api/v1/custom-audiences``: export a segment as
a Custom Audience customer list (``services.custom_audience``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from comptoir.bootstrap import Container
from comptoir.services import broadcasts, custom_audience
from comptoir.services.broadcasts import (
    BroadcastError,
    BroadcastNotFoundError,
    BroadcastStateError,
    InvalidBroadcastError,
    NewBroadcast,
    broadcast_json,
)
from comptoir.threads import run_sync
from comptoir.web.api.auth import WorkspaceId
from comptoir.web.api.deps import IdPath
from comptoir.web.api.errors import ApiError, ConflictError, NotFoundError, field_error


class BroadcastIn(BaseModel):
    page_id: int = Field(description="Comptoir's id of the Page it goes from (`pages.id`).")
    name: str
    message: dict[str, Any] = Field(
        description='{"text", "quick_replies": [{"title", "payload"}]}, an "attachment", or '
        'a "utility_template" {"name", "language", "components"}.'
    )
    mode: str = Field("window", description="window, token or utility.")
    topic: str | None = Field(None, description="Consent topic: only people who said yes.")
    promotional: bool = False
    segment_id: int | None = None
    audience: dict[str, Any] | None = Field(
        None, description="A segment filter given inline (see docs/subscribers.md)."
    )


class SendIn(BaseModel):
    at: str | None = Field(
        None,
        description="When to send, ISO 8601; without an offset, in the Page's time zone. "
        "Absent: now.",
    )


def _error(exc: BroadcastError) -> ApiError:
    if isinstance(exc, InvalidBroadcastError):
        return field_error(exc.field, exc.message)
    if isinstance(exc, BroadcastNotFoundError):
        return NotFoundError(str(exc))
    if isinstance(exc, BroadcastStateError):
        return ConflictError(str(exc), code=exc.code)
    return ApiError(str(exc), code=exc.code, status=400)


def broadcasts_router(container: Container) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["broadcasts"])

    @router.post("/broadcasts", status_code=201, summary="Create a broadcast (a draft)")
    async def create(workspace_id: WorkspaceId, body: BroadcastIn) -> dict[str, Any]:
        try:
            broadcast_id = await broadcasts.create_broadcast(
                container,
                NewBroadcast(
                    workspace_id=workspace_id,
                    page_ref=body.page_id,
                    name=body.name,
                    message=body.message,
                    mode=body.mode,
                    topic=body.topic,
                    promotional=body.promotional,
                    segment_id=body.segment_id,
                    audience=body.audience,
                ),
            )
            found = await broadcasts.status(container, workspace_id, broadcast_id)
        except BroadcastError as exc:
            raise _error(exc) from None
        return found.to_json()

    @router.get("/broadcasts", summary="Broadcasts of the workspace, newest first")
    async def list_all(workspace_id: WorkspaceId) -> dict[str, Any]:
        rows = await broadcasts.list_broadcasts(container, workspace_id)
        return {"data": [broadcast_json(row) for row in rows]}

    @router.get(
        "/broadcasts/{broadcast_id}",
        summary="A broadcast: state, progress, rate, ETA and totals",
    )
    async def get_one(workspace_id: WorkspaceId, broadcast_id: IdPath) -> dict[str, Any]:
        try:
            found = await broadcasts.status(container, workspace_id, broadcast_id)
        except BroadcastError as exc:
            raise _error(exc) from None
        return found.to_json()

    @router.post(
        "/broadcasts/{broadcast_id}/preview",
        summary="Who would receive it now, through which mechanism; who would not, and why",
    )
    async def preview(workspace_id: WorkspaceId, broadcast_id: IdPath) -> dict[str, Any]:
        try:
            found = await broadcasts.preview(container, workspace_id, broadcast_id)
        except BroadcastError as exc:
            raise _error(exc) from None
        return found.to_json()

    @router.post("/broadcasts/{broadcast_id}/send", summary="Send now, or schedule it")
    async def send(
        workspace_id: WorkspaceId, broadcast_id: IdPath, body: SendIn | None = None
    ) -> dict[str, Any]:
        try:
            at = None
            if body is not None and body.at:
                current = await broadcasts.status(container, workspace_id, broadcast_id)
                at = broadcasts.local_time(body.at, current.broadcast.timezone)
            row = await broadcasts.start(container, workspace_id, broadcast_id, at)
        except BroadcastError as exc:
            raise _error(exc) from None
        return broadcast_json(row)

    def state_change(action: Any) -> Any:
        async def change(workspace_id: WorkspaceId, broadcast_id: IdPath) -> dict[str, Any]:
            try:
                row = await action(container, workspace_id, broadcast_id)
            except BroadcastError as exc:
                raise _error(exc) from None
            return broadcast_json(row)

        return change

    for verb, action in (
        ("pause", broadcasts.pause),
        ("resume", broadcasts.resume),
        ("cancel", broadcasts.cancel),
    ):
        router.add_api_route(
            f"/broadcasts/{{broadcast_id}}/{verb}",
            state_change(action),
            methods=["POST"],
            summary=f"{verb.capitalize()} the broadcast",
            name=f"{verb}_broadcast",
        )

    @router.get(
        "/broadcasts/{broadcast_id}/recipients",
        summary="Per-recipient results, in contact order",
    )
    async def recipients(
        workspace_id: WorkspaceId,
        broadcast_id: IdPath,
        after: int = Query(0, ge=0, description="The last recipient id of the previous page."),
        limit: int = Query(100, ge=1, le=1000),
    ) -> dict[str, Any]:
        try:
            found = await broadcasts.recipients(
                container, workspace_id, broadcast_id, after_id=after, limit=limit
            )
        except BroadcastError as exc:
            raise _error(exc) from None
        data = [
            {
                "id": r.id,
                "contact_id": r.contact_id,
                "psid": r.psid,
                "mechanism": r.mechanism,
                "status": r.status,
                "reason": r.reason,
                "message_id": r.message_id,
                "mid": r.mid,
                "error_code": r.error_code,
            }
            for r in found
        ]
        return {"data": data, "next_after": data[-1]["id"] if len(data) == limit else None}

    @router.get(
        "/custom-audiences",
        summary="A segment of a Page as a Custom Audience customer list (Meta's format)",
        response_model=None,
    )
    async def export(
        workspace_id: WorkspaceId,
        page_id: int = Query(..., ge=1, description="Comptoir's id of the Page."),
        segment_id: int | None = Query(None, ge=1),
        format: str = Query("json", pattern="^(json|csv)$"),
    ) -> dict[str, Any] | PlainTextResponse:
        def run() -> custom_audience.CustomAudienceFile:
            with container.engine.connect() as conn:
                return custom_audience.export(
                    conn, workspace_id, page_id, container.clock.now(), segment_id=segment_id
                )

        try:
            made = await run_sync(run)
        except BroadcastError as exc:
            raise _error(exc) from None
        if format == "csv":
            return PlainTextResponse(made.to_csv(), media_type="text/csv")
        return {"rows": len(made.rows), "calls": made.payloads()}

    return router
