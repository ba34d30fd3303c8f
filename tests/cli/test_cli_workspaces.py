"""``comptoir workspaces`` and ``comptoir tokens``."""

from __future__ import annotations

from pathlib import Path

from comptoir.settings import load_settings
from comptoir.storage.engine import create_engine
from comptoir.storage.pages import find_workspace_by_name, workspace_for_api_token
from tests.cli.support import assert_clean_failure, comptoir, environment


def test_a_workspace_then_a_token_that_opens_it(tmp_path: Path) -> None:
    env = environment(tmp_path)
    created = comptoir(["workspaces", "create", "Salon Lumière"], env)
    assert created.exit_code == 0, created.output
    assert "Workspace 'Salon Lumière' created" in created.output

    issued = comptoir(["tokens", "create", "--workspace", "Salon Lumière"], env)
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip()
    assert token.startswith("cpt_")
    assert "only its hash" in issued.stderr

    engine = create_engine(load_settings(env).database_url)
    with engine.connect() as conn:
        workspace_id = find_workspace_by_name(conn, "Salon Lumière")
        assert workspace_id is not None
        assert workspace_for_api_token(conn, token) == workspace_id
    engine.dispose()

    listed = comptoir(["workspaces", "list"], env)
    assert listed.stdout.splitlines() == [f"{workspace_id}\tSalon Lumière"]


def test_refusals_are_one_line_with_status_1(tmp_path: Path) -> None:
    env = environment(tmp_path)
    assert comptoir(["workspaces", "create", "Garage"], env).exit_code == 0
    assert_clean_failure(
        comptoir(["workspaces", "create", "Garage"], env), "a workspace named 'Garage' already"
    )
    assert_clean_failure(
        comptoir(["tokens", "create", "--workspace", "Nope"], env), "no workspace named 'Nope'"
    )
    assert_clean_failure(
        comptoir(["workspaces", "create", "Bistro", "--timezone", "Mars/Base"], env),
        "unknown time zone",
    )


def test_bad_settings_are_reported_not_raised(tmp_path: Path) -> None:
    mysql = environment(tmp_path, COMPTOIR_DATABASE_URL="mysql://root:hunter2@db/comptoir")
    result = comptoir(["workspaces", "list"], mysql)
    assert_clean_failure(result, "database_url must start with sqlite:// or postgresql://")

    broken = tmp_path / "comptoir.toml"
    broken.write_text("database_url = \n", encoding="utf-8")
    result = comptoir(
        ["workspaces", "list"], {**environment(tmp_path), "COMPTOIR_CONFIG": str(broken)}
    )
    assert_clean_failure(result, "bad setting")


def test_an_unreachable_database_is_reported_without_its_password(tmp_path: Path) -> None:
    env = environment(
        tmp_path,
        COMPTOIR_DATABASE_URL="postgresql://comptoir:s3cr3t-pw@127.0.0.1:1/comptoir",
    )
    result = comptoir(["workspaces", "list"], env)
    assert_clean_failure(
        result, "cannot open the database postgresql://comptoir:***@127.0.0.1:1/comptoir"
    )
    assert "s3cr3t-pw" not in result.output
