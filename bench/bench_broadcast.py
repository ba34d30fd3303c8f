"""A broadcast to 100,000 subscribers: the rate it reaches, with and without Meta's limit.

The emulator runs in a subprocess (``bench.broadcast_emulator``: one Page, 100,000 people
whose window is open); Comptoir runs in this process on SQLite with its real workers (the
broadcast worker, the outbox relay, the per-Page limiter) and reaches the emulator over
HTTP. No webhook is set, so no echo comes back (as in ``bench_emulator_send``).

(a) The emulator's 300 calls/s per Page limit on, Comptoir's limiter at Meta's 300/s: the
    rate over a steady-state window (after the first sends) must be at least 95% of 300/s.
(b) Both limits off: the broadcast's rate beside a plain loop of Send API calls made from
    this process in the same run (the same HTTP client library, as many calls in flight as
    the relay keeps); target at least 70% of it.

Each phase measures a window, not the whole broadcast (5.5 minutes at 300/s), and cancels
the broadcast after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.loadgen import HOST, free_port, stop_process
from comptoir.bootstrap import Container, build_container
from comptoir.jobs.broadcasts import BroadcastConfig, worker_of
from comptoir.jobs.ratelimit import LimiterConfig, MemoryLimiter
from comptoir.jobs.relay import relay_of
from comptoir.services import broadcasts
from comptoir.services.broadcasts import NewBroadcast
from comptoir.settings import Settings
from comptoir.storage import tables
from comptoir.storage.pages import connect_page, create_workspace

SUBSCRIBERS = 100_000
META_LIMIT = 300.0
LIMITED_TARGET = 0.95
UNLIMITED_TARGET = 0.70
RAMP_SECONDS = 5.0
LIMITED_WINDOW = 30.0
UNLIMITED_WINDOW = 15.0
PLAIN_SECONDS = 10.0
SECRET = "bench-broadcast-secret-key-0123456789"


async def control(base: str, method: str, path: str, body: Any = None) -> Any:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        response = await client.request(method, path, json=body)
        response.raise_for_status()
        return response.json()


def seed(container: Container, world: dict[str, Any]) -> tuple[int, int]:
    """The workspace, the Page and one contact per emulator person (window open)."""
    now = datetime.now(UTC)
    with container.engine.begin() as conn:
        workspace_id = create_workspace(conn, "Bench shop", now)
        page = connect_page(
            conn,
            container.secrets,
            workspace_id=workspace_id,
            page_id=world["page_id"],
            access_token=world["access_token"],
            app_secret=world["app_secret"],
            verify_token="bench",
            now=now,
            app_id=world["app_id"],
        )
        rows = [
            {
                "workspace_id": workspace_id,
                "page_ref": page.id,
                "psid": psid,
                "first_name": "Bench",
                "profile_status": "fetched",
                "last_user_message_at": now,
                "last_qualifying_action_at": now,
                "created_at": now,
            }
            for psid in world["psids"]
        ]
        for start in range(0, len(rows), 5000):
            conn.execute(tables.contacts.insert(), rows[start : start + 5000])
    return workspace_id, page.id


def sent_so_far(container: Container) -> int:
    with container.engine.connect() as conn:
        value = conn.execute(
            sa.select(sa.func.count())
            .select_from(tables.outbox)
            .where(tables.outbox.c.state == "done", tables.outbox.c.priority > 0)
        ).scalar()
    return int(value or 0)


async def measure(container: Container, window: float) -> tuple[float, int]:
    """Wait for the first sends and the ramp, then the rate over ``window`` seconds."""
    deadline = time.monotonic() + 120
    while await asyncio.to_thread(sent_so_far, container) == 0:
        if time.monotonic() > deadline:
            raise RuntimeError("the broadcast sent nothing within 120 s")
        await asyncio.sleep(0.2)
    await asyncio.sleep(RAMP_SECONDS)
    first, started = await asyncio.to_thread(sent_so_far, container), time.perf_counter()
    await asyncio.sleep(window)
    last, ended = await asyncio.to_thread(sent_so_far, container), time.perf_counter()
    return (last - first) / (ended - started), last - first


async def one_broadcast(
    container: Container, workspace_id: int, page_ref: int, name: str, window: float
) -> tuple[float, int, float]:
    """Create and start a broadcast to everyone, measure it, cancel it."""
    broadcast_id = await broadcasts.create_broadcast(
        container,
        NewBroadcast(workspace_id, page_ref, name, {"text": f"{name}: our spring hours."}),
    )
    started = time.perf_counter()
    await broadcasts.start(container, workspace_id, broadcast_id)
    start_seconds = time.perf_counter() - started  # includes the preview of 100,000 people
    rate, count = await measure(container, window)
    await broadcasts.cancel(container, workspace_id, broadcast_id)
    relay = relay_of(container)
    assert relay is not None
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(relay.wait_idle(), 30)
    return rate, count, start_seconds


async def plain_loop(base: str, world: dict[str, Any], seconds: float, in_flight: int) -> float:
    """Send API calls back to back from this process, ``in_flight`` at a time."""
    psids = itertools.cycle(world["psids"])
    headers = {"Authorization": f"Bearer {world['access_token']}"}
    counts = {"ok": 0}
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=50)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=20) as client:

        async def worker() -> None:
            while not stop.is_set():
                body = {
                    "recipient": {"id": next(psids)},
                    "messaging_type": "UPDATE",
                    "message": {"text": "Plain loop: our spring hours."},
                }
                response = await client.post("/v25.0/me/messages", json=body, headers=headers)
                if response.status_code == 200:
                    counts["ok"] += 1

        tasks = [asyncio.create_task(worker()) for _ in range(in_flight)]
        await asyncio.sleep(1.0)  # warm-up: connections opened
        first, started = counts["ok"], time.perf_counter()
        await asyncio.sleep(seconds)
        done, ended = counts["ok"], time.perf_counter()
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    return (done - first) / (ended - started)


async def run(port: int, world: dict[str, Any], data_dir: Path) -> dict[str, float]:
    base = f"http://{HOST}:{port}"
    await control(base, "PUT", "/_emulator/config", {"rate_limits": {"daily_quota_enabled": False}})
    settings = Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'comptoir.sqlite3'}",
        graph_url=base,
        secret_key=SECRET,
    )
    container = build_container(settings)
    workspace_id, page_ref = await asyncio.to_thread(seed, container, world)
    await container.start()
    results: dict[str, float] = {}
    try:
        relay, worker = relay_of(container), worker_of(container)
        assert relay is not None
        assert worker is not None
        relay.limiter = MemoryLimiter(LimiterConfig(text_per_second=META_LIMIT))
        rate, count, start = await one_broadcast(
            container, workspace_id, page_ref, "Limited", LIMITED_WINDOW
        )
        results.update(limited=rate, limited_count=count, start_seconds=start)

        await control(base, "PUT", "/_emulator/config", {"rate_limits": {"enabled": False}})
        relay.limiter = MemoryLimiter(LimiterConfig(text_per_second=1_000_000.0))
        worker.config = BroadcastConfig(window=3000, batch=1000)
        rate, count, _ = await one_broadcast(
            container, workspace_id, page_ref, "Unlimited", UNLIMITED_WINDOW
        )
        results.update(unlimited=rate, unlimited_count=count)
        results["plain"] = await plain_loop(base, world, PLAIN_SECONDS, relay.config.max_in_flight)
    finally:
        await container.aclose()
    return results


def start_emulator(port: int, out: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "bench.broadcast_emulator",
        str(port),
        str(SUBSCRIBERS),
        str(out),
    ]
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )


def wait_for_file(path: Path, process: subprocess.Popen[bytes], ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 120
    while not (path.exists() and ready()):
        if process.poll() is not None:
            raise RuntimeError("the emulator exited before answering")
        if time.monotonic() > deadline:
            raise RuntimeError("the emulator was not ready within 120 s")
        time.sleep(0.2)


def main() -> int:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as tmp:
        out = Path(tmp) / "world.json"
        process = start_emulator(port, out)

        def answers() -> bool:
            try:
                return httpx.get(f"http://{HOST}:{port}/_emulator/pages", timeout=1).is_success
            except httpx.HTTPError:
                return False

        try:
            wait_for_file(out, process, answers)
            world = json.loads(out.read_text())
            results = asyncio.run(run(port, world, Path(tmp)))
        except (RuntimeError, OSError, httpx.HTTPError) as exc:
            errors = stop_process(process, 10)
            print(f"broadcast benchmark failed: {exc}")
            print(errors[-2000:])
            return 1
        stop_process(process, 10)
    limited_share = results["limited"] / META_LIMIT
    unlimited_share = results["unlimited"] / results["plain"] if results["plain"] else 0.0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"subscribers                        {SUBSCRIBERS}")
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} at the end (shared cores")
    print("  slow every rate below alike; the ratio in (b) is what compares)")
    print(f"start (preview of everyone)        {results['start_seconds']:8.1f} s")
    print(
        f"(a) limit on:  broadcast rate      {results['limited']:8.1f} /s over "
        f"{LIMITED_WINDOW:.0f} s ({results['limited_count']:.0f} sends) = "
        f"{limited_share:.1%} of {META_LIMIT:.0f}/s (target {LIMITED_TARGET:.0%})"
    )
    print(
        f"(b) limit off: broadcast rate      {results['unlimited']:8.1f} /s over "
        f"{UNLIMITED_WINDOW:.0f} s ({results['unlimited_count']:.0f} sends)"
    )
    print(
        f"    plain loop of Send API calls   {results['plain']:8.1f} /s  -> ratio "
        f"{unlimited_share:.2f} (target {UNLIMITED_TARGET:.2f})"
    )
    met = limited_share >= LIMITED_TARGET and unlimited_share >= UNLIMITED_TARGET
    print("target met" if met else "below target")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
