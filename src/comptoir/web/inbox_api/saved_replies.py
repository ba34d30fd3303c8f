"""Saved replies of a workspace, with placeholders such as ``{first_name}`` (``/inbox/api``)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from comptoir.bootstrap import Container
from comptoir.services import inbox
from comptoir.storage import inbox as store
from comptoir.web.api.deps import IdPath
from comptoir.web.api.errors import NotFoundError
from comptoir.web.api.pagination import MAX_ID
from comptoir.web.inbox_api.session import SignedIn


class SavedReplyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=2000)


class SavedReplyPatchIn(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    text: str | None = Field(default=None, min_length=1, max_length=2000)


def saved_replies_router(container: Container) -> APIRouter:
    router = APIRouter()

    async def run(function: Any, *, write: bool = False) -> Any:
        def call() -> Any:
            with container.engine.begin() if write else container.engine.connect() as conn:
                return function(conn)

        try:
            return await anyio.to_thread.run_sync(call)
        except inbox.InboxNotFoundError as exc:
            raise NotFoundError(str(exc)) from None

    @router.get("/saved-replies")
    async def list_replies(
        agent: SignedIn,
        conversation_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ) -> Any:
        data = await run(lambda conn: inbox.saved_replies(conn, agent, conversation_id))
        return {"data": data}

    @router.post("/saved-replies", status_code=201)
    async def create(agent: SignedIn, body: SavedReplyIn) -> Any:
        now = container.clock.now()
        name, text = body.name.strip(), body.text
        reply_id = await run(
            lambda conn: store.insert_saved_reply(conn, agent.workspace_id, name, text, now),
            write=True,
        )
        return {"id": reply_id, "name": name, "text": text}

    @router.patch("/saved-replies/{reply_id}")
    async def update(agent: SignedIn, reply_id: IdPath, body: SavedReplyPatchIn) -> Any:
        values: dict[str, Any] = {
            k: getattr(body, k) for k in body.model_fields_set if getattr(body, k) is not None
        }
        values["updated_at"] = container.clock.now()

        def apply(conn: Any) -> Any:
            if not store.update_saved_reply(conn, agent.workspace_id, reply_id, values):
                raise inbox.InboxNotFoundError(f"no saved reply {reply_id} in this workspace")
            return store.saved_reply(conn, agent.workspace_id, reply_id)

        return await run(apply, write=True)

    @router.delete("/saved-replies/{reply_id}", status_code=204)
    async def delete(agent: SignedIn, reply_id: IdPath) -> Response:
        def apply(conn: Any) -> None:
            if not store.delete_saved_reply(conn, agent.workspace_id, reply_id):
                raise inbox.InboxNotFoundError(f"no saved reply {reply_id} in this workspace")

        await run(apply, write=True)
        return Response(status_code=204)

    return router
