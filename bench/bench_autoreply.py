"""Auto-reply latency: from a webhook reaching Comptoir to the Send API call answering it.

``comptoir serve`` runs in a subprocess, as in production, on a fresh SQLite database (WAL,
``synchronous=FULL``) or on the empty database ``COMPTOIR_BENCH_DATABASE_URL`` names. Its
connected Page runs 20 flow files with 200 keyword rules in all (10 per flow, each flow one
answer), loaded from a folder like any Page's flows.

This process plays Meta on both sides, with raw asyncio HTTP (no HTTP library, so it costs
little on the cores it shares with the server):

- as the webhook sender, it POSTs signed message events, each matching a keyword. First every
  customer writes once (unmeasured, at half the rate: Comptoir meets them and fetches their
  profiles, as a Page knows most of the people writing to it); then each writes again, at a
  fixed rate of ``RATE`` messages per second (open loop: a message goes at its time whatever
  the earlier ones are doing), noting when each request starts and when Comptoir acknowledges
  it (the bare round trip: verify, decode, commit, 200);
- as the Graph API (``COMPTOIR_GRAPH_URL`` points here), it answers the Send API and the User
  Profile API at once, noting when the Send API call for each customer arrives.

Latency = Send API call arrival - webhook request start: everything Comptoir does for an
automatic answer (intake and its commit, the automation worker, the sending path's policy
check and outbox commit, the relay) plus two loopback hops. Target: p99 under
``TARGET_P99_MS``; exit status 1 above it or if a message goes unanswered.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
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

#: Messages per second (``COMPTOIR_BENCH_RATE`` changes it, to look at a lighter load).
RATE = float(os.environ.get("COMPTOIR_BENCH_RATE", "200"))
SECONDS = 5.0
CUSTOMERS = int(RATE * SECONDS)
FLOWS = 20
RULES_PER_FLOW = 10
TARGET_P99_MS = 50.0
ANSWER_TIMEOUT = 30.0

PAGE_ID = "104000000000002"
APP_ID = "1517776481860112"
APP_SECRET = "bench-app-secret-autoreply-0123"
SECRET_KEY = "bench-secret-key-0123456789abcdef"


def cpu_seconds(pid: int) -> float | None:
    """The process's CPU time so far (Linux), to report the server's cost per message."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class Timings:
    server_cpu: float | None = None
    webhook_start: dict[str, float] = field(default_factory=dict)
    webhook_ack: list[float] = field(default_factory=list)
    #: psid -> when its answer's Send API call arrived (the latest one).
    send_at: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    waiting: dict[str, asyncio.Event] = field(default_factory=dict)


def write_flows(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(FLOWS):
        keywords = ", ".join(f"sujet{number}x{rule}" for rule in range(RULES_PER_FLOW))
        (folder / f"flow{number:02d}.yaml").write_text(
            f"flow: flow{number}\n"
            "default_locale: fr\n"
            "triggers:\n"
            f"  - keyword: [{keywords}]\n"
            "steps:\n"
            "  - send:\n"
            f'      fr: "Réponse {number}."\n'
            f'      en: "Answer {number}."\n',
            encoding="utf-8",
        )


def database_url(data_dir: Path) -> str:
    return os.environ.get("COMPTOIR_BENCH_DATABASE_URL") or (
        f"sqlite:///{data_dir / 'comptoir.sqlite3'}"
    )


def prepare(data_dir: Path) -> None:
    """A fresh database: a workspace, the connected Page and its automation settings."""
    from comptoir.bootstrap import build_container
    from comptoir.services.automation_settings import save_settings
    from comptoir.settings import Settings
    from comptoir.storage.pages import connect_page, create_workspace

    flows = data_dir / "flows"
    write_flows(flows)
    settings = Settings(
        data_dir=data_dir, database_url=database_url(data_dir), secret_key=SECRET_KEY
    )
    container = build_container(settings)
    now = datetime.now(UTC)
    with container.engine.begin() as connection:
        workspace_id = create_workspace(connection, "Bench shop", now)
        record = connect_page(
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
        save_settings(
            connection, record.id, {"default_locale": "fr", "flows_folder": str(flows)}, now
        )
    container.engine.dispose()


def graph_server(timings: Timings) -> object:
    """Meta's Graph API as the benchmark needs it: the Send API (noting each customer's first
    answer) and the User Profile API, answered at once."""
    counter = iter(range(1, 10**9))

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                arrived = time.perf_counter()
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                request_line = head.split(b"\r\n", 1)[0].decode()
                method, target = request_line.split(" ")[:2]
                answer: dict[str, object] = {"success": True}
                if method == "POST" and target.split("?")[0].endswith("/messages"):
                    payload = json.loads(body or b"{}")
                    psid = str(payload.get("recipient", {}).get("id", ""))
                    if "message" in payload:
                        timings.send_at[psid] = arrived
                        event = timings.waiting.get(psid)
                        if event is not None:
                            event.set()
                    answer = {"recipient_id": psid, "message_id": f"m_bench_{next(counter)}"}
                elif method == "GET":
                    answer = {"first_name": "Client", "last_name": "Bench", "locale": "fr_FR"}
                data = json.dumps(answer).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(data)}\r\n\r\n".encode()
                    + data
                )
        except (asyncio.IncompleteReadError, asyncio.CancelledError, ConnectionError):
            pass
        finally:
            writer.close()

    return serve


