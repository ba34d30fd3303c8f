"""``comptoir pages connect`` and ``comptoir pages list``.

The token, app secret and verify token may come from flags or, to keep them out of shell
history and process lists, from ``COMPTOIR_PAGE_ACCESS_TOKEN``, ``COMPTOIR_APP_SECRET`` and
``COMPTOIR_VERIFY_TOKEN``. They are stored sealed and never printed.
"""

from __future__ import annotations

from pathlib import Path

import click

from comptoir.bootstrap import Container
from comptoir.cli.runtime import data_dir_option, load, run_with_container

DEFAULT_WORKSPACE = "default"


@click.group()
def pages() -> None:
    """Facebook Pages connected to Comptoir."""


@pages.command("connect")
@click.option("--page-id", required=True, help="Meta's numeric id of the Page.")
@click.option(
    "--access-token",
    required=True,
    envvar="COMPTOIR_PAGE_ACCESS_TOKEN",
    show_envvar=True,
    help="A Page access token.",
)
@click.option(
    "--app-secret",
    required=True,
    envvar="COMPTOIR_APP_SECRET",
    show_envvar=True,
    help="The app's secret (verifies webhook signatures).",
)
@click.option(
    "--verify-token",
    required=True,
    envvar="COMPTOIR_VERIFY_TOKEN",
    show_envvar=True,
    help="The verify token typed into Meta's webhook settings.",
)
@click.option(
    "--workspace",
    "workspace_name",
    default=DEFAULT_WORKSPACE,
    show_default=True,
    help="The workspace that owns the Page (created if missing).",
)
@click.option("--name", default="", help="A name for the Page.")
@click.option("--app-id", default="", help="The app's id (optional).")
@click.option("--timezone", default="UTC", show_default=True, help="The Page's IANA time zone.")
@data_dir_option
def connect(
    page_id: str,
    access_token: str,
    app_secret: str,
    verify_token: str,
    workspace_name: str,
    name: str,
    app_id: str,
    timezone: str,
    data_dir: Path | None,
) -> None:
    """Connect a Page: store its tokens encrypted and subscribe its webhook fields."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from comptoir.services import pages as service

    page_id = page_id.strip()
    if not page_id.isdigit() or len(page_id) > 64:
        raise click.BadParameter("must be Meta's numeric Page id", param_hint="--page-id")
    if app_id and not app_id.isdigit():
        raise click.BadParameter("must be a numeric app id", param_hint="--app-id")
    for flag, value in (
        ("--access-token", access_token),
        ("--app-secret", app_secret),
        ("--verify-token", verify_token),
    ):
        if not value.strip():
            raise click.BadParameter("must not be empty", param_hint=flag)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(
            f"unknown time zone {timezone!r}", param_hint="--timezone"
        ) from None

    async def work(container: Container) -> tuple[service.ConnectedPage, str]:
        workspace_id, _ = service.ensure_workspace(container, workspace_name)
        command = service.ConnectPage(
            workspace_id=workspace_id,
            page_id=page_id,
            access_token=access_token.strip(),
            app_secret=app_secret.strip(),
            verify_token=verify_token.strip(),
            name=name,
            app_id=app_id,
            timezone=timezone,
        )
        try:
            connected = await service.connect_page(container, command)
        except service.PagesError as exc:
            raise click.ClickException(str(exc)) from None
        return connected, container.settings.public_url

    settings = load(data_dir=data_dir)
    connected, public_url = run_with_container(settings, work)
    page = connected.page
    click.echo(
        f"Page {page.page_id}{f' ({page.name})' if page.name else ''} connected to workspace "
        f"{workspace_name!r}; subscribed to {len(connected.fields)} webhook fields."
    )
    click.echo(
        f"Meta's webhook callback: {public_url}/webhooks/messenger (with your verify token)."
    )


@pages.command("list")
@click.option("--workspace", "workspace_name", default=None, help="Only this workspace's Pages.")
@data_dir_option
def list_(workspace_name: str | None, data_dir: Path | None) -> None:
    """List connected Pages (never their tokens)."""
    from comptoir.services import pages as service
    from comptoir.storage import pages as store

    async def work(container: Container) -> list[tuple[str, store.PageRecord, str]]:
        found = []
        with container.engine.connect() as conn:
            for workspace_id, workspace in service.list_workspaces(container):
                if workspace_name is not None and workspace != workspace_name:
                    continue
                for record in store.list_pages(conn, workspace_id):
                    subscribed = service.subscription_time(conn, record.id)
                    found.append((workspace, record, subscribed))
        return found

    found = run_with_container(load(data_dir=data_dir), work)
    if not found:
        click.echo("No Page connected yet: comptoir pages connect --help")
        return
    click.echo("id\tpage_id\tname\tworkspace\tsubscribed")
    for workspace, record, subscribed in found:
        click.echo(f"{record.id}\t{record.page_id}\t{record.name}\t{workspace}\t{subscribed}")
