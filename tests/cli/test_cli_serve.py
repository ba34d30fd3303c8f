"""``comptoir serve``: a real server in a subprocess; bad settings refused cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.support import assert_clean_failure, comptoir, environment
from tests.support.servers import free_port

COMPTOIR = Path(sys.executable).parent / "comptoir"


@pytest.mark.slow
def test_serve_answers_and_says_where_the_docs_are(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **environment(tmp_path / "data")}
    with subprocess.Popen(  # noqa: S603 (our own command)
        [str(COMPTOIR), "serve", "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    ) as process:
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    docs = httpx.get(f"http://127.0.0.1:{port}/docs")
                    break
                except httpx.TransportError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail("comptoir serve did not start")
                    time.sleep(0.1)
            assert docs.status_code == 200
            unauthorised = httpx.get(f"http://127.0.0.1:{port}/api/v1/pages")
            assert unauthorised.status_code == 401
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=30)
    assert f"API docs:        http://127.0.0.1:{port}/docs" in output
    assert "Traceback" not in output
    assert (tmp_path / "data" / "comptoir.sqlite3").exists()


def test_serve_refuses_bad_settings_without_a_traceback(tmp_path: Path) -> None:
    env = environment(tmp_path, COMPTOIR_GRAPH_URL="graph.facebook.com")
    result = comptoir(["serve", "--port", str(free_port())], env)
    assert_clean_failure(result, "graph_url must be an http:// or https:// URL")


def test_serve_refuses_an_unknown_log_level(tmp_path: Path) -> None:
    env = environment(tmp_path, COMPTOIR_LOG_LEVEL="chatty")
    result = comptoir(["serve", "--port", str(free_port())], env)
    assert_clean_failure(result, "log_level must be one of")
