"""Subscribers: segments (saved filters with a live count), a contact's consents (state and
history; opt in or out by API), notification tokens (their state and limits, never the token
itself)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection

from comptoir.bootstrap import Container
from comptoir.domain.consent import ConsentChannel, ConsentError
from comptoir.domain.policy_model import Mechanism, TokenKind
from comptoir.domain.segments import SegmentError, SegmentFilter, parse_filter
from comptoir.domain.token_limits import limits
from comptoir.services.consent import Answer, opt_in, opt_out
from comptoir.storage import consents as consent_store
from comptoir.storage import segments as segment_store
from comptoir.storage.tables import contacts
from comptoir.storage.tables import segments as segment_table
from comptoir.storage.tokens import StoredToken, list_tokens
from comptoir.web.api.auth import WorkspaceId
from comptoir.web.api.deps import IdPath, read, write
from comptoir.web.api.errors import ConflictError, NotFoundError, UnprocessableError, field_error

_TOKEN_STATUSES = ("active", "stopped", "used", "expired")


class SegmentIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    filter: dict[str, Any] = Field(default_factory=dict)


class SegmentPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    filter: dict[str, Any] | None = None


class FilterIn(BaseModel):
    filter: dict[str, Any] = Field(default_factory=dict)


class ConsentIn(BaseModel):
    topic: str = Field(min_length=1, max_length=100)
    action: Literal["opt_in", "opt_out"]
    #: What the person was shown or told, and what they answered (for the audit trail).
    wording: str = Field(default="", max_length=2000)
    answer: str = Field(default="", max_length=2000)


def _filter(data: dict[str, Any] | None) -> SegmentFilter:
    try:
        return parse_filter(data)
    except SegmentError as exc:
        raise UnprocessableError(f"filter: {exc}", code="invalid_filter") from None


def _segment_out(segment: segment_store.StoredSegment, count: int) -> dict[str, Any]:
    return {
        "id": segment.id,
        "name": segment.name,
        "filter": segment.filter.to_json(),
        "count": count,
        "created_at": segment.created_at.isoformat(),
        "updated_at": segment.updated_at.isoformat(),
    }


def _token_out(token: StoredToken, now: datetime) -> dict[str, Any]:
    """A token's state and limits: when it may carry its next message (never its value)."""
    single = token.kind is TokenKind.ONE_TIME
    gap = limits(token.kind, token.frequency, Mechanism.NOTIFICATION_MESSAGES, now).min_gap
    next_at: datetime | None = None
    if token.status == "active" and not (single and token.uses):
        last = token.last_used_at
        next_at = now if single or last is None else max(now, last + gap)
    return {
        "id": token.id,
        "contact_id": token.contact_id,
        "page_ref": token.page_ref,
        "kind": token.kind.value,
        "topic": token.topic,
        "status": token.status,
        "frequency": token.frequency,
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "stopped_at": token.stopped_at.isoformat() if token.stopped_at else None,
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "uses": token.uses,
        "single_use": single,
        "min_gap_hours": None if single else _hours(gap),
        "next_allowed_at": next_at.isoformat() if next_at else None,
    }


def _hours(value: timedelta) -> float:
    return value.total_seconds() / 3600


def _contact_in(conn: Connection, workspace_id: int, contact_id: int) -> bool:
    found = conn.execute(
        sa.select(contacts.c.id).where(
            contacts.c.id == contact_id, contacts.c.workspace_id == workspace_id
        )
    ).scalar_one_or_none()
    return found is not None


