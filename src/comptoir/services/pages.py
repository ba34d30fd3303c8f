"""Workspaces, API tokens and Page connection: what the CLI and the REST API both call.

Connecting a Page stores it (tokens sealed, ``storage.pages.connect_page``), then installs
the app on the Page with the webhook fields Comptoir handles (``POST /{page-id}/subscribed_apps``
through the typed Graph client) and records ``subscribed_at``. If Meta refuses, the Page is
put back as it was (a new Page is removed again) and ``SubscriptionError`` says why, in
Meta's words with any credential masked.

    PagesError
    ├── WorkspaceNotFoundError
    ├── PageConflictError        the Page belongs to another workspace
    └── SubscriptionError        Meta refused or could not be reached (``retryable``)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from comptoir.bootstrap import Container
from comptoir.channels.messenger.errors import GraphAPIError
from comptoir.channels.messenger.send_api import GraphClient, SubscribeApp
from comptoir.storage import pages as store
from comptoir.storage.pages import PageRecord
from comptoir.storage.tables import pages, workspaces
from comptoir.threads import run_sync

#: The webhook fields Comptoir handles (reference §1.5), subscribed on connect.
WEBHOOK_FIELDS: tuple[str, ...] = (
    "messages",
    "messaging_postbacks",
    "messaging_optins",
    "message_deliveries",
    "message_reads",
    "message_echoes",
    "message_reactions",
    "message_edits",
    "messaging_referrals",
    "messaging_handovers",
    "messaging_policy_enforcement",
    "standby",
)


class PagesError(Exception):
    """Root of this module's errors; messages are safe to show (no secrets)."""


class WorkspaceNotFoundError(PagesError):
    pass


class PageConflictError(PagesError):
    pass


class SubscriptionError(PagesError):
    """Meta refused to subscribe the app to the Page, or could not be reached."""

    def __init__(self, message: str, *, code: int | None, retryable: bool) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class ConnectPage:
    """Connect Meta's Page ``page_id`` to a workspace with these credentials."""

    workspace_id: int
    page_id: str
    access_token: str
    app_secret: str
    verify_token: str
    name: str = ""
    app_id: str = ""
    timezone: str = "UTC"

    def __repr__(self) -> str:
        return f"ConnectPage(workspace_id={self.workspace_id}, page_id={self.page_id!r}, ***)"


@dataclass(frozen=True, slots=True)
class ConnectedPage:
    page: PageRecord
    subscribed_at: datetime
    fields: tuple[str, ...]
    created: bool


# -- workspaces and tokens --------------------------------------------------------------------


def create_workspace(container: Container, name: str, timezone: str = "UTC") -> int:
    name = name.strip()
    if not name:
        raise PagesError("a workspace needs a name")
    with container.engine.begin() as conn:
        return store.create_workspace(conn, name[:200], container.clock.now(), timezone)


def find_workspace(container: Container, name: str) -> int | None:
    with container.engine.connect() as conn:
        return store.find_workspace_by_name(conn, name.strip())


def ensure_workspace(container: Container, name: str) -> tuple[int, bool]:
    """The workspace called ``name``, made if missing; ``True`` when it was just made."""
    found = find_workspace(container, name)
    if found is not None:
        return found, False
    return create_workspace(container, name), True


def list_workspaces(container: Container) -> list[tuple[int, str]]:
    with container.engine.connect() as conn:
        rows = conn.execute(sa.select(workspaces.c.id, workspaces.c.name).order_by(workspaces.c.id))
        return [(int(row.id), str(row.name)) for row in rows]


def create_api_token(container: Container, workspace_id: int, name: str = "api") -> str:
    """A new API token for the workspace; returned once, only its hash is kept."""
    with container.engine.begin() as conn:
        exists = conn.execute(
            sa.select(workspaces.c.id).where(workspaces.c.id == workspace_id)
        ).first()
        if exists is None:
            raise WorkspaceNotFoundError(f"no workspace {workspace_id}")
        return store.create_api_token(conn, workspace_id, name[:200], container.clock.now())


