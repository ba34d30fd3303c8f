"""The shared inbox's use cases, for one signed-in agent in one workspace.

Reads: the conversation list (folders, filters, full-text search, keyset pages), counts, one
conversation (messages, notes, contact panel, composer). Changes: assign, label, snooze,
resolve, reopen, notes, read marks, saved replies; sending as the agent through the one
sending path (``services.sending``), the typing indicator, take over and hand back
(``services.handover``). Every change is published on the bus after its commit.

An id that is not in the agent's workspace raises ``InboxNotFoundError``, exactly like an id
that does not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio.to_thread
from sqlalchemy.engine import Connection

from comptoir.bootstrap import Container
from comptoir.domain.composer_text import composer_sentence
from comptoir.domain.policy import decide
from comptoir.domain.policy_model import Allowed, SenderKind, SendRequest
from comptoir.services import handover
from comptoir.services import inbox_json as shape
from comptoir.services.send_policy import conversation_state, page_capabilities
from comptoir.services.sending import (
    Attachment,
    QuickReply,
    SendMessage,
    next_option_json,
    send_message,
    send_sender_action,
)
from comptoir.storage import accounts as account_store
from comptoir.storage import inbox as store
from comptoir.storage.inbox_search import search_terms
from comptoir.storage.outbound import find_target

MAX_LABELS = 20
MAX_LABEL = 40
MAX_NOTE = 5000
MESSAGES_PER_VIEW = 50
PLACEHOLDERS = ("first_name", "last_name", "full_name", "agent_name", "page_name")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


class InboxError(Exception):
    code = "inbox_error"


class InboxNotFoundError(InboxError):
    code = "not_found"


class InboxInvalidError(InboxError):
    code = "validation_error"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class SendRefusedError(InboxError):
    code = "send_refused"

    def __init__(self, message: str, reason_code: str, next_option: dict[str, Any] | None):
        super().__init__(message)
        self.message = message
        self.reason_code = reason_code
        self.next_option = next_option


@dataclass(frozen=True, slots=True)
class Agent:
    workspace_id: int
    user_id: int
    name: str
    role: str = "agent"
    locale: str = "en"


async def _read(container: Container, function: Any, *args: Any) -> Any:
    def call() -> Any:
        with container.engine.connect() as conn:
            return function(conn, *args)

    return await anyio.to_thread.run_sync(call)


async def _write(container: Container, function: Any, *args: Any) -> Any:
    def call() -> Any:
        with container.engine.begin() as conn:
            return function(conn, *args)

    return await anyio.to_thread.run_sync(call)


def _require(conn: Connection, agent: Agent, conversation_id: int) -> None:
    if not store.conversation_exists(conn, agent.workspace_id, conversation_id):
        raise InboxNotFoundError(f"no conversation {conversation_id} in this workspace")


# -- the list ---------------------------------------------------------------------------------


def decorate(conn: Connection, agent: Agent, ids: list[int], now: datetime) -> list[dict[str, Any]]:
    """List-row objects for ``ids``, in that order."""
    rows = store.conversation_rows(conn, agent.workspace_id, ids)
    labels = store.labels_of(conn, ids)
    last = store.last_messages(conn, ids)
    unread = store.unread_counts(conn, agent.user_id, ids)
    return [
        shape.list_row(
            rows[i], labels=labels[i], last=last.get(i), unread=unread.get(i, 0), now=now
        )
        for i in ids
        if i in rows
    ]


def list_page(
    conn: Connection, agent: Agent, query: store.ListQuery, now: datetime
) -> tuple[list[dict[str, Any]], tuple[str, int] | None]:
    """One page of list rows and the position after its last row (None: the last page)."""
    if query.page_ref is not None and not store.page_in_workspace(
        conn, agent.workspace_id, query.page_ref
    ):
        raise InboxNotFoundError(f"no Page {query.page_ref} in this workspace")
    found = store.list_ids(conn, agent.workspace_id, agent.user_id, query, now)
    items = decorate(conn, agent, [int(r.id) for r in found], now)
    last = None
    if len(found) == query.limit:
        last = (found[-1].last_activity_at.isoformat(), int(found[-1].id))
    return items, last


def parse_terms(text: str | None) -> tuple[str, ...]:
    if not text or not text.strip():
        return ()
    terms = search_terms(text)
    if not terms:
        raise InboxInvalidError("q", "type at least one letter or digit to search")
    return tuple(terms)


def counts(conn: Connection, agent: Agent, now: datetime) -> dict[str, Any]:
    return {
        "folders": store.count_folders(conn, agent.workspace_id, agent.user_id, now),
        "unread": store.unread_conversations(conn, agent.workspace_id, agent.user_id, now),
    }


# -- one conversation -------------------------------------------------------------------------


def composer_state(
    conn: Connection, agent: Agent, conversation_id: int, now: datetime, lang: str
) -> dict[str, Any]:
    """What Meta allows this agent to send right now, in data and in a sentence."""
    target = find_target(conn, agent.workspace_id, conversation_id=conversation_id)
    if target is None:
        raise InboxNotFoundError(f"no conversation {conversation_id} in this workspace")
    request = SendRequest(sender=SenderKind.AGENT)
    decision = decide(request, conversation_state(target), page_capabilities(target), now)
    closes = None
    if target.last_user_message_at is not None:
        closes = target.last_user_message_at + timedelta(seconds=target.window_seconds)
    sentence = composer_sentence(
        decision, window_closes_at=closes, now=now, tz=target.timezone or "UTC", locale=lang
    )
    rows = store.conversation_rows(conn, agent.workspace_id, [conversation_id])
    row = rows[conversation_id]
    if isinstance(decision, Allowed):
        mode = "human_agent" if decision.tag == "HUMAN_AGENT" else "response"
        until = decision.valid_until
    else:
        mode, until = None, None
    return {
        "can_send": isinstance(decision, Allowed),
        "mode": mode,
        "sentence": sentence,
        "until": shape.iso(until),
        "automation": "paused" if row.get("taken_at") is not None else "active",
        "taken_by": row.get("taken_by") or "",
    }


def view(
    conn: Connection, agent: Agent, conversation_id: int, now: datetime, lang: str
) -> dict[str, Any]:
    _require(conn, agent, conversation_id)
    rows = decorate(conn, agent, [conversation_id], now)
    recent = store.message_page(conn, conversation_id, before=None, limit=MESSAGES_PER_VIEW + 1)
    older = None
    if len(recent) > MESSAGES_PER_VIEW:
        recent = recent[:MESSAGES_PER_VIEW]
        older = int(recent[-1]["id"])
    contact_id = rows[0]["contact"]["id"]
    return {
        "conversation": rows[0],
        "messages": [shape.message(m) for m in reversed(recent)],
        "older_cursor": older,
        "notes": [shape.note(n) for n in store.notes_of(conn, conversation_id)],
        "contact": shape.contact(store.contact_panel(conn, agent.workspace_id, contact_id)),
        "composer": composer_state(conn, agent, conversation_id, now, lang),
    }


def older_messages(
    conn: Connection, agent: Agent, conversation_id: int, before: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    _require(conn, agent, conversation_id)
    found = store.message_page(conn, conversation_id, before=before, limit=limit + 1)
    older = None
    if len(found) > limit:
        found = found[:limit]
        older = int(found[-1]["id"])
    return [shape.message(m) for m in reversed(found)], older


# -- changes ----------------------------------------------------------------------------------


def clean_labels(labels: list[str]) -> list[str]:
    cleaned: list[str] = []
    for label in labels:
        value = " ".join(label.split()).lower()
        if not value or len(value) > MAX_LABEL:
            raise InboxInvalidError("labels", f"each label has 1 to {MAX_LABEL} characters")
        if value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > MAX_LABELS:
        raise InboxInvalidError("labels", f"at most {MAX_LABELS} labels")
    return cleaned


async def change(
    container: Container, agent: Agent, conversation_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Apply any of status, assignee_id, labels, snoozed_until; publish; the new list row."""
    now = container.clock.now()
    published: dict[str, Any] = {}

    def apply(conn: Connection) -> dict[str, Any]:
        _require(conn, agent, conversation_id)
        values: dict[str, Any] = {}
        if "status" in changes:
            values["status"] = changes["status"]
            if changes["status"] == "resolved":
                values["snoozed_until"] = None
        if "assignee_id" in changes:
            assignee = changes["assignee_id"]
            if assignee is not None and (
                account_store.role_in(conn, assignee, agent.workspace_id) is None
            ):
                raise InboxNotFoundError(f"no member {assignee} in this workspace")
            values["assignee_id"] = assignee
        if "snoozed_until" in changes:
            until = changes["snoozed_until"]
            if until is not None and until <= now:
                raise InboxInvalidError("snoozed_until", "snooze until a time in the future")
            values["snoozed_until"] = until
            values["snoozed_at"] = now if until is not None else None
        if values:
            store.update_conversation(conn, agent.workspace_id, conversation_id, values)
        if "labels" in changes:
            store.replace_labels(conn, agent.workspace_id, conversation_id, changes["labels"])
        published.update({k: v for k, v in values.items() if k != "snoozed_at"})
        if "labels" in changes:
            published["labels"] = changes["labels"]
        return decorate(conn, agent, [conversation_id], now)[0]

    row: dict[str, Any] = await _write(container, apply)
    if published:
        data = {k: shape.iso(v) if isinstance(v, datetime) else v for k, v in published.items()}
        await container.bus.publish(
            agent.workspace_id,
            "conversation.updated",
            {"conversation_id": conversation_id, "by": agent.user_id, **data},
        )
    return row


