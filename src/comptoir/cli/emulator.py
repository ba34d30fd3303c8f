"""``comptoir emulator``: run the Messenger Platform emulator and its phone page."""

from __future__ import annotations

import importlib.util
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import click

if TYPE_CHECKING:
    from comptoir.emulator.core import Emulator

DEMO_PAGE_NAME = "Comptoir Demo Shop"
DEMO_PERSON = ("Camille", "Martin")


@dataclass(frozen=True, slots=True)
class DemoIds:
    page_id: str
    app_id: str
    psid: str


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - shown, not bound


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def ensure_demo(emulator: Emulator) -> DemoIds:
    """The demo Page and its customer, created unless a previous run left them."""
    from comptoir.emulator.world import create_page, create_person

    state, clock = emulator.state, emulator.clock
    page = next((p for p in state.pages.values() if p.name == DEMO_PAGE_NAME), None)
    if page is None:
        page = create_page(state, clock, DEMO_PAGE_NAME)
    page.profile.setdefault("get_started", {"payload": "GET_STARTED"})
    first, last = DEMO_PERSON
    person = next(
        (
            p
            for (page_id, _), p in state.people.items()
            if page_id == page.page_id and (p.first_name, p.last_name) == (first, last)
        ),
        None,
    )
    if person is None:
        person = create_person(state, clock, page, first, last, "fr_FR", 1.0)
    return DemoIds(page.page_id, page.app_id, person.psid)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8001, show_default=True, type=click.IntRange(1, 65535), help="TCP port."
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, dir_okay=True, path_type=Path),
    default=None,
    help="Keep Pages, people and threads in SQLite here (default: in memory only).",
)
@click.option("--demo", is_flag=True, help='Create the Page "Comptoir Demo Shop" and a customer.')
def emulator(host: str, port: int, data_dir: Path | None, demo: bool) -> None:
    """Run the Messenger Platform emulator: Graph API, control API and phone page."""
    import uvicorn

    from comptoir.emulator.app import create_app
    from comptoir.emulator.core import build_emulator

    try:
        world = build_emulator(data_dir=data_dir)
    except (OSError, sqlite3.Error) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise click.ClickException(f"cannot use the data directory {data_dir}: {reason}") from exc

    base = f"http://{_display_host(host)}:{port}"
    phone = f"{base}/_emulator/ui/"
    if demo:
        ids = ensure_demo(world)
        phone += "?" + urlencode({"page": ids.page_id, "psid": ids.psid})
        click.echo(f"Demo Page  {DEMO_PAGE_NAME}: page_id {ids.page_id}, app_id {ids.app_id}")
        click.echo(f"Customer   {' '.join(DEMO_PERSON)}: psid {ids.psid}")
        click.echo(f"Credentials (token, app secret): GET {base}/_emulator/pages")
    click.echo(f"Graph API  {base}/{world.config.api_version}/")
    click.echo(f"Control    {base}/_emulator/")
    click.echo(f"Phone page {phone}")
    if data_dir is not None:
        click.echo(f"State kept in {data_dir / 'emulator.sqlite3'}")

    uvicorn.run(
        create_app(world),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        # uvloop and httptools come with uvicorn[standard]; fall back to the defaults.
        loop="uvloop" if _has("uvloop") else "auto",
        http="httptools" if _has("httptools") else "auto",
    )
