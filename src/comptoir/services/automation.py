"""Automation at run time: answer customers at once, through the one sending path.

After the intake commits, its live events go out on the bus (``container.bus``). ``install``
registers the automation worker as a bus listener (``EventBus.listen``): it takes note of
new incoming messages (``message.created``, direction ``in``) and of resolved
conversations. So automation only ever sees committed rows, and the webhook request never
waits for it.

For each incoming message or postback that is NOT on standby, in a conversation no person has
taken (``POST /conversations/{id}/take``) and no other app controls (Conversation Routing:
``conversations.thread_owner_app_id``), of a Page whose automation settings are on:

1. a new conversation gets the disclosure line (when set) and the instant reply;
2. outside opening hours, the away message, once per closed period;
3. then the responders (keyword answers, FAQ, flows) answer, in the contact's language.

A stop request (STOP, ARRÊT, UNSUBSCRIBE...) gets none of these: the intake recorded it and
sends its confirmation (``services.consent``).

Every message goes through ``services.sending.send_message(..., author_kind="bot")``: policy,
rate limits and the outbox apply. Messages of one conversation are handled in order; different
conversations at once (up to ``CONCURRENCY``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx

from comptoir.bootstrap import Container
from comptoir.domain.consent import is_stop_request
from comptoir.realtime.bus import LiveEvent
from comptoir.services.automation_replies import (
    Reply,
    Responder,
    Turn,
    answerable,
    render,
    tidy,
)
from comptoir.services.automation_settings import (
    AutomationSettings,
    SettingsError,
    load_settings,
)
from comptoir.services.intake_effects import Outstanding
from comptoir.services.sending import SendError, SendMessage, send_message
from comptoir.storage.automation import (
    ContactData,
    Incoming,
    ThreadState,
    load_contact_data,
    load_incoming,
    load_referral,
    load_thread,
    update_thread,
)
from comptoir.threads import run_sync

log = logging.getLogger(__name__)

__all__ = [
    "Automation",
    "Reply",
    "Responder",
    "Turn",
    "answerable",
    "automation_of",
    "install",
    "render",
    "tidy",
]

#: Seconds a Page's settings are kept in memory before being read again.
SETTINGS_TTL = 5.0
#: Conversations answered at once.
CONCURRENCY = 32


class Automation:
    """The automation worker (``start``/``aclose``), fed by its bus listener."""

    def __init__(self, container: Container) -> None:
        self.container = container
        from comptoir.services.automation_flows import FlowResponder

        self.flows = FlowResponder(self)
        #: Tried in order after the automatic replies; the first that answers wins.
        self.responders: list[Responder] = [self.flows]
        #: Client for flows' calls to the business's endpoints (not the Graph API's).
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0))
        #: page_ref -> (settings, when loaded): read again after ``SETTINGS_TTL`` seconds, so
        #: a change made by another process (``comptoir automation set``) is seen.
        self._settings: dict[int, tuple[AutomationSettings | None, float]] = {}
        self._queue: asyncio.Queue[list[int]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._work = Outstanding()
        self._tasks: set[asyncio.Task[None]] = set()
        #: Freshness of state read with a batch: a count of finished conversation turns,
        #: the count at which each conversation last finished one, and the count when that
        #: record was last emptied (``_fresh``).
        #: SQLite: automation's reads (a few pages of a local file, by primary key) run on
        #: the event loop, which costs less than the hops to a thread and back.
        self._local_reads = container.engine.dialect.name == "sqlite"
        self._turns = 0
        self._finished: dict[int, int] = {}
        self._forgotten_at = 0

    # ---- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._run(), name="comptoir-automation")

    async def aclose(self) -> None:
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wait_idle(), timeout=10)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._queue = None
        await self.http.aclose()

    async def wait_idle(self) -> None:
        """Wait until every noticed message has been answered (or skipped)."""
        await self._work.wait()

    def forget_settings(self, page_ref: int | None = None) -> None:
        """Call after changing a Page's settings."""
        if page_ref is None:
            self._settings.clear()
        else:
            self._settings.pop(page_ref, None)

    # ---- input -------------------------------------------------------------------------

    def notice_event(self, event: LiveEvent) -> None:
        """The bus listener (``EventBus.listen``)."""
        self.notice(event.workspace_id, event.type, event.data)

    def notice(self, workspace_id: int, type: str, data: dict[str, Any]) -> None:
        """A committed change (from the bus): queue new incoming messages."""
        if self._queue is None:
            return
        if type == "conversation.updated":
            conversation_id = data.get("conversation_id")
            if isinstance(conversation_id, int) and "automation" in data:
                self._turn_finished(conversation_id)  # taken or handed back: read it again
            if data.get("status") == "resolved":
                self._resume_later(conversation_id)
            return
        if type == "contact.referral":
            self._referral_later(data)
            return
        if type != "message.created":
            return
        if data.get("direction") != "in" or data.get("standby"):
            return
        if self._automation_off(data.get("page_ref")):
            return
        message_id = data.get("message_id")
        if isinstance(message_id, int):
            self._work.begin()
            self._queue.put_nowait([message_id])

    def _automation_off(self, page_ref: Any) -> bool:
        """Whether the Page's settings, as last read and still fresh, say automation is off
        (no settings, or disabled): its messages need not be loaded at all."""
        if not isinstance(page_ref, int):
            return False
        cached = self._settings.get(page_ref)
        if cached is None or time.monotonic() - cached[1] > SETTINGS_TTL:
            return False
        settings = cached[0]
        return settings is None or not settings.enabled

    def _referral_later(self, data: dict[str, Any]) -> None:
        """An m.me link or an ad opened an existing thread: treat it like an incoming event
        on the contact's current conversation (flows with ``ref`` or ``ad`` triggers)."""
        contact_id = data.get("contact_id")
        referral = data.get("referral")
        if not isinstance(contact_id, int) or not isinstance(referral, dict):
            return
        now = self.container.clock.now()

        def load() -> Incoming | None:
            with self.container.engine.connect() as conn:
                found = load_referral(conn, contact_id, referral, now)
                if found is not None and found.page_ref not in self._settings:
                    self._settings[found.page_ref] = (
                        load_settings(conn, found.page_ref),
                        time.monotonic(),
                    )
                return found

        async def run() -> None:
            try:
                item = await run_sync(load)
            except Exception:
                log.exception("automation could not load a referral (contact %d)", contact_id)
                return
            if item is not None:
                await self._conversation(item.conversation_id, [item])

        self._work.begin()
        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _resume_later(self, conversation_id: Any) -> None:
        """A resolved conversation is the bot's again (should it be reopened)."""
        if not isinstance(conversation_id, int):
            return
        now = self.container.clock.now()

        async def resume() -> None:
            async with self.conversation_lock(conversation_id):
                await self._mark(conversation_id, now, {"taken_at": None, "taken_by": ""})

        self._work.begin()
        task = asyncio.create_task(resume())
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            ids = await self._queue.get()
            count = 1
            while not self._queue.empty():
                ids.extend(self._queue.get_nowait())
                count += 1
            try:
                await self._dispatch(ids)
            except Exception:
                log.exception("automation could not load %d incoming messages", len(ids))
            finally:
                for _ in range(count):
                    self._work.end()

    async def _dispatch(self, ids: list[int]) -> None:
        read_at = self._turns
        if self._local_reads:
            incoming = self._load(ids)
        else:
            incoming = await run_sync(self._load, ids)
        by_conversation: dict[int, list[Incoming]] = {}
        for item in incoming:
            by_conversation.setdefault(item.conversation_id, []).append(item)
        for conversation_id, items in by_conversation.items():
            fresh = self._fresh(conversation_id, read_at)
            self._work.begin()
            task = asyncio.create_task(self._conversation(conversation_id, items, fresh=fresh))
            self._tasks.add(task)
            task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._work.end()

    def _load(self, ids: list[int]) -> list[Incoming]:
        with self.container.engine.connect() as conn:
            found = load_incoming(conn, ids)
            now = time.monotonic()
            for item in found:
                cached = self._settings.get(item.page_ref)
                if cached is None or now - cached[1] > SETTINGS_TTL:
                    try:
                        settings = load_settings(conn, item.page_ref)
                    except SettingsError as error:
                        log.error(
                            "automation of Page %d off: its settings: %s", item.page_ref, error
                        )
                        settings = None
                    self._settings[item.page_ref] = (settings, now)
        return found

    @contextlib.asynccontextmanager
    async def conversation_lock(self, conversation_id: int) -> AsyncIterator[None]:
        """Hold while acting on one conversation: its messages and waits go in order."""
        lock, users = self._locks.get(conversation_id, (asyncio.Lock(), 0))
        self._locks[conversation_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            self._turn_finished(conversation_id)
            lock, users = self._locks[conversation_id]
            if users <= 1:
                del self._locks[conversation_id]
            else:
                self._locks[conversation_id] = (lock, users - 1)

    def _fresh(self, conversation_id: int, read_at: int) -> bool:
        """Whether the conversation's state read when the turn count was ``read_at`` is
        still true: no turn of it was under way then or has finished since."""
        if conversation_id in self._locks or self._forgotten_at > read_at:
            return False
        return self._finished.get(conversation_id, -1) <= read_at

    def _turn_finished(self, conversation_id: int) -> None:
        self._turns += 1
        if len(self._finished) >= 10_000:
            self._finished.clear()
            self._forgotten_at = self._turns
        self._finished[conversation_id] = self._turns

    async def _conversation(
        self, conversation_id: int, items: list[Incoming], *, fresh: bool = False
    ) -> None:
        async with self._slots, self.conversation_lock(conversation_id):
            for index, item in enumerate(items):
                try:
                    await self.handle(item, fresh=fresh and index == 0)
                except Exception:
                    log.exception("automation failed on message %d", item.message_id)

    async def run_due_waits(self) -> int:
        """Resume the flows whose wait is due (the wait worker calls this every second)."""
        from comptoir.services.automation_waits import run_due_waits

        return await run_due_waits(self)

    # ---- one message -------------------------------------------------------------------

    async def handle(self, item: Incoming, *, fresh: bool = False) -> None:
        """Answer one incoming message. ``fresh``: the thread and contact state read with
        it are still current (``_dispatch`` knows), so they are not read again."""
        settings, _ = self._settings.get(item.page_ref, (None, 0.0))
        if settings is None or not settings.enabled or not answerable(item):
            return
        if is_stop_request(item.text) and "quick_reply" not in item.content:
            # The intake recorded the stop and confirms it: nothing else answers it.
            return
        now = self.container.clock.now()
        if fresh and item.contact_data is not None:
            thread, contact = item.thread, item.contact_data
        else:
            # Read again: an earlier message of this conversation may have changed it.
            if self._local_reads:
                thread, contact = self._state(item.conversation_id, item.contact_id)
            else:
                thread, contact = await run_sync(self._state, item.conversation_id, item.contact_id)
        if thread.taken_at is not None:
            return
        locale = item.locale or settings.default_locale
        values = {"first_name": item.first_name}
        replies: list[Reply] = []
        marks: dict[str, Any] = {}
        greeted_now = thread.greeted_at is None
        if greeted_now:
            if settings.disclosure is not None:
                replies.append(Reply(render(settings.disclosure.pick(locale), values)))
            if settings.instant_reply is not None:
                replies.append(Reply(render(settings.instant_reply.pick(locale), values)))
            if settings.disclosure is not None or settings.instant_reply is not None:
                marks["greeted_at"] = now
        if settings.away_message is not None and not settings.is_open(now):
            last = thread.away_sent_at
            opened_since = (
                last is not None
                and settings.hours is not None
                and (settings.hours.next_opening(last) or now) < now
            )
            if last is None or opened_since:
                text = settings.away_message.pick(locale)
                values["next_opening"] = settings.next_opening_text(now, locale)
                replies.append(Reply(render(text, values)))
                marks["away_sent_at"] = now
        if marks:
            await self._mark(item.conversation_id, now, marks)
        for reply in replies:
            await self.send(item.workspace_id, item.conversation_id, reply)
        turn = Turn(item, settings, locale, now, greeted_now, thread, contact)
        for responder in self.responders:
            answered = await responder.respond(turn)
            for reply in answered:
                await self.send(item.workspace_id, item.conversation_id, reply)
            if answered:
                break

    def _state(self, conversation_id: int, contact_id: int) -> tuple[ThreadState, ContactData]:
        with self.container.engine.connect() as conn:
            return load_thread(conn, conversation_id), load_contact_data(conn, contact_id)

    async def _mark(self, conversation_id: int, now: datetime, marks: dict[str, Any]) -> None:
        await self.container.writes.run(
            lambda conn: update_thread(conn, conversation_id, now, **marks)
        )

    async def send(self, workspace_id: int, conversation_id: int, reply: Reply) -> bool:
        """Send one automated message; False (logged) when refused."""
        command = SendMessage(
            workspace_id=workspace_id,
            conversation_id=conversation_id,
            author_kind="bot",
            text=tidy(reply.text) if reply.text is not None else None,
            attachment=reply.attachment,
            quick_replies=reply.quick_replies,
        )
        try:
            outcome = await send_message(self.container, command)
        except SendError as error:
            log.warning("automated message not sent (conversation %d): %s", conversation_id, error)
            return False
        if not outcome.accepted:
            log.info(
                "automated message refused (conversation %d): %s",
                conversation_id,
                outcome.explanation,
            )
        return outcome.accepted


def install(container: Container) -> None:
    """Bootstrap installer: the automation worker, fed by a tap on the bus."""
    automation = Automation(container)
    container.bus.listen(automation.notice_event)
    container.workers.append(automation)
    from comptoir.services.automation_waits import WaitPoller

    container.workers.append(WaitPoller(automation))


def automation_of(container: Container) -> Automation:
    for worker in container.workers:
        if isinstance(worker, Automation):
            return worker
    raise LookupError("the automation worker is not installed (bootstrap.INSTALLERS)")
