"""``comptoir tokens create --workspace NAME``: an API token, printed once."""

from __future__ import annotations

from pathlib import Path

import click

from comptoir.bootstrap import Container
from comptoir.cli.runtime import data_dir_option, load, run_with_container


@click.group()
def tokens() -> None:
    """API tokens: `Authorization: Bearer cpt_...` on the REST API."""


@tokens.command("create")
@click.option("--workspace", "workspace_name", required=True, help="The workspace's name.")
@click.option("--name", default="api", show_default=True, help="What the token is for.")
@data_dir_option
def create(workspace_name: str, name: str, data_dir: Path | None) -> None:
    """Create an API token for a workspace. It is shown once: only its hash is kept."""
    from comptoir.services import pages

    async def work(container: Container) -> str:
        workspace_id = pages.find_workspace(container, workspace_name)
        if workspace_id is None:
            raise click.ClickException(
                f"no workspace named {workspace_name!r} (comptoir workspaces list)"
            )
        return pages.create_api_token(container, workspace_id, name)

    token = run_with_container(load(data_dir=data_dir), work)
    click.echo(token)
    click.echo(
        "Keep it now: Comptoir stores only its hash. Use it as `Authorization: Bearer <token>`.",
        err=True,
    )
