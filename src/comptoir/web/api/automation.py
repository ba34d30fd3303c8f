"""Automation endpoints: handover (``/conversations/{id}/take``, ``/hand-back``), a Page's
automation settings (``/pages/{page_id}/automation``) and its Messenger profile sync
(``/pages/{page_id}/messenger-profile``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import APIRouter, Request
from pydantic import BaseModel

from comptoir.bootstrap import Container
from comptoir.channels.messenger.errors import GraphAPIError
from comptoir.services.automation import automation_of
from comptoir.services.automation_settings import SettingsError, load_settings, save_settings
from comptoir.services.handover import HandoverResult, UnknownConversationError, hand_back, take
from comptoir.services.messenger_profile import ProfileError, sync_profile
from comptoir.storage import tables
from comptoir.threads import run_sync
from comptoir.web.api.auth import WorkspaceId
from comptoir.web.api.deps import IdPath
from comptoir.web.api.errors import (
    NotFoundError,
    UnprocessableError,
    UpstreamError,
    field_error,
)


class TakeIn(BaseModel):
    #: Who takes the conversation (shown in the inbox).
    agent: str = ""


class HandoverOut(BaseModel):
    conversation_id: int
    automation: str
    taken_by: str = ""
    disclosure_sent: bool = False


def _out(result: HandoverResult) -> HandoverOut:
    return HandoverOut(
        conversation_id=result.conversation_id,
        automation=result.automation,
        taken_by=result.taken_by,
        disclosure_sent=result.disclosure_sent,
    )


def automation_router(container: Container) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["automation"])

    @router.post(
        "/conversations/{conversation_id}/take",
        response_model=HandoverOut,
        summary="A person takes the conversation: automation stops answering it",
    )
    async def take_conversation(
        workspace_id: WorkspaceId, conversation_id: IdPath, body: TakeIn | None = None
    ) -> HandoverOut:
        agent = (body.agent if body else "").strip()
        if len(agent) > 200:
            raise field_error("agent", "at most 200 characters")
        try:
            return _out(await take(container, workspace_id, conversation_id, agent))
        except UnknownConversationError as error:
            raise NotFoundError(str(error)) from None

    @router.post(
        "/conversations/{conversation_id}/hand-back",
        response_model=HandoverOut,
        summary="Hand the conversation back to automation (sends the disclosure line if on)",
    )
    async def hand_back_conversation(
        workspace_id: WorkspaceId, conversation_id: IdPath
    ) -> HandoverOut:
        try:
            return _out(await hand_back(container, workspace_id, conversation_id))
        except UnknownConversationError as error:
            raise NotFoundError(str(error)) from None

    def page_ref_of(workspace_id: int, page_id: str) -> int:
        p = tables.pages
        with container.engine.connect() as conn:
            ref = conn.execute(
                sa.select(p.c.id).where(p.c.page_id == page_id, p.c.workspace_id == workspace_id)
            ).scalar()
        if ref is None:
            raise NotFoundError(f"no Page {page_id} in this workspace")
        return int(ref)

    @router.get(
        "/pages/{page_id}/automation",
        summary="The Page's automation settings",
    )
    async def get_settings(workspace_id: WorkspaceId, page_id: str) -> dict[str, Any]:
        ref = await run_sync(page_ref_of, workspace_id, page_id)

        def load() -> dict[str, Any]:
            with container.engine.connect() as conn:
                settings = load_settings(conn, ref)
            return dict(settings.raw or {}) if settings is not None else {"enabled": False}

        return await run_sync(load)

    @router.put(
        "/pages/{page_id}/automation",
        summary="Replace the Page's automation settings",
        responses={422: {"description": "A setting is invalid; the error names it."}},
    )
    async def put_settings(
        workspace_id: WorkspaceId, page_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        ref = await run_sync(page_ref_of, workspace_id, page_id)
        now = container.clock.now()

        def store() -> None:
            folder = body.get("flows_folder")
            if isinstance(folder, str) and folder.strip() and not Path(folder).is_dir():
                raise SettingsError("flows_folder", f"no folder {folder} on the server")
            with container.engine.begin() as conn:
                save_settings(conn, ref, body, now)

        try:
            await run_sync(store)
        except SettingsError as error:
            raise field_error(error.field, error.message) from None
        automation_of(container).forget_settings(ref)
        return dict(body)

    async def flows_answer(workspace_id: int, page_id: str, reload: bool) -> dict[str, Any]:
        ref = await run_sync(page_ref_of, workspace_id, page_id)

        def load() -> Any:
            with container.engine.connect() as conn:
                return load_settings(conn, ref)

        settings = await run_sync(load)
        folder = settings.flows_folder if settings is not None else None
        if not folder:
            raise field_error("flows_folder", "the Page's automation settings name no folder")
        responder = automation_of(container).flows
        if reload:
            await run_sync(responder.reload, folder)
        flows = await run_sync(responder.flows_for, ref, folder)
        problems = responder.problems.get(folder, ())
        return {
            "folder": folder,
            "flows": [flow.name for flow in flows.flows] if flows is not None else [],
            "faq_entries": len(flows.faq) if flows is not None else 0,
            "problems": [{"file": p.file, "line": p.line, "message": p.message} for p in problems],
        }

    @router.get("/pages/{page_id}/flows", summary="The Page's loaded flows and load problems")
    async def list_flows(workspace_id: WorkspaceId, page_id: str) -> dict[str, Any]:
        return await flows_answer(workspace_id, page_id, reload=False)

    @router.post(
        "/pages/{page_id}/flows/reload",
        summary="Re-read the flows folder now (all or nothing: problems keep the old set)",
    )
    async def reload_flows(workspace_id: WorkspaceId, page_id: str) -> dict[str, Any]:
        return await flows_answer(workspace_id, page_id, reload=True)

    async def change_file(
        workspace_id: int, page_id: str, name: str, text: str | None
    ) -> dict[str, Any]:
        from comptoir.services.flow_admin import FlowAdminError, delete_flow_file, put_flow_file

        ref = await run_sync(page_ref_of, workspace_id, page_id)

        def load() -> Any:
            with container.engine.connect() as conn:
                return load_settings(conn, ref)

        settings = await run_sync(load)
        folder = settings.flows_folder if settings is not None else None
        if not folder:
            raise field_error("flows_folder", "the Page's automation settings name no folder")
        try:
            if text is None:
                problems = await run_sync(delete_flow_file, Path(folder), name)
            else:
                problems = await run_sync(put_flow_file, Path(folder), name, text)
        except FlowAdminError as error:
            if str(error).startswith("no flow file"):
                raise NotFoundError(str(error)) from None
            raise field_error("name", str(error), location="path") from None
        if problems:
            raise UnprocessableError(
                "the flows folder would not load: " + "; ".join(str(p) for p in problems),
                code="flow_problems",
                problems=[{"file": p.file, "line": p.line, "message": p.message} for p in problems],
            )
        return await flows_answer(workspace_id, page_id, reload=True)

    @router.put(
        "/pages/{page_id}/flows/files/{name}",
        summary="Add or replace a flow file (YAML body); refused if the folder would not load",
        responses={422: {"description": "The problems (file, line, message); nothing written."}},
    )
    async def put_flow(
        workspace_id: WorkspaceId, page_id: str, name: str, request: Request
    ) -> dict[str, Any]:
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise field_error("body", "a flow file must be UTF-8 text") from None
        return await change_file(workspace_id, page_id, name, text)

    @router.delete(
        "/pages/{page_id}/flows/files/{name}",
        summary="Remove a flow file; refused if the rest would not load",
    )
    async def delete_flow(workspace_id: WorkspaceId, page_id: str, name: str) -> dict[str, Any]:
        return await change_file(workspace_id, page_id, name, None)

    @router.post(
        "/pages/{page_id}/messenger-profile",
        summary="Send the Page's Messenger profile (settings' profile) to Meta",
        responses={
            422: {"description": "No profile, or one beyond Meta's limits (each named)."},
            502: {"description": "Meta refused the profile or could not be reached."},
        },
    )
    async def sync_messenger_profile(workspace_id: WorkspaceId, page_id: str) -> dict[str, Any]:
        ref = await run_sync(page_ref_of, workspace_id, page_id)

        def load() -> Any:
            with container.engine.connect() as conn:
                return load_settings(conn, ref)

        settings = await run_sync(load)
        profile = (settings.raw or {}).get("profile") if settings is not None else None
        if settings is None or not profile:
            raise field_error("profile", "the Page's automation settings have no profile")
        try:
            body = await sync_profile(container, ref, profile, settings.default_locale)
        except ProfileError as error:
            raise UnprocessableError(
                str(error),
                code="validation_error",
                fields=[
                    {"field": f"profile.{p.field}", "location": "body", "message": p.message}
                    for p in error.problems
                ],
            ) from None
        except GraphAPIError as error:
            raise UpstreamError(f"Meta refused the Messenger profile: {error}") from None
        except httpx.HTTPError:
            raise UpstreamError("Meta's Graph API could not be reached; try again") from None
        return {"page_id": page_id, "sent": body}

    return router
