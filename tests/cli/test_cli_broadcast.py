"""``comptoir broadcast``: create, preview, send, status, cancel and the audience export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import pytest

from comptoir.bootstrap import build_container
from comptoir.settings import Settings
from comptoir.storage import tables
from comptoir.storage.pages import connect_page, create_workspace
from tests.cli.support import assert_clean_failure, comptoir, environment

SECRET = "cli-broadcast-secret-key-0123456789"
PAGE_ID = "104000000000777"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A data dir whose database holds a Page with three contacts (one window open)."""
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'comptoir.sqlite3'}",
        secret_key=SECRET,
    )
    container = build_container(settings)
    now = datetime.now(UTC)
    with container.engine.begin() as conn:
        workspace_id = create_workspace(conn, "Shop", now)
        page = connect_page(
            conn,
            container.secrets,
            workspace_id=workspace_id,
            page_id=PAGE_ID,
            access_token="page-token",
            app_secret="app-secret",
            verify_token="verify",
            now=now,
        )
        for index, seen in enumerate((now, now - timedelta(days=3), now - timedelta(days=9))):
            conn.execute(
                tables.contacts.insert().values(
                    workspace_id=workspace_id,
                    page_ref=page.id,
                    psid=f"70000000000000{index}",
                    first_name="Ana",
                    last_user_message_at=seen,
                    created_at=now,
                )
            )
    anyio.run(container.aclose)
    return environment(
        tmp_path,
        COMPTOIR_SECRET_KEY=SECRET,
        COMPTOIR_DATABASE_URL=settings.database_url,
    )


def test_create_preview_send_status_cancel(env: dict[str, str]) -> None:
    created = comptoir(
        [
            "broadcast",
            "create",
            "--page",
            PAGE_ID,
            "--name",
            "Sale",
            "--text",
            "Our new hours start on Monday.",
            "--quick-reply",
            "Yes=YES",
        ],
        env,
    )
    assert created.exit_code == 0, created.output
    assert "Broadcast 1 created" in created.output

    preview = comptoir(["broadcast", "preview", "1"], env)
    assert preview.exit_code == 0, preview.output
    assert "Audience: 3; would receive it: 1" in preview.output
    assert "window: 1" in preview.output
    assert "window closed: 2" in preview.output

    sent = comptoir(["broadcast", "send", "1"], env)
    assert sent.exit_code == 0, sent.output
    assert "is sending" in sent.output
    status = comptoir(["broadcast", "status", "1"], env)
    assert status.exit_code == 0, status.output
    assert "sending" in status.output
    assert "of 3 people" in status.output

    cancelled = comptoir(["broadcast", "cancel", "1"], env)
    assert "is cancelled" in cancelled.output
    assert_clean_failure(comptoir(["broadcast", "send", "1"], env), "cancelled")
    listed = comptoir(["broadcast", "list", "--page", PAGE_ID], env)
    assert "cancelled" in listed.output


def test_refusals_are_one_line_errors(env: dict[str, str]) -> None:
    assert_clean_failure(comptoir(["broadcast", "preview", "42"], env), "no broadcast 42")
    assert_clean_failure(
        comptoir(["broadcast", "create", "--page", "1", "--name", "x", "--text", "y"], env),
        "no Page 1",
    )
    assert_clean_failure(
        comptoir(["broadcast", "create", "--page", PAGE_ID, "--name", "x"], env), "message"
    )


def test_audience_export_as_csv(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "audience.csv"

    result = comptoir(["broadcast", "audience", "--page", PAGE_ID, "--output", str(out)], env)

    assert result.exit_code == 0, result.output
    header, *rows = list(csv.reader(io.StringIO(out.read_text())))
    assert header == ["PAGEUID", "EMAIL", "PHONE", "FN", "LN"]
    assert [row[0] for row in rows] == [f"70000000000000{i}" for i in range(3)]
    assert all(len(row[3]) == 64 for row in rows)
