"""``comptoir automation set|show|sync-profile``: a Page's automation settings from a JSON
file (format in ``docs/automation.md``), and its Messenger profile sent to Meta."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import httpx
import sqlalchemy as sa

from comptoir.bootstrap import Container
from comptoir.cli.runtime import data_dir_option, load, run_with_container
from comptoir.storage import tables


@click.group()
def automation() -> None:
    """Automatic replies, away message, flows folder and Messenger profile of a Page."""


def _page_ref(container: Container, page_id: str) -> int:
    with container.engine.connect() as conn:
        ref = conn.execute(
            sa.select(tables.pages.c.id).where(tables.pages.c.page_id == page_id)
        ).scalar()
    if ref is None:
        raise click.ClickException(f"no connected Page {page_id}: see comptoir pages list")
    return int(ref)


@automation.command("set")
@click.argument("page_id")
@click.argument("settings_file", type=click.Path(dir_okay=False, path_type=Path))
@data_dir_option
def set_(page_id: str, settings_file: Path, data_dir: Path | None) -> None:
    """Replace the Page's automation settings with SETTINGS_FILE (JSON)."""
    from comptoir.services.automation_settings import SettingsError, save_settings

    try:
        data = json.loads(settings_file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise click.ClickException(f"cannot read {settings_file}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{settings_file} is not JSON: {exc}") from None

    async def work(container: Container) -> None:
        ref = _page_ref(container, page_id)
        try:
            with container.engine.begin() as conn:
                save_settings(conn, ref, data, container.clock.now())
        except SettingsError as exc:
            raise click.ClickException(f"{settings_file}: {exc}") from None

    run_with_container(load(data_dir=data_dir), work)
    click.echo(f"Automation settings of Page {page_id} saved.")


@automation.command("show")
@click.argument("page_id")
@data_dir_option
def show(page_id: str, data_dir: Path | None) -> None:
    """Print the Page's automation settings (JSON)."""
    from comptoir.services.automation_settings import load_settings

    async def work(container: Container) -> dict[str, Any] | None:
        ref = _page_ref(container, page_id)
        with container.engine.connect() as conn:
            settings = load_settings(conn, ref)
        return None if settings is None else dict(settings.raw or {})

    found = run_with_container(load(data_dir=data_dir), work)
    if found is None:
        click.echo(f"Page {page_id} has no automation settings: comptoir automation set --help")
        return
    click.echo(json.dumps(found, ensure_ascii=False, indent=2))


@automation.command("sync-profile")
@click.argument("page_id")
@data_dir_option
def sync_profile_command(page_id: str, data_dir: Path | None) -> None:
    """Send the Page's Messenger profile (the settings' "profile") to Meta."""
    from comptoir.channels.messenger.errors import GraphAPIError
    from comptoir.services.automation_settings import load_settings
    from comptoir.services.messenger_profile import ProfileError, sync_profile

    async def work(container: Container) -> list[str]:
        ref = _page_ref(container, page_id)
        with container.engine.connect() as conn:
            settings = load_settings(conn, ref)
        profile = (settings.raw or {}).get("profile") if settings is not None else None
        if settings is None or not profile:
            raise click.ClickException(f"Page {page_id}'s automation settings have no profile")
        try:
            body = await sync_profile(container, ref, profile, settings.default_locale)
        except ProfileError as exc:
            raise click.ClickException(f"profile not sent: {exc}") from None
        except GraphAPIError as exc:
            raise click.ClickException(f"Meta refused the profile: {exc}") from None
        except httpx.HTTPError:
            raise click.ClickException("Meta's Graph API could not be reached") from None
        return sorted(body)

    sent = run_with_container(load(data_dir=data_dir), work)
    click.echo(f"Messenger profile of Page {page_id} set: {', '.join(sent)}.")
