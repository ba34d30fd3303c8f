"""Killing Comptoir in the middle of sending 1,000 messages loses none.

Two real processes over HTTP: the emulator (``comptoir emulator``) and Comptoir (``comptoir
serve``). The test queues 1,000 messages through ``send_message`` into Comptoir's database,
kills Comptoir with SIGKILL once a few hundred have reached the emulator, starts it again,
and waits until every message is recorded as sent. The emulator's Send API log is the truth:
every message must be there at least once.

Rows that were in flight at the kill come back after their claim's lease as unknown
outcomes: the relay waits a grace period for their echo (``metadata = cpt:<id>``, which the
emulator keeps retrying to deliver while Comptoir is down) and only sends again without
one. Meta has no idempotency key, so such a re-send is a duplicate whenever the first call
did arrive but its echo came too late; the test prints how many there were.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import sqlalchemy as sa

from comptoir.bootstrap import Container, build_container
from comptoir.services.sending import SendMessage, send_message
from comptoir.settings import Settings
from comptoir.storage import tables
from comptoir.storage.outbox import counts
from comptoir.storage.pages import connect_page, create_workspace
from tests.support.servers import free_port

pytestmark = pytest.mark.slow

COMPTOIR = Path(sys.executable).parent / "comptoir"
SECRET_KEY = "crash-restart-secret-key-0123456789"
TOTAL = 1000
KILL_AFTER = 300


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        child = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)  # noqa: S603
    try:
        yield child
    finally:
        stop(child)


def wait_until(check: Any, what: str, log: Path, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
        except httpx.TransportError:
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            pytest.fail(f"timed out waiting for {what}\n--- process output ---\n{tail}")
        time.sleep(0.05)


def comptoir_env(database_url: str, data_dir: Path, emulator: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "COMPTOIR_CONFIG": str(data_dir / "absent.toml"),
        "COMPTOIR_DATA_DIR": str(data_dir),
        "COMPTOIR_DATABASE_URL": database_url,
        "COMPTOIR_GRAPH_URL": emulator,
        "COMPTOIR_SECRET_KEY": SECRET_KEY,
        "COMPTOIR_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "COMPTOIR_LOG_LEVEL": "WARNING",
    }


def start_comptoir(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 (our own command)
            [str(COMPTOIR), "serve", "--port", str(port), "--log-level", "warning"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )


def answers(url: str) -> bool:
    return httpx.get(url, timeout=1).status_code < 500


def stop(child: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if child is None or child.poll() is not None:
        return
    child.send_signal(sig)
    try:
        child.wait(timeout=15)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def queue_messages(
    local: Container, workspace_id: int, conversation_id: int, total: int
) -> list[int]:
    """``send_message`` ``total`` times, as the REST API or a broadcast would."""

    async def queue_all() -> list[int]:
        ids = []
        for i in range(total):
            outcome = await send_message(
                local,
                SendMessage(
                    workspace_id=workspace_id,
                    conversation_id=conversation_id,
                    text=f"Message {i + 1} of {total}",
                ),
            )
            assert outcome.accepted, outcome.explanation
            assert outcome.message_id is not None
            ids.append(outcome.message_id)
        return ids

    return anyio.run(queue_all)


def test_killing_comptoir_mid_send_loses_no_message(database_url: str, tmp_path: Path) -> None:
    emulator_port, port = free_port(), free_port()
    emulator = f"http://127.0.0.1:{emulator_port}"
    comptoir = f"http://127.0.0.1:{port}"
    log = tmp_path / "processes.log"
    data_dir = tmp_path / "comptoir"
    env = comptoir_env(database_url, data_dir, emulator, port)
    settings = Settings(
        data_dir=data_dir, database_url=database_url, graph_url=emulator, secret_key=SECRET_KEY
    )
    # This process's own container: it migrates the database and queues the messages.
    local = build_container(settings)
    control = httpx.Client(base_url=emulator, timeout=10)
    comptoir_process: subprocess.Popen[bytes] | None = None
    page: dict[str, str] = {}

    def sent_log() -> list[dict[str, Any]]:
        if not page:
            return []
        answer = control.get(f"/_emulator/pages/{page['page_id']}/sent").json()
        records: list[dict[str, Any]] = answer["data"]
        return records

    with process([str(COMPTOIR), "emulator", "--port", str(emulator_port)], dict(os.environ), log):
        try:
            wait_until(lambda: answers(f"{emulator}/_emulator/pages"), "the emulator", log)
            control.put(
                "/_emulator/config",
                json={
                    "rate_limits": {"daily_quota_enabled": False},
                    # Echoes that fail while Comptoir is down come back within seconds.
                    "webhooks": {"retry_factor": 30},
                },
            ).raise_for_status()
            page.update(control.post("/_emulator/pages", json={"name": "Crash Shop"}).json())
            now = local.clock.now()
            with local.engine.begin() as conn:
                workspace_id = create_workspace(conn, "Crash shop", now)
                connect_page(
                    conn,
                    local.secrets,
                    workspace_id=workspace_id,
                    page_id=page["page_id"],
                    access_token=page["page_access_token"],
                    app_secret=page["app_secret"],
                    verify_token="crash-verify",
                    now=now,
                    app_id=page["app_id"],
                )
            comptoir_process = start_comptoir(env, port, log)
            wait_until(lambda: answers(f"{comptoir}/docs"), "Comptoir", log)
            handshake = control.put(
                f"/_emulator/pages/{page['page_id']}/webhook",
                json={"url": f"{comptoir}/webhooks/messenger", "verify_token": "crash-verify"},
            )
            assert handshake.json().get("verified") is True, handshake.text
            psid = control.post(
                f"/_emulator/pages/{page['page_id']}/users",
                json={"first_name": "Camille", "last_name": "Martin"},
            ).json()["psid"]
            control.post(
                f"/_emulator/pages/{page['page_id']}/users/{psid}/actions",
                json={"type": "message", "text": "Send me everything."},
            ).raise_for_status()

            def conversation() -> int | None:
                with local.engine.connect() as conn:
                    return conn.execute(sa.select(tables.conversations.c.id)).scalar()

            conversation_id = wait_until(conversation, "the customer's conversation", log)

            # A backlog, as after a broadcast: queued while Comptoir is stopped...
            stop(comptoir_process)
            ids = queue_messages(local, workspace_id, int(conversation_id), TOTAL)
            # ...then sent by its relay, and killed in the middle of it.
            comptoir_process = start_comptoir(env, port, log)
            wait_until(lambda: len(sent_log()) >= KILL_AFTER, "the first sends", log)
            stop(comptoir_process, signal.SIGKILL)
            killed_at = len(sent_log())
            assert killed_at < TOTAL, "everything was sent before the kill: nothing was tested"
            time.sleep(0.5)  # the emulator meets the dead callback: echoes wait for retries

            comptoir_process = start_comptoir(env, port, log)

            def all_sent() -> bool:
                with local.engine.connect() as conn:
                    waiting = conn.execute(
                        sa.select(sa.func.count()).where(
                            tables.messages.c.id.in_(ids),
                            tables.messages.c.status.not_in(("sent", "delivered", "read")),
                        )
                    ).scalar()
                    settled = counts(conn)
                # The echoes may say "sent" first; the outbox rows the dead process held
                # are closed once their lease ends and the relay finds the echo.
                return waiting == 0 and settled.pending + settled.sending == 0

            wait_until(all_sent, "every message recorded as sent", log, timeout=45)
            stop(comptoir_process)
            records = sent_log()
        finally:
            stop(comptoir_process)
            control.close()
            with local.engine.connect() as conn:
                outbox_counts = counts(conn)
            anyio.run(local.aclose)

    accepted = Counter(r["request"]["message"]["metadata"] for r in records if r["status"] == 200)
    expected = {f"cpt:{message_id}" for message_id in ids}
    missing = expected - set(accepted)
    duplicates = sum(count - 1 for key, count in accepted.items() if key in expected)
    print(  # the closing note reports these numbers
        f"\ncrash-restart ({database_url.split(':', 1)[0]}): {TOTAL} messages, killed after "
        f"{killed_at} Send API calls; {duplicates} sent twice; relay re-sends after unknown "
        f"outcomes: {outbox_counts.resends}; Graph errors: "
        f"{Counter(r['response']['error']['code'] for r in records if r['status'] != 200)}"
    )
    assert missing == set(), f"{len(missing)} messages never reached the emulator"
    assert outbox_counts.dead == 0
    assert outbox_counts.done == TOTAL
    # A duplicate needs a re-send: there can be no more of them than re-sends.
    assert duplicates <= outbox_counts.resends
