"""Conversations for the inbox page: list, counts, one conversation, changes, notes, read
marks, the composer (state, send, typing) and handover (``/inbox/api``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from comptoir.bootstrap import Container
from comptoir.services import inbox
from comptoir.services.sending import InvalidSendError, SendTargetNotFoundError
from comptoir.storage import inbox as store
from comptoir.web.api.deps import IdPath
from comptoir.web.api.errors import (
    ApiError,
    NotFoundError,
    UnprocessableError,
    field_error,
)
from comptoir.web.api.pagination import MAX_ID, decode_cursor, encode_cursor
from comptoir.web.inbox_api.session import SignedIn

KIND = "inbox"
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Lang = Annotated[Literal["en", "fr"] | None, Query()]


class ConversationPatchIn(BaseModel):
    status: Literal["open", "pending", "resolved"] | None = None
    assignee_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    labels: list[str] | None = Field(default=None, max_length=100)
    snoozed_until: datetime | None = None


class NoteIn(BaseModel):
    text: str = Field(max_length=inbox.MAX_NOTE)


class QuickReplyIn(BaseModel):
    title: str = Field(min_length=1, max_length=20)
    payload: str = Field(default="", max_length=1000)


class AttachmentIn(BaseModel):
    type: Literal["image", "video", "audio", "file"]
    url: str = Field(min_length=1, max_length=2000)


class SendIn(BaseModel):
    text: str | None = Field(default=None, max_length=2000)
    quick_replies: list[QuickReplyIn] = Field(default_factory=list, max_length=13)
    attachment: AttachmentIn | None = None


class TypingIn(BaseModel):
    on: bool = True


def _error(exc: inbox.InboxError) -> ApiError:
    if isinstance(exc, inbox.InboxNotFoundError):
        return NotFoundError(str(exc))
    if isinstance(exc, inbox.InboxInvalidError):
        return field_error(exc.field, exc.message)
    if isinstance(exc, inbox.SendRefusedError):
        return UnprocessableError(
            exc.message,
            code="send_refused",
            reason_code=exc.reason_code,
            next_option=exc.next_option,
        )
    return ApiError(str(exc), code=exc.code)


def conversations_router(container: Container) -> APIRouter:
    router = APIRouter()

    async def read(function: Any, *args: Any) -> Any:
        def call() -> Any:
            with container.engine.connect() as conn:
                return function(conn, *args)

        try:
            return await anyio.to_thread.run_sync(call)
        except inbox.InboxError as exc:
            raise _error(exc) from None

    async def act(coroutine: Any) -> Any:
        try:
            return await coroutine
        except inbox.InboxError as exc:
            raise _error(exc) from None

    @router.get("/pages")
    async def pages(agent: SignedIn) -> Any:
        return {"data": await read(store.page_list, agent.workspace_id)}

    @router.get("/labels")
    async def labels(agent: SignedIn) -> Any:
        return {"data": await read(store.labels_in_use, agent.workspace_id)}

    @router.get("/conversations")
    async def list_conversations(
        agent: SignedIn,
        folder: Literal["unassigned", "mine", "all"] = "all",
        status: Literal["open", "pending", "snoozed", "resolved"] = "open",
        page_id: OptionalId = None,
        label: Annotated[str | None, Query(max_length=40)] = None,
        assignee_id: OptionalId = None,
        q: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 25,
        cursor: Annotated[str | None, Query(max_length=500)] = None,
    ) -> Any:
        after = None
        if cursor:
            position = decode_cursor(KIND, cursor)
            try:
                at, last_id = position
                after = (datetime.fromisoformat(at), int(last_id))
                if after[0].tzinfo is None or not 0 < after[1] <= MAX_ID:
                    raise ValueError
            except (TypeError, ValueError):
                raise ApiError(
                    "cursor: not a cursor this list gave out", code="invalid_cursor"
                ) from None
        try:
            terms = inbox.parse_terms(q)
        except inbox.InboxError as exc:
            raise _error(exc) from None
        query = store.ListQuery(
            folder=folder,
            status=status,
            page_ref=page_id,
            label=" ".join(label.split()).lower() if label else None,
            assignee_id=assignee_id,
            terms=terms,
            limit=limit,
            after=after,
        )
        now = container.clock.now()
        items, last = await read(inbox.list_page, agent, query, now)
        return {
            "data": items,
            "next_cursor": encode_cursor(KIND, *last) if last else None,
            "now": now.isoformat(),
        }

    @router.get("/counts")
    async def counts(agent: SignedIn) -> Any:
        return await read(inbox.counts, agent, container.clock.now())

    @router.get("/conversations/{conversation_id}")
    async def one(agent: SignedIn, conversation_id: IdPath, lang: Lang = None) -> Any:
        now = container.clock.now()
        found = await read(inbox.view, agent, conversation_id, now, lang or agent.locale)
        return {**found, "now": now.isoformat()}

    @router.get("/conversations/{conversation_id}/messages")
    async def messages(
        agent: SignedIn,
        conversation_id: IdPath,
        before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
    ) -> Any:
        data, older = await read(inbox.older_messages, agent, conversation_id, before, limit)
        return {"data": data, "older_cursor": older}

    @router.post("/conversations/{conversation_id}/read", status_code=204)
    async def mark_read(agent: SignedIn, conversation_id: IdPath) -> Response:
        await act(inbox.mark_read(container, agent, conversation_id))
        return Response(status_code=204)

    @router.patch("/conversations/{conversation_id}")
    async def patch(agent: SignedIn, conversation_id: IdPath, body: ConversationPatchIn) -> Any:
        changes: dict[str, Any] = {}
        for name in body.model_fields_set:
            value = getattr(body, name)
            if name == "status" and value is None:
                raise field_error("status", "status cannot be null")
            if name == "labels":
                if value is None:
                    raise field_error("labels", "labels cannot be null; send [] to clear")
                try:
                    value = inbox.clean_labels(value)
                except inbox.InboxError as exc:
                    raise _error(exc) from None
            if name == "snoozed_until" and value is not None and value.tzinfo is None:
                raise field_error("snoozed_until", "give a time zone (e.g. +00:00)")
            changes[name] = value
        return await act(inbox.change(container, agent, conversation_id, changes))

    @router.post("/conversations/{conversation_id}/notes", status_code=201)
    async def add_note(agent: SignedIn, conversation_id: IdPath, body: NoteIn) -> Any:
        return await act(inbox.add_note(container, agent, conversation_id, body.text))

    @router.get("/conversations/{conversation_id}/composer")
    async def composer(agent: SignedIn, conversation_id: IdPath, lang: Lang = None) -> Any:
        return await read(
            inbox.composer_state,
            agent,
            conversation_id,
            container.clock.now(),
            lang or agent.locale,
        )

    @router.post("/conversations/{conversation_id}/messages", status_code=201)
    async def send(agent: SignedIn, conversation_id: IdPath, body: SendIn) -> Any:
        has_text = body.text is not None and body.text.strip() != ""
        if has_text == (body.attachment is not None):
            raise field_error("text", "send either a text or an attachment")
        if body.quick_replies and not has_text:
            raise field_error("quick_replies", "quick replies go with a text")
        outgoing = inbox.Outgoing(
            text=body.text if has_text else None,
            quick_replies=tuple((q.title, q.payload or q.title) for q in body.quick_replies),
            attachment_type=body.attachment.type if body.attachment else None,
            attachment_url=body.attachment.url if body.attachment else None,
        )
        try:
            return await act(inbox.send(container, agent, conversation_id, outgoing, agent.locale))
        except SendTargetNotFoundError:
            raise NotFoundError(f"no conversation {conversation_id} in this workspace") from None
        except InvalidSendError as exc:
            raise field_error(exc.field, exc.message) from None

    @router.post("/conversations/{conversation_id}/typing")
    async def typing(agent: SignedIn, conversation_id: IdPath, body: TypingIn) -> Any:
        return await act(inbox.typing(container, agent, conversation_id, body.on))

    @router.post("/conversations/{conversation_id}/take")
    async def take(agent: SignedIn, conversation_id: IdPath) -> Any:
        return await act(inbox.take(container, agent, conversation_id))

    @router.post("/conversations/{conversation_id}/hand-back")
    async def hand_back(agent: SignedIn, conversation_id: IdPath) -> Any:
        return await act(inbox.hand_back(container, agent, conversation_id))

    return router
