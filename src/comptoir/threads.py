"""Blocking work (database reads and writes) off the event loop.

``run_sync`` is what ``anyio.to_thread.run_sync`` does for Comptoir, at a constant cost:
anyio looks for the event loop's root task on each call, which under a busy server (hundreds
of tasks: connections, sends in flight) meant walking every task, every time. Like anyio's,
a call whose caller is cancelled still lets the thread finish before the cancellation goes
on, so no database connection outlives the code that opened it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

#: Threads for blocking work, shared by the whole process.
MAX_THREADS = 32
_executor = ThreadPoolExecutor(max_workers=MAX_THREADS, thread_name_prefix="comptoir")


async def run_sync(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` on a worker thread; its result."""
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(_executor, functools.partial(function, *args))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        while not future.done():
            try:
                await asyncio.wait([future])
            except asyncio.CancelledError:
                continue
        raise
