"""How fast Comptoir acknowledges Meta's webhooks, durably, beside its bare HTTP rate.

``comptoir serve`` runs in a subprocess on a fresh SQLite data directory (WAL,
``synchronous=FULL``: an acknowledged event survives a power cut) with one connected Page
and ``COMPTOIR_BENCH_ROUTES=1``, which adds ``POST /_bench/empty`` (answers ``{}``, nothing
else). Three measures on that same server, one after the other:

(a) signed single-event POSTs to ``/webhooks/messenger`` answered 200, that is verified,
    decoded and committed (every message is new: unique mids from 500 customers);
(b) the bare empty POST, the server's ceiling for any request;
(c) events per second when each POST carries 100 events.

The load generator shares the machine's cores with the server, so it is cheap: bodies are
built and signed before the clock starts, and ``CONNECTIONS`` raw asyncio keep-alive
HTTP/1.1 connections send them (no HTTP library).

Targets: (a) at least half of (b); (c) at least 20,000 events/s. Exit status 1 if one is
missed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.loadgen import (
    HOST,
    free_port,
    http_request,
    read_response,
    start_comptoir,
    stop_process,
    wait_until_up,
)

CONNECTIONS = 40
WARMUP_SECONDS = 0.5
MEASURE_SECONDS = 5.0
#: (a) and (b) are measured in alternating slices, so a change in the machine's load
#: (its cores are shared) weighs on both alike.
ROUNDS = 4
BATCH = 100
CUSTOMERS = 500
RATIO_TARGET = 0.5
EVENTS_TARGET = 20_000.0

PAGE_ID = "104000000000001"
APP_ID = "1517776481860111"
APP_SECRET = "bench-app-secret-0123456789"
SECRET_KEY = "bench-secret-key-0123456789abcdef"


@dataclass(frozen=True, slots=True)
class Rate:
    ok: int
    other: int
    seconds: float
    events_per_request: int = 1

    def __add__(self, other: Rate) -> Rate:
        return Rate(
            self.ok + other.ok,
            self.other + other.other,
            self.seconds + other.seconds,
            other.events_per_request,
        )

    @property
    def requests_per_second(self) -> float:
        return self.ok / self.seconds

    @property
    def events_per_second(self) -> float:
        return self.ok * self.events_per_request / self.seconds


def signed(body: bytes) -> bytes:
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
    return http_request("/webhooks/messenger", body, headers)


class Messages:
    """Customer messages with unique mids, serialised as Meta does."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._n = 0
        self._start = int(time.time() * 1000)

    def items(self, count: int) -> list[str]:
        out = []
        for _ in range(count):
            n = self._n
            self._n += 1
            psid = f"61{n % CUSTOMERS:014d}"
            ms = self._start + n
            out.append(
                f'{{"sender":{{"id":"{psid}"}},"recipient":{{"id":"{PAGE_ID}"}},'
                f'"timestamp":{ms},"message":{{"mid":"m_{self._prefix}_{n}",'
                f'"text":"Bonjour, is the blue one still in stock? ({n})"}}}}'
            )
        return out

    def request(self, count: int) -> bytes:
        items = ",".join(self.items(count))
        body = (
            f'{{"object":"page","entry":[{{"id":"{PAGE_ID}","time":{self._start},'
            f'"messaging":[{items}]}}]}}'
        ).encode()
        return signed(body)


async def hammer(
    port: int, requests: Iterator[bytes], events_per_request: int, seconds: float
) -> Rate:
    """Keep ``CONNECTIONS`` connections busy; count 200s during the measured window."""
    counts = {"ok": 0, "other": 0}
    state = {"measuring": False, "stop": False}
    sample: list[bytes] = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while not state["stop"]:
                request = next(requests, None)
                if request is None:
                    raise RuntimeError("ran out of pre-built requests: raise the estimate")
                writer.write(request)
                status, body = await read_response(reader)
                if state["measuring"]:
                    counts["ok" if status == 200 else "other"] += 1
                if status != 200 and len(sample) < 3:
                    sample.append(body[:300])
        finally:
            writer.close()

    tasks = [asyncio.create_task(connection()) for _ in range(CONNECTIONS)]
    await asyncio.sleep(WARMUP_SECONDS)
    state["measuring"] = True
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    state["measuring"] = False
    elapsed = time.perf_counter() - started
    state["stop"] = True
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise RuntimeError(f"a load connection failed: {result!r}") from result
    if sample:
        print(f"  sample of non-200 answers: {sample}")
    return Rate(counts["ok"], counts["other"], elapsed, events_per_request)


async def send_all(port: int, requests: list[bytes]) -> None:
    """Send every request once, over ``CONNECTIONS`` connections; all must get a 200."""
    pending = iter(requests)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            for request in pending:
                writer.write(request)
                status, body = await read_response(reader)
                if status != 200:
                    raise RuntimeError(f"answered {status}: {body[:300]!r}")
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))


async def intake_counters(port: int) -> dict[str, int]:
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(http_request("/_bench/intake", b"", {"Connection": "close"}, method="GET"))
    status, body = await read_response(reader)
    writer.close()
    if status != 200:
        raise RuntimeError(f"/_bench/intake answered {status}")
    counters: dict[str, int] = json.loads(body)
    return counters


