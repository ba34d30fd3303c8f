"""Blocking work on threads: results, exceptions, and a cancelled caller waits for the thread."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from comptoir.threads import run_sync

pytestmark = pytest.mark.anyio


async def test_the_result_and_the_exception_come_back() -> None:
    assert await run_sync(lambda a, b: a + b, 2, 3) == 5
    with pytest.raises(ZeroDivisionError):
        await run_sync(lambda: 1 / 0)


async def test_it_runs_off_the_event_loop_thread() -> None:
    assert await run_sync(threading.get_ident) != threading.get_ident()


async def test_a_cancelled_caller_lets_the_thread_finish_first() -> None:
    finished: list[bool] = []

    def slow() -> None:
        time.sleep(0.3)
        finished.append(True)

    task = asyncio.create_task(run_sync(slow))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert finished == [True]
