"""``comptoir users create|invite|reset|list``: inbox accounts from the command line.

``create`` makes an account (or adds an existing one to a workspace) with a password typed
twice (hidden) or read from standard input with ``--password-stdin``. ``invite`` and
``reset`` print a link for the person it is for: the one place such a token is shown.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from comptoir.bootstrap import Container
from comptoir.cli.runtime import data_dir_option, load, run_with_container


@click.group()
def users() -> None:
    """People who sign in to the inbox (owners, admins, agents)."""


def _workspace(container: Container, name: str) -> int:
    from comptoir.services import pages

    found = pages.find_workspace(container, name)
    if found is None:
        raise click.ClickException(f"no workspace named {name!r} (comptoir workspaces list)")
    return found


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    return value


@users.command("create")
@click.option("--workspace", "workspace_name", required=True, help="The workspace's name.")
@click.option("--email", required=True, help="The person's e-mail address (their sign-in).")
@click.option("--name", default="", help="The name shown to colleagues and on messages.")
@click.option(
    "--role",
    type=click.Choice(["owner", "admin", "agent"]),
    default="agent",
    show_default=True,
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@data_dir_option
def create(
    workspace_name: str,
    email: str,
    name: str,
    role: str,
    password_stdin: bool,
    data_dir: Path | None,
) -> None:
    """Create an account in a workspace (or give an existing account a role there)."""
    from comptoir.services import accounts
    from comptoir.storage import accounts as store

    settings = load(data_dir=data_dir)

    async def work(container: Container) -> str:
        workspace_id = _workspace(container, workspace_name)
        now = container.clock.now()
        try:
            key = accounts.normalise_email(email)
        except accounts.InvalidEmailError:
            raise click.ClickException(f"{email!r} is not a valid e-mail address") from None
        with container.engine.begin() as conn:
            existing = store.user_by_email(conn, key)
            if existing is not None:
                accounts.add_member(conn, existing.id, workspace_id, role, now)
                return f"{existing.email} is now {role} of {workspace_name}"
        password = _read_password(password_stdin)
        try:
            with container.engine.begin() as conn:
                user_id = accounts.create_user(conn, email, password, name or key, now)
                accounts.add_member(conn, user_id, workspace_id, role, now)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
        return f"created {email.strip()} ({role} of {workspace_name})"

    click.echo(run_with_container(settings, work))
    click.echo(f"Sign in at {settings.public_url.rstrip('/')}/inbox/", err=True)


@users.command("invite")
@click.option("--workspace", "workspace_name", required=True, help="The workspace's name.")
@click.option("--email", required=True, help="Who is invited.")
@click.option("--role", type=click.Choice(["admin", "agent"]), default="agent", show_default=True)
@data_dir_option
def invite(workspace_name: str, email: str, role: str, data_dir: Path | None) -> None:
    """Invite someone: prints the link to give them (valid 7 days, used once)."""
    from comptoir.services import accounts
    from comptoir.services.account_mail import inbox_link

    settings = load(data_dir=data_dir)

    async def work(container: Container) -> str:
        workspace_id = _workspace(container, workspace_name)
        try:
            with container.engine.begin() as conn:
                _, token = accounts.invite(
                    conn, workspace_id, email, role, None, container.clock.now()
                )
        except accounts.InvalidEmailError:
            raise click.ClickException(f"{email!r} is not a valid e-mail address") from None
        return inbox_link(container.settings, "invite", token)

    click.echo(run_with_container(settings, work))
    click.echo("Give this link to the person invited only; it works once.", err=True)


@users.command("reset")
@click.option("--email", required=True, help="The account's e-mail address.")
@data_dir_option
def reset(email: str, data_dir: Path | None) -> None:
    """Print a password-reset link for an account (valid 1 hour, used once)."""
    from comptoir.services import accounts
    from comptoir.services.account_mail import inbox_link

    async def work(container: Container) -> str:
        with container.engine.begin() as conn:
            found = accounts.request_reset(conn, email, container.clock.now())
        if found is None:
            raise click.ClickException(f"no account with the e-mail {email!r}")
        return inbox_link(container.settings, "reset", found[1])

    click.echo(run_with_container(load(data_dir=data_dir), work))
    click.echo("Give this link to the account's owner only; it works once.", err=True)


@users.command("list")
@click.option("--workspace", "workspace_name", required=True, help="The workspace's name.")
@data_dir_option
def list_users(workspace_name: str, data_dir: Path | None) -> None:
    """The workspace's people and their roles."""
    from comptoir.storage import accounts as store

    async def work(container: Container) -> list[dict[str, object]]:
        workspace_id = _workspace(container, workspace_name)
        with container.engine.connect() as conn:
            return store.members(conn, workspace_id)

    for member in run_with_container(load(data_dir=data_dir), work):
        click.echo(f"{member['email']}\t{member['role']}\t{member['name']}")
