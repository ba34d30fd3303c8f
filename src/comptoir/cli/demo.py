"""``comptoir demo``: the emulator and Comptoir in one process, wired over real HTTP.

Two uvicorn servers share one event loop: the emulator on ``--emulator-port`` (Meta's Graph
API, the control API and the phone page) and Comptoir on ``--port``, whose Graph URL is the
emulator and whose webhook the emulator calls. Then, unless a previous run did it already
(``<data-dir>/demo.json``), it sets up the demo through the real paths:

1. a workspace "Comptoir Demo";
2. the Page "Comptoir Demo Shop", made by the emulator's control API, connected with
   ``services.pages.connect_page`` (which calls ``subscribed_apps`` on the emulator), and its
   webhook registered at the emulator, which verifies it with Meta's GET handshake;
3. a few customers who write to the Page (their messages arrive as signed webhooks);
4. an API token, kept in ``demo.json`` (mode 600) so a restart prints the same one;
5. an owner account for the shared inbox, its password kept in ``demo.json`` too.

It prints where the inbox, its sign-in, the API docs, the token and the phone page are, and
runs until Ctrl+C.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import httpx
import uvicorn

from comptoir.bootstrap import Container
from comptoir.cli.demo_automation import set_up_automation
from comptoir.cli.runtime import load, open_container

log = logging.getLogger(__name__)

WORKSPACE = "Comptoir Demo"
PAGE_NAME = "Comptoir Demo Shop"
OWNER_EMAIL = "owner@example.com"
OWNER_NAME = "Demo Owner"
STATE_FILE = "demo.json"
CUSTOMERS: tuple[tuple[str, str, str, str], ...] = (
    ("Camille", "Martin", "fr_FR", "Bonjour ! Vous êtes ouverts samedi matin ?"),
    ("Lucas", "Bernard", "fr_FR", "Est-ce que ma commande 4521 est partie ?"),
    ("Amina", "Diallo", "en_GB", "Hi! Do you ship to Belgium?"),
)


class DemoError(Exception):
    """The demo could not be set up; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Urls:
    host: str
    port: int
    emulator_port: int

    @property
    def comptoir(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def emulator(self) -> str:
        return f"http://{self.host}:{self.emulator_port}"

    @property
    def webhook(self) -> str:
        return f"{self.comptoir}/webhooks/messenger"


@click.command()
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Comptoir."
)
@click.option(
    "--emulator-port",
    default=8001,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="The Messenger Platform emulator.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, dir_okay=True, path_type=Path),
    default=Path(".data"),
    show_default=True,
    help="Comptoir's database, the emulator's state and the demo's token live here.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
def demo(port: int, emulator_port: int, data_dir: Path, host: str) -> None:
    """Start the emulator and Comptoir wired together, with a demo Page and customers."""
    if port == emulator_port:
        raise click.BadParameter("must differ from --port", param_hint="--emulator-port")
    for flag, number in (("--port", port), ("--emulator-port", emulator_port)):
        if not _port_free(host, number):
            raise click.ClickException(f"port {number} is in use on {host}; choose another {flag}")
    urls = Urls(host, port, emulator_port)
    settings = load(
        data_dir=data_dir,
        graph_url=urls.emulator,
        public_url=urls.comptoir,
    )
    try:
        asyncio.run(_run(urls, settings.data_dir, open_container(settings)))
    except DemoError as exc:
        raise click.ClickException(str(exc)) from None


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


async def _run(urls: Urls, data_dir: Path, container: Container) -> None:
    from comptoir.emulator.app import create_app as create_emulator_app
    from comptoir.emulator.core import build_emulator
    from comptoir.web.app import create_app

    emulator = build_emulator(data_dir=data_dir / "emulator")
    servers = [
        _Server(
            uvicorn.Config(
                create_emulator_app(emulator),
                host=urls.host,
                port=urls.emulator_port,
                log_level="warning",
                access_log=False,
            )
        ),
        _Server(
            uvicorn.Config(
                create_app(container),
                host=urls.host,
                port=urls.port,
                log_level="warning",
                access_log=False,
            )
        ),
    ]
    tasks = [asyncio.create_task(server.run_until_stopped()) for server in servers]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await _until_started(servers, tasks)
        demo_state = await _set_up(urls, data_dir, container)
        _print_banner(urls, data_dir, demo_state)
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait([stopped, *tasks], return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    click.echo("Comptoir demo stopped.")


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to the demo (two servers share one loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def run_until_stopped(self) -> None:
        try:
            await self.serve()
        except SystemExit:  # uvicorn exits when it cannot start (port taken, lifespan failed)
            raise DemoError("a server could not start; see the messages above") from None


async def _until_started(servers: list[_Server], tasks: list[asyncio.Task[None]]) -> None:
    for _ in range(3000):
        if all(server.started for server in servers):
            return
        for task in tasks:
            if task.done():
                task.result()  # raises the reason it stopped
                raise DemoError("a server stopped while starting")
        await asyncio.sleep(0.01)
    raise DemoError("the servers did not start within 30 seconds")


# -- setting up the demo ----------------------------------------------------------------------


def _load_state(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _save_state(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=2)
    temporary.replace(path)


async def _set_up(urls: Urls, data_dir: Path, container: Container) -> dict[str, Any]:
    """Make (or find again) the workspace, Page, customers and token; returns demo.json."""
    from comptoir.services import pages as service

    path = data_dir / STATE_FILE
    state = _load_state(path)
    workspace_id, _ = service.ensure_workspace(container, WORKSPACE)
    async with httpx.AsyncClient(base_url=urls.emulator, timeout=30) as control:
        page = await _ensure_page(control, container, workspace_id, state)
        state["page_id"] = page["page_id"]
        await _register_webhook(control, urls, page)
        await set_up_automation(container, page["page_id"])
        state["workspace_id"] = workspace_id
        _save_state(path, state)
        if state.get("customers_for") != page["page_id"]:
            state["customers"] = await _customers_write(control, page["page_id"])
            state["customers_for"] = page["page_id"]
            _save_state(path, state)
    token = state.get("api_token")
    if not isinstance(token, str) or not _token_opens(container, token, workspace_id):
        state["api_token"] = service.create_api_token(container, workspace_id, "demo")
        _save_state(path, state)
    password = _ensure_owner(container, workspace_id, state.get("owner_password"))
    if password != state.get("owner_password"):
        state["owner_password"] = password
        _save_state(path, state)
    return state


def _ensure_owner(container: Container, workspace_id: int, password: Any) -> str:
    """The demo owner's account; a new random password when the saved one does not open it."""
    import secrets

    from comptoir.services import accounts
    from comptoir.storage import accounts as store

    now = container.clock.now()
    with container.engine.begin() as conn:
        user = store.user_by_email(conn, OWNER_EMAIL)
        if (
            user is not None
            and isinstance(password, str)
            and accounts.password_matches(user.password_hash, password)
        ):
            accounts.add_member(conn, user.id, workspace_id, "owner", now)
            return password
        fresh = secrets.token_urlsafe(12)
        if user is None:
            user_id = accounts.create_user(conn, OWNER_EMAIL, fresh, OWNER_NAME, now)
        else:
            user_id = user.id
            accounts.set_password(conn, user_id, fresh)
        accounts.add_member(conn, user_id, workspace_id, "owner", now)
    return fresh


async def _control(
    control: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    try:
        response = await control.request(method, path, json=body)
    except httpx.HTTPError as exc:
        raise DemoError(f"the emulator did not answer {method} {path} ({exc})") from None
    if response.status_code >= 300:
        raise DemoError(f"the emulator refused {method} {path}: {response.text[:300]}")
    answer: dict[str, Any] = response.json()
    return answer


async def _ensure_page(
    control: httpx.AsyncClient, container: Container, workspace_id: int, state: dict[str, Any]
) -> dict[str, Any]:
    """The demo Page at the emulator, connected to the workspace through the real path."""
    from comptoir.services import pages as service
    from comptoir.storage.pages import find_page

    known = await _control(control, "GET", "/_emulator/pages")
    emulator_pages = {str(p.get("page_id")): p for p in known.get("data", [])}
    page_id = state.get("page_id")
    with container.engine.connect() as conn:
        record = find_page(conn, str(page_id)) if page_id else None
    if page_id in emulator_pages and record is not None and record.workspace_id == workspace_id:
        return {
            "page_id": str(page_id),
            "verify_token": record.open_secrets(container.secrets).verify_token,
        }
    created = await _control(control, "POST", "/_emulator/pages", {"name": PAGE_NAME})
    verify_token = "demo-verify-" + str(created["page_id"])
    try:
        await service.connect_page(
            container,
            service.ConnectPage(
                workspace_id=workspace_id,
                page_id=str(created["page_id"]),
                access_token=str(created["page_access_token"]),
                app_secret=str(created["app_secret"]),
                verify_token=verify_token,
                name=PAGE_NAME,
                app_id=str(created.get("app_id", "")),
            ),
        )
    except service.PagesError as exc:
        raise DemoError(f"connecting the demo Page failed: {exc}") from None
    state.pop("customers_for", None)
    return {"page_id": str(created["page_id"]), "verify_token": verify_token}


async def _register_webhook(control: httpx.AsyncClient, urls: Urls, page: dict[str, Any]) -> None:
    """Point the Page's webhook at Comptoir; the emulator checks it with the GET handshake."""
    from comptoir.services.pages import WEBHOOK_FIELDS

    result = await _control(
        control,
        "PUT",
        f"/_emulator/pages/{page['page_id']}/webhook",
        {"url": urls.webhook, "verify_token": page["verify_token"], "fields": list(WEBHOOK_FIELDS)},
    )
    if result.get("verified") is not True:
        raise DemoError(
            f"the emulator could not verify Comptoir's webhook at {urls.webhook}: "
            f"{result.get('error') or result}"
        )


async def _customers_write(control: httpx.AsyncClient, page_id: str) -> list[str]:
    psids = []
    for first_name, last_name, locale, text in CUSTOMERS:
        person = await _control(
            control,
            "POST",
            f"/_emulator/pages/{page_id}/users",
            {"first_name": first_name, "last_name": last_name, "locale": locale},
        )
        psid = str(person["psid"])
        await _control(
            control,
            "POST",
            f"/_emulator/pages/{page_id}/users/{psid}/actions",
            {"type": "message", "text": text},
        )
        psids.append(psid)
    return psids


def _token_opens(container: Container, token: str, workspace_id: int) -> bool:
    from comptoir.storage.pages import workspace_for_api_token

    with container.engine.connect() as conn:
        return workspace_for_api_token(conn, token) == workspace_id


def _print_banner(urls: Urls, data_dir: Path, state: dict[str, Any]) -> None:
    token = state["api_token"]
    lines = [
        "",
        "Comptoir demo is running.",
        f"  Inbox:       {urls.comptoir}/inbox/",
        f"  Sign in as:  {OWNER_EMAIL} / {state['owner_password']}",
        f"  API docs:    {urls.comptoir}/docs",
        f"  API token:   {token}",
        f"  Phone page:  {urls.emulator}/_emulator/ui/",
        f"  Demo Page:   {PAGE_NAME} (id {state['page_id']}), workspace {WORKSPACE!r}",
        f"  Data:        {data_dir}",
        "",
        "Try:",
        f'  curl -H "Authorization: Bearer {token}" {urls.comptoir}/api/v1/conversations',
        "",
        "Press Ctrl+C to stop.",
    ]
    click.echo("\n".join(lines))
