"""``comptoir demo`` as a person runs it: a subprocess on free ports, over real HTTP."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port

pytestmark = pytest.mark.slow

COMPTOIR = Path(sys.executable).parent / "comptoir"


@dataclass
class Demo:
    process: subprocess.Popen[str]
    lines: list[str]
    api: str
    emulator: str

    def value(self, label: str) -> str:
        line = next(line for line in self.lines if line.strip().startswith(label))
        return line.split(":", 1)[1].strip()

    @property
    def token(self) -> str:
        return self.value("API token")

    @property
    def page_id(self) -> str:
        return self.value("Demo Page").split("(id ", 1)[1].split(")", 1)[0]


@contextmanager
def running_demo(data_dir: Path, port: int, emulator_port: int) -> Iterator[Demo]:
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "COMPTOIR_CONFIG": str(data_dir / "absent.toml"),
        "COMPTOIR_DATABASE_URL": "",
        "COMPTOIR_SECRET_KEY": "",
        "COMPTOIR_GRAPH_URL": "",
    }
    args = [str(COMPTOIR), "demo", "--port", str(port), "--emulator-port", str(emulator_port)]
    process = subprocess.Popen(  # noqa: S603 (our own command)
        [*args, "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: list[str] = []
    arrived: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            arrived.put(line.rstrip("\n"))
        arrived.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not any("Press Ctrl+C to stop." in line for line in lines):
            try:
                line = arrived.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail("comptoir demo did not start within 60 s:\n" + "\n".join(lines))
            if line is None:
                pytest.fail("comptoir demo exited while starting:\n" + "\n".join(lines))
            lines.append(line)
        yield Demo(process, lines, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{emulator_port}")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        while True:  # whatever it printed while stopping
            try:
                line = arrived.get(timeout=1)
            except queue.Empty:
                break
            if line is None:
                break
            lines.append(line)
        reader.join(timeout=5)
        assert process.stdout is not None
        process.stdout.close()


def wait_until(check: object, what: str, timeout: float = 20.0) -> object:
    deadline = time.monotonic() + timeout
    while True:
        found = check()  # type: ignore[operator]
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_the_demo_runs_wired_and_a_restart_keeps_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port, emulator_port = free_port(), free_port()
    with running_demo(data_dir, port, emulator_port) as demo:
        assert demo.value("API docs") == f"{demo.api}/docs"
        assert demo.value("Phone page") == f"{demo.emulator}/_emulator/ui/"
        assert demo.token.startswith("cpt_")
        auth = {"Authorization": f"Bearer {demo.token}"}
        assert httpx.get(f"{demo.api}/docs").status_code == 200
        assert httpx.get(f"{demo.emulator}/_emulator/ui/").status_code == 200

        pages = httpx.get(f"{demo.api}/api/v1/pages", headers=auth).json()["data"]
        assert [(p["page_id"], p["name"]) for p in pages] == [(demo.page_id, "Comptoir Demo Shop")]
        assert pages[0]["subscribed_at"] is not None
        emulated = httpx.get(f"{demo.emulator}/_emulator/pages").json()["data"]
        (page,) = [p for p in emulated if p["page_id"] == demo.page_id]
        assert page["webhook_verified"] is True
        assert page["webhook_url"] == f"{demo.api}/webhooks/messenger"

        def contacts() -> list[str]:
            answer = httpx.get(f"{demo.api}/api/v1/contacts", headers=auth).json()
            return [contact["name"] for contact in answer["data"]]

        wait_until(lambda: len(contacts()) == 3, "the demo customers' messages")

        psid = httpx.post(
            f"{demo.emulator}/_emulator/pages/{demo.page_id}/users",
            json={"first_name": "Nora", "last_name": "Petit"},
        ).json()["psid"]
        said = httpx.post(
            f"{demo.emulator}/_emulator/pages/{demo.page_id}/users/{psid}/actions",
            json={"type": "message", "text": "Avez-vous des créneaux jeudi ?"},
        ).json()
        assert said["webhook"]["status"] == "delivered"

        def nora_says() -> list[str]:
            answer = httpx.get(
                f"{demo.api}/api/v1/conversations", headers=auth, params={"limit": 1}
            ).json()
            conversation = answer["data"][0]
            if conversation["contact"]["name"] != "Nora Petit":
                return []
            messages = httpx.get(
                f"{demo.api}/api/v1/conversations/{conversation['id']}/messages", headers=auth
            ).json()["data"]
            # The demo Page's automation answers too (disclosure, away message, flows).
            return [m["text"] for m in messages if m["direction"] == "in"]

        assert wait_until(nora_says, "Nora's message through Comptoir's API") == [
            "Avez-vous des créneaux jeudi ?"
        ]
        assert demo.value("Inbox") == f"{demo.api}/inbox/"
        email, password = demo.value("Sign in as").split(" / ")
        signed = httpx.post(
            f"{demo.api}/inbox/api/sign-in", json={"email": email, "password": password}
        )
        assert signed.status_code == 200, signed.text
        assert signed.json()["workspace"]["role"] == "owner"
        first_token, first_page = demo.token, demo.page_id
    assert demo.process.returncode == 0, "\n".join(demo.lines)
    assert "Comptoir demo stopped." in demo.lines

    with running_demo(data_dir, port, emulator_port) as again:
        assert (again.token, again.page_id) == (first_token, first_page)
        assert again.value("Sign in as") == f"{email} / {password}"
        auth = {"Authorization": f"Bearer {again.token}"}
        names = [
            c["name"]
            for c in httpx.get(f"{again.api}/api/v1/contacts", headers=auth).json()["data"]
        ]
        assert sorted(names) == ["Amina Diallo", "Camille Martin", "Lucas Bernard", "Nora Petit"]
        assert len(httpx.get(f"{again.api}/api/v1/pages", headers=auth).json()["data"]) == 1
    assert again.process.returncode == 0, "\n".join(again.lines)