async def add_note(
    container: Container, agent: Agent, conversation_id: int, text: str
) -> dict[str, Any]:
    text = text.strip()
    if not text or len(text) > MAX_NOTE:
        raise InboxInvalidError("text", f"a note has 1 to {MAX_NOTE} characters")
    now = container.clock.now()

    def insert(conn: Connection) -> dict[str, Any]:
        _require(conn, agent, conversation_id)
        return store.insert_note(
            conn, agent.workspace_id, conversation_id, agent.user_id, agent.name, text, now
        )

    note = await _write(container, insert)
    await container.bus.publish(
        agent.workspace_id,
        "note.created",
        {"conversation_id": conversation_id, "note_id": note["id"]},
    )
    return shape.note(note)


async def mark_read(container: Container, agent: Agent, conversation_id: int) -> None:
    now = container.clock.now()

    def mark(conn: Connection) -> None:
        _require(conn, agent, conversation_id)
        store.mark_read(conn, conversation_id, agent.user_id, now)

    await _write(container, mark)


# -- composer ---------------------------------------------------------------------------------


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), text)


def placeholder_values(conn: Connection, agent: Agent, conversation_id: int) -> dict[str, str]:
    rows = store.conversation_rows(conn, agent.workspace_id, [conversation_id])
    if conversation_id not in rows:
        raise InboxNotFoundError(f"no conversation {conversation_id} in this workspace")
    row = rows[conversation_id]
    return {
        "first_name": row["first_name"] or "",
        "last_name": row["last_name"] or "",
        "full_name": shape.full_name(row["first_name"], row["last_name"]),
        "agent_name": agent.name,
        "page_name": row["page_name"] or "",
    }