def message_request(number: int, psid: str, round_: str) -> bytes:
    keyword = f"sujet{number % FLOWS}x{number % RULES_PER_FLOW}"
    ms = int(time.time() * 1000)
    body = json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": PAGE_ID,
                    "time": ms,
                    "messaging": [
                        {
                            "sender": {"id": psid},
                            "recipient": {"id": PAGE_ID},
                            "timestamp": ms,
                            "message": {
                                "mid": f"m_auto_{round_}_{psid}",
                                "text": f"Une question {keyword}",
                            },
                        }
                    ],
                }
            ],
        },
        separators=(",", ":"),
    ).encode()
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
    return http_request("/webhooks/messenger", body, headers)


class Connections:
    """Keep-alive connections to Comptoir: a free one is reused, else a new one opened, so a
    slow answer never delays the next message (open-loop load)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.free: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.all: list[asyncio.StreamWriter] = []

    async def post(self, request: bytes) -> tuple[int, bytes]:
        while self.free:
            reader, writer = self.free.pop()
            writer.write(request)
            try:
                status, body = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                continue  # the server closed this idle connection: take another
            self.free.append((reader, writer))
            return status, body
        reader, writer = await asyncio.open_connection(HOST, self.port)
        self.all.append(writer)
        writer.write(request)
        status, body = await read_response(reader)
        self.free.append((reader, writer))
        return status, body

    def close(self) -> None:
        for writer in self.all:
            writer.close()


async def send_one(
    connections: Connections, timings: Timings, number: int, psid: str, measured: bool
) -> None:
    request = message_request(number, psid, "measured" if measured else "first")
    timings.waiting[psid] = asyncio.Event()
    started = time.perf_counter()
    if measured:
        timings.webhook_start[psid] = started
    status, body = await connections.post(request)
    if measured:
        timings.webhook_ack.append(time.perf_counter() - started)
    if status != 200:
        timings.failures.append(f"{status}: {body[:200]!r}")


async def paced(
    connections: Connections, timings: Timings, psids: list[str], rate: float, *, measured: bool
) -> None:
    """One message from each customer, ``rate`` per second."""
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.1
    tasks = []
    for number, psid in enumerate(psids):
        delay = start + number / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send_one(connections, timings, number, psid, measured)))
    await asyncio.gather(*tasks)


async def measure(port: int, graph_port: int, process: subprocess.Popen[bytes]) -> Timings:
    timings = Timings()
    graph = await asyncio.start_server(graph_server(timings), HOST, graph_port)  # type: ignore[arg-type]
    await wait_until_up(port, process)
    connections = Connections(port)
    try:
        psids = [f"63{n:014d}" for n in range(CUSTOMERS)]
        await paced(connections, timings, psids, RATE / 2, measured=False)
        await asyncio.wait_for(
            asyncio.gather(*(timings.waiting[psid].wait() for psid in psids)), ANSWER_TIMEOUT
        )
        await asyncio.sleep(2.0)
        cpu_before = cpu_seconds(process.pid)
        await paced(connections, timings, psids, RATE, measured=True)
        with suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(timings.waiting[psid].wait() for psid in psids)),
                ANSWER_TIMEOUT,
            )
        cpu_after = cpu_seconds(process.pid)
        if cpu_before is not None and cpu_after is not None:
            timings.server_cpu = cpu_after - cpu_before
    finally:
        connections.close()
        graph.close()
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="comptoir-bench-") as folder:
        data_dir = Path(folder)
        prepare(data_dir)
        port, graph_port = free_port(), free_port()
        process = start_comptoir(
            port, graph_port, data_dir, database_url=database_url(data_dir), secret_key=SECRET_KEY
        )
        try:
            with suppress(ImportError):
                import uvloop

                asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
            timings = asyncio.run(measure(port, graph_port, process))
        except (RuntimeError, OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            errors = stop_process(process, 15)
            print(f"auto-reply benchmark failed: {exc!r}")
            print(errors[-3000:])
            return 1
        errors = stop_process(process, 15)
    latencies = [
        (timings.send_at[psid] - started) * 1000
        for psid, started in timings.webhook_start.items()
        if timings.send_at.get(psid, 0.0) > started
    ]
    answered = len(latencies)
    backend = "PostgreSQL" if os.environ.get("COMPTOIR_BENCH_DATABASE_URL") else "SQLite"
    print(
        f"{CUSTOMERS} messages at {RATE:.0f}/s on {backend}, {FLOWS} flows, "
        f"{FLOWS * RULES_PER_FLOW} keyword rules"
    )
    print(f"answered: {answered}/{CUSTOMERS}")
    if timings.failures:
        print(f"{len(timings.failures)} webhooks not acknowledged, e.g. {timings.failures[0]}")
    if "Traceback" in errors:
        print(errors[-3000:])
    if not latencies:
        print("no answer measured")
        return 1
    acks = [t * 1000 for t in timings.webhook_ack]
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    print(f"webhook -> Send API call:        p50 {p50:6.1f} ms, p99 {p99:6.1f} ms")
    print(
        f"bare webhook round trip (ack):   p50 {percentile(acks, 0.5):6.1f} ms, "
        f"p99 {percentile(acks, 0.99):6.1f} ms"
    )
    if timings.server_cpu is not None:
        print(
            f"server CPU: {timings.server_cpu:.2f} s in all, "
            f"{1000 * timings.server_cpu / CUSTOMERS:.2f} ms per message"
        )
    ok = answered == CUSTOMERS and not timings.failures and p99 < TARGET_P99_MS
    print(f"target p99 < {TARGET_P99_MS:.0f} ms: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
