"""``POST /api/v1/writing/check``: the writing assistant over HTTP (composer, tools, scripts)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from comptoir.bootstrap import Container
from comptoir.services import writing
from comptoir.threads import run_sync
from comptoir.web.api.auth import WorkspaceId
from comptoir.web.api.errors import ApiError

_EXAMPLE = {
    "text": "Bonjour ! Votre commande est prête, retrait possible dès 14h.",
    "mechanism": "response",
    "channel": "messenger",
    "quick_replies": [{"content_type": "text", "title": "Merci", "payload": "THANKS"}],
}


def writing_router(container: Container) -> APIRouter:
    router = APIRouter(prefix="/api/v1/writing", tags=["writing"])

    @router.post(
        "/check",
        summary="Check a message: length, preview, paragraphs, spelling, tone, policy wording",
        responses={422: {"description": "A field is missing or has a wrong value."}},
    )
    async def check(
        workspace_id: WorkspaceId,
        body: Annotated[dict[str, Any], Body(openapi_examples={"fr": {"value": _EXAMPLE}})],
    ) -> dict[str, Any]:
        try:
            result = await run_sync(lambda: writing.check_payload(body))
        except writing.WritingInputError as exc:
            raise ApiError(str(exc), code="invalid_field", status=422, field=exc.field) from None
        return result.to_json()

    return router
