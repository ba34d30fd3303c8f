"""The ``comptoir`` command. Each sub-command lives in its own module of this package and is
imported only when used, so ``comptoir lint`` does not load the web stack."""

from __future__ import annotations

import importlib
from typing import Any

import click

#: command name -> "module:attribute" of a click command
COMMANDS: dict[str, str] = {
    "emulator": "comptoir.cli.emulator:emulator",
    "lint": "comptoir.cli.lint:lint",
    "serve": "comptoir.cli.serve:serve",
    "pages": "comptoir.cli.pages:pages",
    "workspaces": "comptoir.cli.workspaces:workspaces",
    "tokens": "comptoir.cli.tokens:tokens",
    "demo": "comptoir.cli.demo:demo",
    "flows": "comptoir.cli.flows:flows",
    "automation": "comptoir.cli.automation:automation",
    "broadcast": "comptoir.cli.broadcast:broadcast",
    "users": "comptoir.cli.users:users",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command: Any = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="comptoir")
def main() -> None:
    """Comptoir: a self-hosted Messenger for business."""
