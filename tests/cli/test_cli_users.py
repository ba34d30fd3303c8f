"""``comptoir users``: accounts made from the command line can sign in to the inbox."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from comptoir.services import accounts
from comptoir.settings import load_settings
from comptoir.storage.engine import create_engine
from tests.cli.support import assert_clean_failure, comptoir, environment


def test_create_invite_reset_and_list(tmp_path: Path) -> None:
    env = environment(tmp_path)
    assert comptoir(["workspaces", "create", "Salon"], env).exit_code == 0
    created = comptoir(
        ["users", "create", "--workspace", "Salon", "--email", "Nadia@Example.com",
         "--name", "Nadia", "--role", "owner", "--password-stdin"],
        env,
        input="a long enough passphrase\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "created Nadia@Example.com (owner of Salon)" in created.output
    assert "passphrase" not in created.output

    settings = load_settings(env)
    engine = create_engine(settings.database_url)
    with engine.begin() as conn:
        signed = accounts.sign_in(
            conn,
            "nadia@example.com",
            "a long enough passphrase",
            address="127.0.0.1",
            device=None,
            secret_key="k",
            now=datetime.now(UTC),
        )
    assert signed.user_id > 0
    engine.dispose()

    invited = comptoir(["users", "invite", "--workspace", "Salon", "--email", "leo@x.fr"], env)
    assert invited.exit_code == 0, invited.output
    assert "/inbox/#invite=" in invited.output
    reset = comptoir(["users", "reset", "--email", "nadia@example.com"], env)
    assert "/inbox/#reset=" in reset.output
    listed = comptoir(["users", "list", "--workspace", "Salon"], env)
    assert "Nadia@Example.com\towner\tNadia" in listed.output


def test_refusals_are_clean(tmp_path: Path) -> None:
    env = environment(tmp_path)
    comptoir(["workspaces", "create", "Salon"], env)
    weak = comptoir(
        ["users", "create", "--workspace", "Salon", "--email", "a@b.fr", "--password-stdin"],
        env,
        input="short\n",
    )
    assert_clean_failure(weak, "at least 10 characters")
    nowhere = comptoir(["users", "invite", "--workspace", "Nope", "--email", "a@b.fr"], env)
    assert_clean_failure(nowhere, "no workspace named 'Nope'")
    unknown = comptoir(["users", "reset", "--email", "ghost@b.fr"], env)
    assert_clean_failure(unknown, "no account")
