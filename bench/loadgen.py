"""What the benchmarks share: a cheap raw HTTP/1.1 client over asyncio streams (no HTTP
library, so the load generator costs little on the cores it shares with the server), free
ports, and stopping the server subprocess."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def http_request(path: str, body: bytes, headers: dict[str, str], method: str = "POST") -> bytes:
    """The bytes of one HTTP/1.1 request, built once and sent many times."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
            break
    body = await reader.readexactly(length) if length else b""
    return status, body


def stop_process(process: subprocess.Popen[bytes], timeout: float) -> str:
    """Stop the server's process group (SIGINT, then SIGKILL) and return its stderr."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.stderr is not None
    return process.stderr.read().decode(errors="replace")


def start_comptoir(
    port: int, graph_port: int, data_dir: Path, *, database_url: str, secret_key: str
) -> subprocess.Popen[bytes]:
    """``comptoir serve`` in a subprocess with the bench routes on, calling Meta's Graph API
    at ``graph_port`` (the benchmark's stand-in)."""
    env = {
        **os.environ,
        "COMPTOIR_BENCH_ROUTES": "1",
        "COMPTOIR_SECRET_KEY": secret_key,
        "COMPTOIR_DATABASE_URL": database_url,
        "COMPTOIR_GRAPH_URL": f"http://{HOST}:{graph_port}",
    }
    command = [
        sys.executable,
        "-c",
        "from comptoir.cli import main; main()",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )


async def wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    """Until ``POST /_bench/empty`` answers 200 (the server is up with its bench routes)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("comptoir serve exited before answering")
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.write(http_request("/_bench/empty", b"{}", {"Connection": "close"}))
        status, _ = await read_response(reader)
        writer.close()
        if status != 200:
            raise RuntimeError(f"/_bench/empty answered {status}: are the bench routes on?")
        return
    raise RuntimeError("comptoir serve did not answer within 30 s")
