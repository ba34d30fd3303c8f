"""How many Send API calls per second the emulator accepts, beside its bare HTTP rate.

The emulator runs as ``comptoir emulator`` in a subprocess (uvicorn, uvloop and httptools when
installed). With rate limits off and no webhook (so no echoes), a Page and a person whose
window is open are created through the control API; then several keep-alive connections send
``POST /v25.0/me/messages`` for a fixed time, and the same is done against
``POST /_emulator/bench/empty``, a route that answers ``{}`` and does nothing else. The
ratio of the two says how much of the server's capacity the Send API's own work takes.

The load generator shares the machine's cores with the server, so it is kept cheap: one
process, requests serialised once, raw asyncio streams, no HTTP library.

Target: at least ``TARGET`` accepted sends per second; the exit status is 1 below it.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass

from bench.loadgen import HOST, free_port, http_request, read_response, stop_process

TARGET = 2000.0
CONNECTIONS = 12
WARMUP_SECONDS = 1.0
SEND_SECONDS = 8.0
BARE_SECONDS = 4.0


@dataclass(frozen=True, slots=True)
class Rate:
    ok: int
    other: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds


async def call(port: int, method: str, path: str, payload: object = None) -> object:
    """One request on its own connection (setup calls, not measured)."""
    body = b"" if payload is None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "Connection": "close"}
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(http_request(path, body, headers, method))
    await writer.drain()
    status, answer = await read_response(reader)
    writer.close()
    with suppress(ConnectionError):
        await writer.wait_closed()
    if status >= 300:
        raise RuntimeError(f"{method} {path} answered {status}: {answer[:200]!r}")
    return json.loads(answer) if answer else None


async def hammer(port: int, request: bytes, seconds: float) -> Rate:
    """Keep ``CONNECTIONS`` connections busy; count answers during the measured window."""
    counts = {"ok": 0, "other": 0}
    measuring = False
    stop = False

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while not stop:
                writer.write(request)
                status, _ = await read_response(reader)
                if measuring:
                    counts["ok" if status == 200 else "other"] += 1
        finally:
            writer.close()

    tasks = [asyncio.create_task(connection()) for _ in range(CONNECTIONS)]
    await asyncio.sleep(WARMUP_SECONDS)
    measuring = True
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    measuring = False
    elapsed = time.perf_counter() - started
    stop = True
    await asyncio.gather(*tasks, return_exceptions=True)
    return Rate(counts["ok"], counts["other"], elapsed)


async def wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the emulator exited before answering")
        try:
            await call(port, "GET", "/_emulator/pages")
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError("the emulator did not answer within 20 s")


async def measure(port: int, process: subprocess.Popen[bytes]) -> tuple[Rate, Rate]:
    await wait_until_up(port, process)
    await call(port, "PUT", "/_emulator/config", {"rate_limits": {"enabled": False}})
    page = await call(port, "POST", "/_emulator/pages", {"name": "Bench Shop"})
    assert isinstance(page, dict)
    user_path = f"/_emulator/pages/{page['page_id']}/users"
    person = await call(port, "POST", user_path, {"first_name": "Bench", "last_name": "User"})
    assert isinstance(person, dict)
    psid = person["psid"]
    # The person writes first, so the Page may answer (standard messaging window).
    await call(port, "POST", f"{user_path}/{psid}/actions", {"type": "message", "text": "hi"})

    send_body = json.dumps(
        {
            "recipient": {"id": psid},
            "messaging_type": "RESPONSE",
            "message": {"text": "Your order has shipped."},
        }
    ).encode()
    send = http_request(
        "/v25.0/me/messages",
        send_body,
        {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {page['page_access_token']}",
        },
    )
    bare = http_request("/_emulator/bench/empty", b"{}", {"Content-Type": "application/json"})
    sends = await hammer(port, send, SEND_SECONDS)
    baseline = await hammer(port, bare, BARE_SECONDS)
    return sends, baseline


def start_emulator(port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-c",
        "from comptoir.cli import main; main()",
        "emulator",
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )


def _describe(rate: Rate) -> str:
    return f"{rate.per_second:8.0f} /s  ({rate.ok} in {rate.seconds:.1f} s)"


def main() -> int:
    port = free_port()
    process = start_emulator(port)
    try:
        with suppress(ImportError):
            import uvloop

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        sends, baseline = asyncio.run(measure(port, process))
    except (RuntimeError, OSError, asyncio.IncompleteReadError) as exc:
        errors = stop_process(process, 10)
        print(f"emulator send benchmark failed: {exc}")
        print(errors[-2000:])
        return 1
    stop_process(process, 10)
    ratio = sends.per_second / baseline.per_second if baseline.per_second else 0.0
    print(f"Send API (accepted sends)  {_describe(sends)}")
    print(f"bare empty POST (baseline) {_describe(baseline)}")
    print(f"ratio sends / bare          {ratio:8.2f}")
    if sends.other or baseline.other:
        print(f"non-200 answers: {sends.other} sends, {baseline.other} bare")
    if sends.per_second < TARGET:
        print(f"below target: {sends.per_second:.0f} < {TARGET:.0f} sends/s")
        return 1
    print(f"target met: >= {TARGET:.0f} sends/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