@dataclass(frozen=True, slots=True)
class Outgoing:
    text: str | None = None
    quick_replies: tuple[tuple[str, str], ...] = ()
    attachment_type: str | None = None
    attachment_url: str | None = None


async def send(
    container: Container, agent: Agent, conversation_id: int, outgoing: Outgoing, lang: str
) -> dict[str, Any]:
    """Send as this agent; the stored message and the composer's new state."""
    values = await _read(container, placeholder_values, agent, conversation_id)
    text = fill_placeholders(outgoing.text, values) if outgoing.text is not None else None
    attachment = None
    if outgoing.attachment_type is not None:
        attachment = Attachment(type=outgoing.attachment_type, url=outgoing.attachment_url)
    command = SendMessage(
        workspace_id=agent.workspace_id,
        conversation_id=conversation_id,
        author_kind="agent",
        author_name=agent.name,
        text=text,
        attachment=attachment,
        quick_replies=tuple(QuickReply(title=t, payload=p) for t, p in outgoing.quick_replies),
    )
    outcome = await send_message(container, command)
    decision = outcome.decision
    if not outcome.accepted or outcome.message_id is None:
        code = getattr(decision, "code", None)
        raise SendRefusedError(
            outcome.explanation,
            code.value if code is not None else "refused",
            next_option_json(getattr(decision, "next_option", None)),
        )
    message_id = outcome.message_id
    now = container.clock.now()

    def load(conn: Connection) -> dict[str, Any]:
        stored = store.one_message(conn, message_id)
        assert stored is not None
        return {
            "message": shape.message(stored),
            "composer": composer_state(conn, agent, conversation_id, now, lang),
        }

    result: dict[str, Any] = await _read(container, load)
    return result


async def typing(
    container: Container, agent: Agent, conversation_id: int, on: bool
) -> dict[str, Any]:
    await _read(container, _require, agent, conversation_id)
    outcome = await send_sender_action(
        container,
        agent.workspace_id,
        conversation_id=conversation_id,
        action="typing_on" if on else "typing_off",
    )
    await container.bus.publish(
        agent.workspace_id,
        "typing",
        {
            "conversation_id": conversation_id,
            "user_id": agent.user_id,
            "name": agent.name,
            "on": on,
        },
    )
    if outcome.sent:
        return {"sent": True}
    return {"sent": False, "reason": outcome.error or outcome.explanation}


async def take(container: Container, agent: Agent, conversation_id: int) -> dict[str, Any]:
    try:
        result = await handover.take(container, agent.workspace_id, conversation_id, agent.name)
    except handover.UnknownConversationError:
        raise InboxNotFoundError(f"no conversation {conversation_id} in this workspace") from None
    return {"automation": result.automation, "taken_by": result.taken_by}


async def hand_back(container: Container, agent: Agent, conversation_id: int) -> dict[str, Any]:
    try:
        result = await handover.hand_back(container, agent.workspace_id, conversation_id)
    except handover.UnknownConversationError:
        raise InboxNotFoundError(f"no conversation {conversation_id} in this workspace") from None
    return {"automation": result.automation, "taken_by": ""}


# -- saved replies ----------------------------------------------------------------------------


def saved_replies(
    conn: Connection, agent: Agent, conversation_id: int | None
) -> list[dict[str, Any]]:
    replies = store.saved_reply_list(conn, agent.workspace_id)
    if conversation_id is None:
        return [{"id": int(r["id"]), "name": r["name"], "text": r["text"]} for r in replies]
    values = placeholder_values(conn, agent, conversation_id)
    return [
        {
            "id": int(r["id"]),
            "name": r["name"],
            "text": r["text"],
            "rendered": fill_placeholders(r["text"], values),
        }
        for r in replies
    ]
