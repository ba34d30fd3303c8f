"""``comptoir automation set|show|sync-profile`` against the emulator over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from comptoir.emulator.app import create_app as create_emulator_app
from comptoir.emulator.core import build_emulator
from tests.cli.support import assert_clean_failure, comptoir, environment
from tests.cli.test_cli_pages import Meta
from tests.support.servers import serve_in_thread

SETTINGS = {
    "instant_reply": {"fr": "Bonjour !", "en": "Hello!"},
    "profile": {
        "get_started": "GET_STARTED",
        "greeting": {"fr": "Bienvenue au salon !", "en": "Welcome to the salon!"},
    },
}


@pytest.fixture
def connected(tmp_path: Path) -> Iterator[tuple[Meta, dict[str, str]]]:
    emulator = build_emulator()
    with serve_in_thread(create_emulator_app(emulator)) as url:
        page = httpx.post(f"{url}/_emulator/pages", json={"name": "Salon Lumière"}).json()
        meta = Meta(url, emulator, page)
        env = environment(tmp_path, COMPTOIR_GRAPH_URL=url)
        result = comptoir(meta.connect_args(), env)
        assert result.exit_code == 0, result.output
        yield meta, env


def test_set_show_and_sync_the_profile(
    tmp_path: Path, connected: tuple[Meta, dict[str, str]]
) -> None:
    meta, env = connected
    page_id = meta.page["page_id"]
    file = tmp_path / "automation.json"
    file.write_text(json.dumps(SETTINGS), encoding="utf-8")
    assert comptoir(["automation", "set", page_id, str(file)], env).exit_code == 0
    shown = comptoir(["automation", "show", page_id], env)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout) == SETTINGS
    synced = comptoir(["automation", "sync-profile", page_id], env)
    assert synced.exit_code == 0, synced.output
    assert "get_started, greeting" in synced.output
    profile = meta.emulator.state.pages[page_id].profile
    assert profile["greeting"][0] == {"locale": "default", "text": "Bienvenue au salon !"}
    assert meta.page["page_access_token"] not in synced.output


def test_bad_input_is_refused_clearly(
    tmp_path: Path, connected: tuple[Meta, dict[str, str]]
) -> None:
    meta, env = connected
    page_id = meta.page["page_id"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hours": {"zone": "Mars/Olympus"}}), encoding="utf-8")
    assert_clean_failure(comptoir(["automation", "set", page_id, str(bad)], env), "hours")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert_clean_failure(comptoir(["automation", "set", page_id, str(broken)], env), "not JSON")
    missing = tmp_path / "missing.json"
    assert_clean_failure(comptoir(["automation", "set", page_id, str(missing)], env), "cannot read")
    assert_clean_failure(comptoir(["automation", "show", "999"], env), "no connected Page 999")
    assert_clean_failure(comptoir(["automation", "sync-profile", page_id], env), "no profile")
    nothing = comptoir(["automation", "show", page_id], env)
    assert "has no automation settings" in nothing.output
