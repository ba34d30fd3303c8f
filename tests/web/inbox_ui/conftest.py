"""Fixtures for the inbox page's browser tests: Comptoir and the emulator served over HTTP
(``live.py``) and Debian's Chromium driven by Playwright (no browser is downloaded)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.inbox_ui.live import LiveInbox, live_inbox

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def inbox(database_url: str, tmp_path: Path) -> Iterator[LiveInbox]:
    with live_inbox(database_url, tmp_path) as running:
        yield running


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true requires /usr/bin/chromium (make browser)", pytrace=False)
        pytest.skip("Chromium is not installed (make browser installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # The machine may be busy: wait longer than Playwright's 5 s before calling a check failed.
    sync_api.expect.set_options(timeout=15_000)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()
