"""The wired stack (emulator + Comptoir, ``tests/support/stack.py``) served over real HTTP for a
browser: the stack runs in its own event loop in a background thread, and Comptoir's app is
served by uvicorn in that same loop, so the browser, the webhooks from the emulator and the
relay's Send API calls all reach the one running Comptoir.

Tests are synchronous (Playwright's sync API); ``LiveInbox.call`` runs a coroutine (a stack
helper such as ``customer_says`` or ``advance``) in the stack's loop and returns its result.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from comptoir.services import accounts
from comptoir.services.pages import create_workspace
from tests.support.servers import free_port
from tests.support.stack import Stack, running_stack

T = TypeVar("T")

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True, slots=True)
class Agent:
    email: str
    name: str
    password: str
    user_id: int
    workspace_id: int


class LiveInbox:
    def __init__(
        self,
        stack: Stack,
        loop: asyncio.AbstractEventLoop,
        base_url: str,
        server: uvicorn.Server | None = None,
    ) -> None:
        self.stack = stack
        self.loop = loop
        self.base_url = base_url
        self.server = server

    def drop_connections(self) -> int:
        """Cut every open HTTP connection to Comptoir (the live stream included), as a
        network failure would; returns how many were cut."""

        async def cut() -> int:
            assert self.server is not None
            connections = list(self.server.server_state.connections)
            for connection in connections:
                connection.transport.close()  # type: ignore[attr-defined]
            return len(connections)

        return self.call(cut())

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    # ---- people ----------------------------------------------------------------------------

    def add_agent(
        self, name: str, email: str, *, workspace_id: int | None = None, role: str = "agent"
    ) -> Agent:
        container = self.stack.container
        workspace = workspace_id if workspace_id is not None else self.stack.workspace_id
        now = container.clock.now()
        with container.engine.begin() as conn:
            user_id = accounts.create_user(conn, email, PASSWORD, name, now)
            accounts.add_member(conn, user_id, workspace, role, now)
        return Agent(email, name, PASSWORD, user_id, workspace)

    def other_workspace(self, name: str = "Another shop") -> int:
        return create_workspace(self.stack.container, name)

    # ---- the customer's side, through the emulator -----------------------------------------

    def customer_says(self, text: str, psid: str | None = None) -> str:
        return self.call(self.stack.customer_says(text, psid))

    def add_customer(self, first_name: str, last_name: str = "", locale: str = "en_GB") -> str:
        return self.call(self.stack.add_customer(first_name, last_name, locale))

    def advance(self, seconds: float) -> None:
        self.call(self.stack.advance(seconds))

    def thread(self, psid: str | None = None) -> list[dict[str, Any]]:
        return self.call(self.stack.thread(psid))

    def settle(self) -> None:
        self.call(self.stack.settle())

    def conversation_id(self, psid: str | None = None) -> int:
        contact = next(
            c for c in self.stack.contacts() if c["psid"] == (psid or self.stack.customer)
        )
        conversation = next(
            c for c in self.stack.conversations() if c["contact_id"] == contact["id"]
        )
        return int(conversation["id"])


async def _serve(
    database_url: str, data_dir: Path, ready: asyncio.Future[LiveInbox], stop: asyncio.Event
) -> None:
    running: AbstractAsyncContextManager[Stack] = running_stack(database_url, data_dir)
    stack = await running.__aenter__()
    try:
        port = free_port()
        config = uvicorn.Config(
            stack.app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                serving.result()
                raise RuntimeError("the inbox server stopped while starting")
            await asyncio.sleep(0.01)
        base_url = f"http://127.0.0.1:{port}"
        ready.set_result(LiveInbox(stack, asyncio.get_running_loop(), base_url, server))
        await stop.wait()
        server.should_exit = True
        await serving
    except BaseException as exc:
        if not ready.done():
            ready.set_exception(exc)
        raise
    finally:
        await running.__aexit__(None, None, None)


@contextmanager
def live_inbox(database_url: str, data_dir: Path) -> Iterator[LiveInbox]:
    """Start the stack and serve Comptoir on a free local port until the block ends."""
    loop = asyncio.new_event_loop()
    ready: asyncio.Future[LiveInbox] = loop.create_future()
    stop = asyncio.Event()
    done = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(_serve(database_url, data_dir, ready, stop))
        except BaseException as exc:
            failure.append(exc)
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            done.set()

    thread = threading.Thread(target=run, name="live-inbox", daemon=True)
    thread.start()
    inbox = asyncio.run_coroutine_threadsafe(_wait(ready), loop).result(60)
    try:
        yield inbox
    finally:
        loop.call_soon_threadsafe(stop.set)
        done.wait(30)
        thread.join(5)
        if failure and not isinstance(failure[0], asyncio.CancelledError):
            raise failure[0]


async def _wait(ready: asyncio.Future[LiveInbox]) -> LiveInbox:
    return await ready
