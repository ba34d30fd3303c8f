"""Running ``comptoir`` commands in-process with their own environment."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from click.testing import CliRunner, Result

from comptoir.cli import main


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    """COMPTOIR_* for a test: its own data dir, no comptoir.toml from the working directory."""
    env = {
        "COMPTOIR_DATA_DIR": str(data_dir),
        "COMPTOIR_CONFIG": str(data_dir / "absent.toml"),
        "COMPTOIR_DATABASE_URL": "",
        "COMPTOIR_GRAPH_URL": "",
        "COMPTOIR_SECRET_KEY": "",
    }
    env.update(extra)
    return env


def comptoir(args: list[str], env: Mapping[str, str], input: str | None = None) -> Result:
    """Run ``comptoir ARGS``; stdout and stderr together in ``output``."""
    return CliRunner().invoke(main, args, env=dict(env), input=input, catch_exceptions=True)


def assert_clean_failure(result: Result, says: str) -> None:
    """A refusal: exit status 1, one ``Error:`` line naming the problem, no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Error:" in result.output
    assert says in result.output, result.output
