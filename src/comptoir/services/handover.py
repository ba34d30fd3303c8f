"""Handover between the bot and a person, per conversation.

``take`` marks the conversation as taken (automation stops answering it); ``hand_back``
clears the mark and, when the Page's automation has a disclosure line, sends it (through the
one sending path, as the bot). Resolving a conversation also hands it back (the automation
worker clears the mark when it sees the conversation resolved).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from comptoir.bootstrap import Container
from comptoir.storage import tables
from comptoir.storage.automation import load_thread, update_thread
from comptoir.threads import run_sync

__all__ = ["HandoverResult", "UnknownConversationError", "hand_back", "take"]


class UnknownConversationError(LookupError):
    """No such conversation in this workspace."""


@dataclass(frozen=True, slots=True)
class HandoverResult:
    conversation_id: int
    automation: str
    taken_by: str = ""
    taken_at: datetime | None = None
    disclosure_sent: bool = False


def _conversation(container: Container, workspace_id: int, conversation_id: int) -> tuple[int, str]:
    c = tables.conversations
    with container.engine.connect() as conn:
        row = conn.execute(
            sa.select(c.c.page_ref, c.c.thread_owner_app_id).where(
                c.c.id == conversation_id, c.c.workspace_id == workspace_id
            )
        ).first()
    if row is None:
        raise UnknownConversationError(f"no conversation {conversation_id} in this workspace")
    return int(row.page_ref), row.thread_owner_app_id or ""


async def take(
    container: Container, workspace_id: int, conversation_id: int, taken_by: str = ""
) -> HandoverResult:
    """A person takes the conversation: automation stops answering it."""
    await run_sync(_conversation, container, workspace_id, conversation_id)
    now = container.clock.now()

    def mark() -> None:
        with container.engine.begin() as conn:
            update_thread(conn, conversation_id, now, taken_at=now, taken_by=taken_by)

    await run_sync(mark)
    await container.bus.publish(
        workspace_id,
        "conversation.updated",
        {"conversation_id": conversation_id, "automation": "paused", "taken_by": taken_by},
    )
    return HandoverResult(conversation_id, "paused", taken_by, now)


async def hand_back(
    container: Container, workspace_id: int, conversation_id: int
) -> HandoverResult:
    """The person hands the conversation back: automation answers again; the disclosure
    line (when the Page has one) tells the customer the answers are automated again."""
    from comptoir.services.automation import Reply, automation_of
    from comptoir.services.automation_settings import load_settings

    page_ref, _ = await run_sync(_conversation, container, workspace_id, conversation_id)
    now = container.clock.now()

    def clear() -> tuple[bool, str | None, str | None]:
        with container.engine.begin() as conn:
            was_taken = load_thread(conn, conversation_id).taken_at is not None
            update_thread(conn, conversation_id, now, taken_at=None, taken_by="")
            settings = load_settings(conn, page_ref)
            locale = conn.execute(
                sa.select(tables.contacts.c.locale)
                .join(
                    tables.conversations, tables.conversations.c.contact_id == tables.contacts.c.id
                )
                .where(tables.conversations.c.id == conversation_id)
            ).scalar()
        if settings is None or not settings.enabled or settings.disclosure is None:
            return was_taken, None, None
        return was_taken, settings.disclosure.pick(locale or settings.default_locale), locale

    was_taken, disclosure, _ = await run_sync(clear)
    sent = False
    if was_taken and disclosure:
        sent = await automation_of(container).send(workspace_id, conversation_id, Reply(disclosure))
    await container.bus.publish(
        workspace_id,
        "conversation.updated",
        {"conversation_id": conversation_id, "automation": "active"},
    )
    return HandoverResult(conversation_id, "active", disclosure_sent=sent)
