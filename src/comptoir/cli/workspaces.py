"""``comptoir workspaces create NAME`` and ``comptoir workspaces list``."""

from __future__ import annotations

from pathlib import Path

import click

from comptoir.bootstrap import Container
from comptoir.cli.runtime import data_dir_option, load, run_with_container


@click.group()
def workspaces() -> None:
    """Workspaces: one per business, owning its Pages, contacts and API tokens."""


@workspaces.command("create")
@click.argument("name")
@click.option("--timezone", default="UTC", show_default=True, help="An IANA time zone.")
@data_dir_option
def create(name: str, timezone: str, data_dir: Path | None) -> None:
    """Create the workspace NAME (refused if one with that name exists)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from comptoir.services import pages

    if not name.strip():
        raise click.ClickException("a workspace needs a name")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.ClickException(f"unknown time zone {timezone!r} (use an IANA name)") from None

    async def work(container: Container) -> int:
        if pages.find_workspace(container, name) is not None:
            raise click.ClickException(f"a workspace named {name.strip()!r} already exists")
        return pages.create_workspace(container, name, timezone)

    workspace_id = run_with_container(load(data_dir=data_dir), work)
    click.echo(f"Workspace {name.strip()!r} created (id {workspace_id}).")
    click.echo(f"Next: comptoir tokens create --workspace {_quoted(name.strip())}")


@workspaces.command("list")
@data_dir_option
def list_(data_dir: Path | None) -> None:
    """List the workspaces."""
    from comptoir.services import pages

    async def work(container: Container) -> list[tuple[int, str]]:
        return pages.list_workspaces(container)

    found = run_with_container(load(data_dir=data_dir), work)
    if not found:
        click.echo("No workspace yet: comptoir workspaces create NAME")
    for workspace_id, name in found:
        click.echo(f"{workspace_id}\t{name}")


def _quoted(name: str) -> str:
    return f'"{name}"' if " " in name else name