def subscription_time(conn: sa.Connection, page_ref: int) -> str:
    """When the Page's webhook fields were subscribed, or ``"no"``."""
    moment = conn.execute(
        sa.select(pages.c.subscribed_at).where(pages.c.id == page_ref)
    ).scalar_one_or_none()
    return moment.isoformat() if moment is not None else "no"


# -- connecting a Page ------------------------------------------------------------------------


async def connect_page(container: Container, command: ConnectPage) -> ConnectedPage:
    """Store the Page, subscribe the app to its webhook fields, record when (module doc)."""
    previous, record = await run_sync(_store, container, command)
    try:
        client = GraphClient(
            container.settings.graph_url, container.graph_http, container.settings.api_version
        )
        await client.call(
            SubscribeApp(page_id=command.page_id, subscribed_fields=WEBHOOK_FIELDS),
            command.access_token,
        )
    except GraphAPIError as exc:
        await run_sync(_restore, container, record.id, previous)
        if exc.code is None:
            message = f"could not reach Meta's Graph API to subscribe Page {command.page_id}"
        else:
            message = f"Meta refused to subscribe the app to Page {command.page_id}"
        raise SubscriptionError(
            _masked(f"{message}: {exc}", command), code=exc.code, retryable=exc.retryable
        ) from None
    except Exception as exc:
        await run_sync(_restore, container, record.id, previous)
        raise SubscriptionError(
            f"could not reach Meta's Graph API to subscribe Page {command.page_id} "
            f"({type(exc).__name__})",
            code=None,
            retryable=True,
        ) from None
    now = container.clock.now()

    def mark() -> PageRecord:
        with container.engine.begin() as conn:
            store.mark_subscribed(conn, record.id, now)
            stored = store.get_page(conn, record.id)
        assert stored is not None
        return stored

    stored = await run_sync(mark)
    return ConnectedPage(stored, now, WEBHOOK_FIELDS, created=previous is None)


@dataclass(frozen=True, slots=True)
class _Previous:
    values: dict[str, object]


def _store(container: Container, command: ConnectPage) -> tuple[_Previous | None, PageRecord]:
    with container.engine.begin() as conn:
        exists = conn.execute(
            sa.select(workspaces.c.id).where(workspaces.c.id == command.workspace_id)
        ).first()
        if exists is None:
            raise WorkspaceNotFoundError(f"no workspace {command.workspace_id}")
        before = conn.execute(sa.select(pages).where(pages.c.page_id == command.page_id)).first()
        previous = _Previous(dict(before._mapping)) if before is not None else None
        try:
            record = store.connect_page(
                conn,
                container.secrets,
                workspace_id=command.workspace_id,
                page_id=command.page_id,
                access_token=command.access_token,
                app_secret=command.app_secret,
                verify_token=command.verify_token,
                now=container.clock.now(),
                name=command.name,
                app_id=command.app_id,
                timezone=command.timezone,
            )
        except store.PageConflictError:
            raise PageConflictError(
                f"Page {command.page_id} is already connected to another workspace"
            ) from None
    return previous, record


def _restore(container: Container, page_ref: int, previous: _Previous | None) -> None:
    """Undo ``_store`` after Meta refused: remove a new Page, or put the old values back."""
    with container.engine.begin() as conn:
        if previous is None:
            try:
                with conn.begin_nested():
                    conn.execute(pages.delete().where(pages.c.id == page_ref))
            except sa.exc.IntegrityError:  # something already points at it: keep it
                pass
        else:
            values = {k: v for k, v in previous.values.items() if k != "id"}
            conn.execute(pages.update().where(pages.c.id == page_ref).values(**values))


def _masked(message: str, command: ConnectPage) -> str:
    """``message`` with any credential of ``command`` in it masked (Meta's text is quoted
    as is; a credential too short to tell from ordinary words cannot be masked usefully)."""
    for secret in (command.access_token, command.app_secret, command.verify_token):
        if len(secret) >= 8:
            message = message.replace(secret, "***")
    return message
