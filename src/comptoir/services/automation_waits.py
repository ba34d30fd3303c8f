"""The wait step's worker: conversations whose flow waits until a due time
(``automation_threads.wait_until``) are resumed when it comes, polled every ``POLL_SECONDS``
on the injected clock. A conversation a person has taken is not resumed until it is handed
back; one that can no longer resume (resolved, owned by another app, flow gone) is
abandoned."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from comptoir.bootstrap import Container
from comptoir.domain.automation.engine import FlowState
from comptoir.services.automation_replies import Turn
from comptoir.services.automation_settings import (
    AutomationSettings,
    SettingsError,
    load_settings,
)
from comptoir.storage import tables
from comptoir.storage.automation import (
    Incoming,
    ThreadState,
    due_waits,
    load_thread,
    update_thread,
)
from comptoir.threads import run_sync

if TYPE_CHECKING:
    from comptoir.services.automation import Automation

log = logging.getLogger(__name__)

__all__ = ["POLL_SECONDS", "WaitPoller", "run_due_waits"]

POLL_SECONDS = 1.0


async def run_due_waits(automation: Automation) -> int:
    """Resume every flow whose wait is due now; how many were resumed."""
    container = automation.container
    now = container.clock.now()

    def load() -> tuple[list[tuple[Incoming, AutomationSettings | None]], list[int]]:
        found = []
        gone = []
        with container.engine.connect() as conn:
            for conversation_id in due_waits(conn, now):
                item = _context(conn, conversation_id, now)
                if item is None:
                    gone.append(conversation_id)
                    continue
                try:
                    found.append((item, load_settings(conn, item.page_ref)))
                except SettingsError:
                    gone.append(conversation_id)
        return found, gone

    found, gone = await run_sync(load)
    resumed = 0
    for item, settings in found:
        thread = item.thread
        flows = (
            automation.flows.flows_for(item.page_ref, settings.flows_folder)
            if settings is not None and settings.enabled
            else None
        )
        flow = flows.by_name.get(thread.flow_name or "") if flows is not None else None
        if settings is None or flow is None or thread.flow_step is None:
            gone.append(item.conversation_id)
            continue
        state = FlowState(flow.name, thread.flow_step, dict(thread.flow_data or {}))
        locale = item.locale or settings.default_locale
        turn = Turn(item, settings, locale, now, greeted_now=False)
        async with automation.conversation_lock(item.conversation_id):
            # Claim the wait (another poller, in this process or another, may have it).
            claimed = await run_sync(
                _claim, container, item.conversation_id, thread.wait_until, thread.flow_step
            )
            if not claimed:
                continue
            await automation.flows.wait_over(turn, flow, state)
        resumed += 1
    if gone:
        await run_sync(_abandon, container, gone, now)
    return resumed


def _claim(
    container: Container, conversation_id: int, due: datetime | None, step: str | None
) -> bool:
    """Clear the wait if it is still the one loaded; whether this caller got it."""
    t = tables.automation_threads
    with container.engine.begin() as conn:
        changed = conn.execute(
            sa.update(t)
            .where(
                t.c.conversation_id == conversation_id,
                t.c.wait_until == due,
                t.c.flow_step == step,
            )
            .values(wait_until=None)
        )
    return changed.rowcount == 1


def _abandon(container: Container, conversation_ids: list[int], now: datetime) -> None:
    """Flows that can no longer resume (conversation resolved or owned by another app,
    automation off, flow gone): their state is cleared so they are not polled again."""
    with container.engine.begin() as conn:
        for conversation_id in conversation_ids:
            update_thread(
                conn,
                conversation_id,
                now,
                flow_name=None,
                flow_step=None,
                flow_data={},
                wait_until=None,
            )
    log.info("%d waiting flows abandoned (they can no longer resume)", len(conversation_ids))


def _context(conn: sa.Connection, conversation_id: int, now: datetime) -> Incoming | None:
    """The conversation as automation sees it, without a message (for a due wait)."""
    c, p = tables.conversations, tables.contacts
    row = conn.execute(
        sa.select(
            c.c.workspace_id,
            c.c.page_ref,
            c.c.contact_id,
            c.c.status,
            c.c.thread_owner_app_id,
            p.c.first_name,
            p.c.locale,
        )
        .join(p, p.c.id == c.c.contact_id)
        .where(c.c.id == conversation_id)
    ).first()
    if row is None or row.status == "resolved" or row.thread_owner_app_id is not None:
        return None
    thread: ThreadState = load_thread(conn, conversation_id)
    return Incoming(
        message_id=0,
        workspace_id=row.workspace_id,
        page_ref=row.page_ref,
        conversation_id=conversation_id,
        contact_id=row.contact_id,
        text=None,
        content={},
        standby=False,
        created_at=now,
        conversation_status=row.status,
        thread_owner_app_id=None,
        first_name=row.first_name or "",
        locale=row.locale,
        contact_content={},
        thread=thread,
    )


class WaitPoller:
    """Polls for due waits while the app runs."""

    def __init__(self, automation: Automation) -> None:
        self.automation = automation
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="comptoir-automation-waits")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                await run_due_waits(self.automation)
            except Exception:
                log.exception("resuming waiting flows failed")