async def fake_graph(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Meta's User Profile API as the benchmark needs it: ``{}`` (no profile) for anyone."""
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    try:
        while True:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.CancelledError, ConnectionError):
        pass
    finally:
        writer.close()


async def measure(
    port: int, graph_port: int, process: subprocess.Popen[bytes]
) -> tuple[Rate, Rate, Rate]:
    graph = await asyncio.start_server(fake_graph, HOST, graph_port)
    await wait_until_up(port, process)
    bare_request = http_request("/_bench/empty", b"{}", {"Content-Type": "application/json"})

    def forever(request: bytes) -> Iterator[bytes]:
        while True:
            yield request

    singles = Messages("single")
    single_requests = [singles.request(1) for _ in range(80_000)]
    batches = Messages("batch")
    batch_requests = [batches.request(BATCH) for _ in range(2_500)]

    # New customers first (their profiles are fetched once), so that every measure sees
    # known customers writing new messages.
    await send_all(port, [singles.request(1) for _ in range(CUSTOMERS)])
    await asyncio.sleep(3.0)  # let their profile fetches finish before measuring
    bare = Rate(0, 0, 0.0)
    single = Rate(0, 0, 0.0)
    before = await intake_counters(port)
    pending = iter(single_requests)
    for _ in range(ROUNDS):
        bare = bare + await hammer(port, forever(bare_request), 1, MEASURE_SECONDS / ROUNDS)
        single = single + await hammer(port, pending, 1, MEASURE_SECONDS / ROUNDS)
    middle = await intake_counters(port)
    batched = await hammer(port, iter(batch_requests), BATCH, MEASURE_SECONDS)
    after = await intake_counters(port)
    for name, start, end in (("(a)", before, middle), ("(c)", middle, after)):
        commits = max(1, end["commits"] - start["commits"])
        events = end["events"] - start["events"]
        requests = end["requests"] - start["requests"]
        print(
            f"  {name} {commits} commits, {requests / commits:.1f} requests "
            f"and {events / commits:.1f} events per commit"
        )
    graph.close()
    return bare, single, batched


def prepare(data_dir: Path) -> None:
    """A fresh database with a workspace and the connected Page."""
    from comptoir.bootstrap import build_container
    from comptoir.settings import Settings
    from comptoir.storage.pages import connect_page, create_workspace

    settings = Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'comptoir.sqlite3'}",
        secret_key=SECRET_KEY,
    )
    container = build_container(settings)
    now = datetime.now(UTC)
    with container.engine.begin() as connection:
        workspace_id = create_workspace(connection, "Bench shop", now)
        connect_page(
            connection,
            container.secrets,
            workspace_id=workspace_id,
            page_id=PAGE_ID,
            access_token="bench-page-token",
            app_secret=APP_SECRET,
            verify_token="bench-verify-token",
            now=now,
            app_id=APP_ID,
        )
    container.engine.dispose()


def count_rows(data_dir: Path) -> tuple[int, int]:
    import sqlite3

    with sqlite3.connect(data_dir / "comptoir.sqlite3") as connection:
        events = connection.execute("SELECT count(*) FROM webhook_events").fetchone()[0]
        messages = connection.execute("SELECT count(*) FROM messages").fetchone()[0]
    return int(events), int(messages)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="comptoir-bench-") as temp:
        data_dir = Path(temp)
        prepare(data_dir)
        port, graph_port = free_port(), free_port()
        process = start_comptoir(
            port,
            graph_port,
            data_dir,
            database_url=f"sqlite:///{data_dir / 'comptoir.sqlite3'}",
            secret_key=SECRET_KEY,
        )
        try:
            with suppress(ImportError):
                import uvloop

                asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
            bare, single, batched = asyncio.run(measure(port, graph_port, process))
        except (RuntimeError, OSError, asyncio.IncompleteReadError) as exc:
            errors = stop_process(process, 15)
            print(f"webhook intake benchmark failed: {exc}")
            print(errors[-3000:])
            return 1
        errors = stop_process(process, 15)
        events, messages = count_rows(data_dir)
    ratio = single.requests_per_second / bare.requests_per_second if bare.ok else 0.0
    print(f"(b) bare empty POST            {bare.requests_per_second:9.0f} requests/s")
    print(f"(a) signed 1-event webhooks    {single.requests_per_second:9.0f} requests/s (200)")
    print(f"    ratio (a) / (b)            {ratio:9.2f}   target >= {RATIO_TARGET}")
    print(
        f"(c) 100-event webhooks         {batched.events_per_second:9.0f} events/s "
        f"({batched.requests_per_second:.0f} requests/s)   target >= {EVENTS_TARGET:.0f}"
    )
    print(f"    stored: {events} raw events, {messages} messages (SQLite, synchronous=FULL)")
    failed = False
    for name, rate in (("bare", bare), ("single", single), ("batched", batched)):
        if rate.other:
            print(f"    {rate.other} non-200 answers during {name}")
            failed = True
    if "Traceback" in errors:
        print(errors[-3000:])
        failed = True
    if ratio < RATIO_TARGET:
        print("missed: single-event webhooks below half the bare rate")
        failed = True
    if batched.events_per_second < EVENTS_TARGET:
        print("missed: batched events per second below target")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