def audience_router(container: Container) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["subscribers"])

    # -- segments -----------------------------------------------------------------------------

    @router.get("/segments", summary="The workspace's segments, each with its live count")
    async def list_segments(workspace_id: WorkspaceId) -> dict[str, Any]:
        now = container.clock.now()

        def load(conn: Connection) -> list[dict[str, Any]]:
            return [
                _segment_out(s, segment_store.count_segment(conn, workspace_id, s.filter, now))
                for s in segment_store.list_segments(conn, workspace_id)
            ]

        return {"data": await read(container, load)}

    @router.post("/segments", status_code=201, summary="Save a segment (a filter over contacts)")
    async def create_segment(workspace_id: WorkspaceId, body: SegmentIn) -> dict[str, Any]:
        spec = _filter(body.filter)
        name = body.name.strip()
        if not name:
            raise field_error("name", "a segment needs a name")
        now = container.clock.now()

        def create(conn: Connection) -> dict[str, Any] | None:
            segment = segment_store.create_segment(conn, workspace_id, name, spec, now)
            if segment is None:
                return None
            return _segment_out(segment, segment_store.count_segment(conn, workspace_id, spec, now))

        created = await write(container, create)
        if created is None:
            raise ConflictError(f"a segment named {name!r} exists already")
        return created

    @router.post("/segments/count", summary="Count the contacts an unsaved filter selects")
    async def count_filter(workspace_id: WorkspaceId, body: FilterIn) -> dict[str, Any]:
        spec = _filter(body.filter)
        now = container.clock.now()
        count = await read(container, segment_store.count_segment, workspace_id, spec, now)
        return {"count": count, "filter": spec.to_json()}

    @router.get("/segments/{segment_id}", summary="One segment with its live count")
    async def get_segment(workspace_id: WorkspaceId, segment_id: IdPath) -> dict[str, Any]:
        now = container.clock.now()

        def load(conn: Connection) -> dict[str, Any] | None:
            segment = segment_store.get_segment(conn, workspace_id, segment_id)
            if segment is None:
                return None
            count = segment_store.count_segment(conn, workspace_id, segment.filter, now)
            return _segment_out(segment, count)

        found = await read(container, load)
        if found is None:
            raise NotFoundError(f"no segment {segment_id} in this workspace")
        return found

    @router.put("/segments/{segment_id}", summary="Rename a segment or change its filter")
    async def update_segment(
        workspace_id: WorkspaceId, segment_id: IdPath, body: SegmentPatch
    ) -> dict[str, Any]:
        spec = _filter(body.filter) if body.filter is not None else None
        name = body.name.strip() if body.name is not None else None
        if name is not None and not name:
            raise field_error("name", "a segment needs a name")
        now = container.clock.now()

        def change(conn: Connection) -> dict[str, Any] | None:
            if name is not None:
                taken = conn.execute(
                    sa.select(segment_table.c.id).where(
                        segment_table.c.workspace_id == workspace_id,
                        segment_table.c.name == name,
                        segment_table.c.id != segment_id,
                    )
                ).first()
                if taken is not None:
                    raise ConflictError(f"a segment named {name!r} exists already")
            segment = segment_store.update_segment(
                conn, workspace_id, segment_id, now, name=name, spec=spec
            )
            if segment is None:
                return None
            count = segment_store.count_segment(conn, workspace_id, segment.filter, now)
            return _segment_out(segment, count)

        found = await write(container, change)
        if found is None:
            raise NotFoundError(f"no segment {segment_id} in this workspace")
        return found

    @router.delete(
        "/segments/{segment_id}", status_code=204, response_class=Response, summary="Delete"
    )
    async def delete_segment(workspace_id: WorkspaceId, segment_id: IdPath) -> Response:
        if not await write(container, segment_store.delete_segment, workspace_id, segment_id):
            raise NotFoundError(f"no segment {segment_id} in this workspace")
        return Response(status_code=204)

    # -- consents -------------------------------------------------------------------------------

    def consents_of(conn: Connection, workspace_id: int, contact_id: int) -> dict[str, Any] | None:
        if not _contact_in(conn, workspace_id, contact_id):
            return None
        states = consent_store.consent_states(conn, [contact_id]).get(contact_id, {})
        history = consent_store.consent_history(conn, contact_id)
        return {
            "contact_id": contact_id,
            "topics": {
                topic: {"status": s.status.value, "changed_at": s.changed_at.isoformat()}
                for topic, s in sorted(states.items())
            },
            "history": [
                {
                    "topic": e.topic,
                    "action": e.action,
                    "at": e.at.isoformat(),
                    "channel": e.channel,
                    "wording": e.wording,
                    "answer": e.answer,
                }
                for e in history
            ],
        }

    @router.get(
        "/contacts/{contact_id}/consents",
        summary="A contact's consent per topic and its history (newest first)",
    )
    async def get_consents(workspace_id: WorkspaceId, contact_id: IdPath) -> dict[str, Any]:
        found = await read(container, consents_of, workspace_id, contact_id)
        if found is None:
            raise NotFoundError(f"no contact {contact_id} in this workspace")
        return found

    @router.post(
        "/contacts/{contact_id}/consents",
        summary="Record an opt-in or opt-out given outside Messenger (topic '*': everything)",
    )
    async def post_consent(
        workspace_id: WorkspaceId, contact_id: IdPath, body: ConsentIn
    ) -> dict[str, Any]:
        now = container.clock.now()
        how = Answer(ConsentChannel.API, wording=body.wording, answer=body.answer)

        def record(conn: Connection) -> dict[str, Any] | None:
            if not _contact_in(conn, workspace_id, contact_id):
                return None
            change = opt_in if body.action == "opt_in" else opt_out
            change(conn, contact_id, body.topic, now, how, workspace_id=workspace_id)
            return consents_of(conn, workspace_id, contact_id)

        try:
            found = await write(container, record)
        except ConsentError as exc:
            raise field_error("topic", str(exc)) from None
        if found is None:
            raise NotFoundError(f"no contact {contact_id} in this workspace")
        return found

    # -- tokens -------------------------------------------------------------------------------

    @router.get(
        "/contacts/{contact_id}/tokens",
        summary="A contact's notification tokens: state and limits (never the token)",
    )
    async def contact_tokens(workspace_id: WorkspaceId, contact_id: IdPath) -> dict[str, Any]:
        now = container.clock.now()

        def load(conn: Connection) -> list[dict[str, Any]] | None:
            if not _contact_in(conn, workspace_id, contact_id):
                return None
            found = list_tokens(conn, workspace_id, contact_id=contact_id, limit=1000)
            return [_token_out(t, now) for t in found]

        found = await read(container, load)
        if found is None:
            raise NotFoundError(f"no contact {contact_id} in this workspace")
        return {"data": found}

    @router.get("/tokens", summary="The workspace's notification tokens (never the token)")
    async def tokens(
        workspace_id: WorkspaceId,
        status: str | None = Query(default=None, max_length=10),
        page_ref: int | None = Query(default=None, ge=1),
        after: int = Query(default=0, ge=0, description="The last id of the previous page."),
        limit: int = Query(default=100, ge=1, le=1000),
    ) -> dict[str, Any]:
        if status is not None and status not in _TOKEN_STATUSES:
            raise field_error("status", f"one of {', '.join(_TOKEN_STATUSES)}", "query")
        now = container.clock.now()
        found = await read(
            container,
            list_tokens,
            workspace_id,
            status=status,
            page_ref=page_ref,
            after_id=after,
            limit=limit,
        )
        data = [_token_out(t, now) for t in found]
        return {"data": data, "next_after": data[-1]["id"] if len(data) == limit else None}

    return router
