"""What Comptoir's own commands share: settings from flags, a container, clean failures.

Every failure a person can cause (a bad setting, a database that does not answer, Meta
refusing a token) becomes a one-line ``Error: ...`` and exit status 1, never a traceback;
no message ever carries a token, a secret or a database password.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import sqlalchemy as sa

from comptoir.bootstrap import Container, build_container
from comptoir.settings import Settings, SettingsError, load_settings

Result = TypeVar("Result")

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, dir_okay=True, path_type=Path),
    default=None,
    help="Where Comptoir keeps its SQLite database and secret key (COMPTOIR_DATA_DIR).",
)


def load(**overrides: Any) -> Settings:
    """Settings from comptoir.toml and COMPTOIR_* variables, then the command's flags."""
    try:
        return load_settings(overrides=overrides)
    except SettingsError as exc:
        raise click.ClickException(f"bad setting: {exc}") from None


def safe_url(url: str) -> str:
    """The database URL with any password masked."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(an unreadable database URL)"


def open_container(settings: Settings, **kwargs: Any) -> Container:
    try:
        return build_container(settings, **kwargs)
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        raise click.ClickException(
            f"cannot open the database {safe_url(settings.database_url)}: "
            f"{_first_line(exc.orig) if exc.orig is not None else type(exc).__name__}"
        ) from None
    except OSError as exc:
        raise click.ClickException(f"cannot use the data directory: {exc.strerror}") from None
    except ValueError as exc:  # e.g. a secret key that is too short
        raise click.ClickException(str(exc)) from None


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def run_with_container(
    settings: Settings, work: Callable[[Container], Awaitable[Result]]
) -> Result:
    """Build a container (workers not started), run ``work`` with it, close it."""

    async def main() -> Result:
        container = open_container(settings)
        try:
            return await work(container)
        finally:
            await container.aclose()

    return asyncio.run(main())
