"""``comptoir emulator``: clear errors for bad options; a demo that survives a restart."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from comptoir.cli import main
from tests.support.servers import free_port


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "0"], "Invalid value for '--port'"),
        (["--port", "http"], "Invalid value for '--port'"),
        (["--data-dir", "{file}"], "is a file"),
    ],
)
def test_bad_options_are_refused_with_a_message(
    tmp_path: Path, args: list[str], message: str
) -> None:
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("x")
    args = [arg.format(file=a_file) for arg in args]
    result = CliRunner().invoke(main, ["emulator", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_an_unusable_data_directory_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "emulator.sqlite3").write_text("this is not a database")
    result = CliRunner().invoke(main, ["emulator", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert "cannot use the data directory" in result.output
    assert "Traceback" not in result.output


def _run(port: int, data_dir: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", "from comptoir.cli import main; main()", "emulator"]
    command += ["--demo", "--port", str(port), "--data-dir", str(data_dir)]
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _wait_for(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the emulator exited"
        try:
            httpx.get(f"{base}/_emulator/pages", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the emulator did not answer")


def _stop(process: subprocess.Popen[str]) -> str:
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=20)
    return output


@pytest.mark.slow
def test_demo_prints_the_phone_page_and_keeps_its_world_across_restarts(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = _run(port, tmp_path)
    try:
        _wait_for(base, process)
        phone = httpx.get(f"{base}/_emulator/ui/")
        assert phone.status_code == 200
        pages = httpx.get(f"{base}/_emulator/pages").json()["data"]
        assert [p["name"] for p in pages] == ["Comptoir Demo Shop"]
        page_id = pages[0]["page_id"]
        (person,) = httpx.get(f"{base}/_emulator/pages/{page_id}/users").json()["data"]
        said = httpx.post(
            f"{base}/_emulator/pages/{page_id}/users/{person['psid']}/actions",
            json={"type": "message", "text": "Bonjour"},
        )
        assert said.status_code == 200
    finally:
        first_output = _stop(process)
    url = re.search(r"Phone page (\S+)", first_output)
    assert url is not None
    assert url.group(1) == f"{base}/_emulator/ui/?page={page_id}&psid={person['psid']}"
    assert pages[0]["page_access_token"] not in first_output
    assert pages[0]["app_secret"] not in first_output

    process = _run(port, tmp_path)
    try:
        _wait_for(base, process)
        again = httpx.get(f"{base}/_emulator/pages").json()["data"]
        assert [p["page_id"] for p in again] == [page_id]
        thread = httpx.get(
            f"{base}/_emulator/pages/{page_id}/users/{person['psid']}/thread"
        ).json()["data"]
        assert [item["text"] for item in thread] == ["Bonjour"]
    finally:
        _stop(process)
