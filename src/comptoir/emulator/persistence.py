"""Durable state: with ``--data-dir``, Pages, people and threads live in SQLite."""

from __future__ import annotations

from pathlib import Path

from comptoir.emulator.state import EmulatorState


class Persistence:
    """SQLite storage of the durable parts of the emulator's state."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, state: EmulatorState) -> None:
        """Fill ``state`` from the database (nothing yet in this first version)."""

    async def start(self, state: EmulatorState) -> None:
        """Begin write-behind flushing."""

    async def aclose(self, state: EmulatorState) -> None:
        """Flush and close."""
