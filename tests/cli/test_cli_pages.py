"""``comptoir pages connect`` against the emulator over HTTP, and ``comptoir pages list``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from comptoir.emulator.app import create_app as create_emulator_app
from comptoir.emulator.core import Emulator, build_emulator
from comptoir.services.pages import WEBHOOK_FIELDS
from tests.cli.support import assert_clean_failure, comptoir, environment
from tests.support.servers import free_port, serve_in_thread


@dataclass
class Meta:
    """The emulator on a real port, with one Page made through its control API."""

    url: str
    emulator: Emulator
    page: dict[str, Any]

    def connect_args(self, **overrides: str) -> list[str]:
        values = {
            "--page-id": self.page["page_id"],
            "--access-token": self.page["page_access_token"],
            "--app-secret": self.page["app_secret"],
            "--verify-token": "verify-me-please",
            "--workspace": "Salon Lumière",
            "--name": "Salon Lumière",
        }
        values.update(overrides)
        args = ["pages", "connect"]
        for flag, value in values.items():
            args += [flag, value]
        return args


@pytest.fixture
def meta() -> Iterator[Meta]:
    emulator = build_emulator()
    with serve_in_thread(create_emulator_app(emulator)) as url:
        page = httpx.post(f"{url}/_emulator/pages", json={"name": "Salon Lumière"}).json()
        yield Meta(url, emulator, page)


def test_connect_stores_the_page_and_subscribes_its_webhook_fields(
    tmp_path: Path, meta: Meta
) -> None:
    env = environment(tmp_path, COMPTOIR_GRAPH_URL=meta.url)

    result = comptoir(meta.connect_args(), env)

    assert result.exit_code == 0, result.output
    assert f"Page {meta.page['page_id']} (Salon Lumière) connected" in result.output
    assert f"subscribed to {len(WEBHOOK_FIELDS)} webhook fields" in result.output
    for secret in (meta.page["page_access_token"], meta.page["app_secret"], "verify-me-please"):
        assert secret not in result.output
    page = meta.emulator.state.pages[meta.page["page_id"]]
    assert page.app_installed
    assert sorted(page.subscribed_fields) == sorted(WEBHOOK_FIELDS)

    listed = comptoir(["pages", "list"], env)
    assert listed.exit_code == 0, listed.output
    (header, row) = listed.stdout.splitlines()
    assert header.split("\t") == ["id", "page_id", "name", "workspace", "subscribed"]
    assert row.split("\t")[1:4] == [meta.page["page_id"], "Salon Lumière", "Salon Lumière"]
    assert row.split("\t")[4] != "no"
    assert meta.page["page_access_token"] not in listed.output

    again = comptoir(meta.connect_args(), env)  # connecting again updates, never duplicates
    assert again.exit_code == 0, again.output
    assert len(comptoir(["pages", "list"], env).stdout.splitlines()) == 2


def test_secrets_can_come_from_the_environment(tmp_path: Path, meta: Meta) -> None:
    env = environment(
        tmp_path,
        COMPTOIR_GRAPH_URL=meta.url,
        COMPTOIR_PAGE_ACCESS_TOKEN=meta.page["page_access_token"],
        COMPTOIR_APP_SECRET=meta.page["app_secret"],
        COMPTOIR_VERIFY_TOKEN="verify-from-env",
    )
    result = comptoir(["pages", "connect", "--page-id", meta.page["page_id"]], env)
    assert result.exit_code == 0, result.output
    assert "workspace 'default'" in result.output


def test_a_token_meta_refuses_is_reported_and_nothing_is_kept(tmp_path: Path, meta: Meta) -> None:
    env = environment(tmp_path, COMPTOIR_GRAPH_URL=meta.url)
    wrong = "EAAwrong-token-0123456789"

    result = comptoir(meta.connect_args(**{"--access-token": wrong}), env)

    assert_clean_failure(
        result, f"Meta refused to subscribe the app to Page {meta.page['page_id']}"
    )
    assert wrong not in result.output
    assert meta.page["app_secret"] not in result.output
    assert "No Page connected yet" in comptoir(["pages", "list"], env).output
    assert not meta.emulator.state.pages[meta.page["page_id"]].app_installed


def test_an_unreachable_graph_api_is_reported(tmp_path: Path, meta: Meta) -> None:
    env = environment(tmp_path, COMPTOIR_GRAPH_URL=f"http://127.0.0.1:{free_port()}")
    result = comptoir(meta.connect_args(), env)
    assert_clean_failure(result, "could not reach Meta's Graph API")
    assert meta.page["page_access_token"] not in result.output


@pytest.mark.parametrize(
    ("flag", "value", "says"),
    [
        ("--page-id", "my-page", "numeric Page id"),
        ("--app-id", "abc", "numeric app id"),
        ("--timezone", "Europe/Atlantis", "unknown time zone"),
        ("--access-token", "  ", "must not be empty"),
    ],
)
def test_bad_flags_are_usage_errors(
    tmp_path: Path, meta: Meta, flag: str, value: str, says: str
) -> None:
    env = environment(tmp_path, COMPTOIR_GRAPH_URL=meta.url)
    result = comptoir(meta.connect_args(**{flag: value}), env)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert flag in result.output
    assert says in result.output
    assert meta.page["app_secret"] not in result.output


def test_a_missing_flag_is_a_usage_error(tmp_path: Path) -> None:
    result = comptoir(["pages", "connect", "--page-id", "123"], environment(tmp_path))
    assert result.exit_code == 2
    assert "--access-token" in result.output


def test_short_credentials_do_not_garble_the_error(tmp_path: Path, meta: Meta) -> None:
    env = environment(tmp_path, COMPTOIR_GRAPH_URL=meta.url)
    args = meta.connect_args(**{"--access-token": "EAAbad", "--app-secret": "s"})
    result = comptoir(args, env)
    assert_clean_failure(result, "Invalid OAuth access token. [190]")
