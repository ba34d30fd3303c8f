"""The emulator's ASGI app: Graph API routes, the control API and the phone page, one port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from comptoir.emulator.control import control_routes
from comptoir.emulator.core import Emulator
from comptoir.emulator.graph.routes import graph_routes

UI_DIR = Path(__file__).parent / "ui"


def create_app(emulator: Emulator) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await emulator.webhooks.start()
        if emulator.persistence is not None:
            await emulator.persistence.start(emulator.state)
        try:
            yield
        finally:
            await emulator.webhooks.aclose()
            if emulator.persistence is not None:
                await emulator.persistence.aclose(emulator.state)

    routes = [
        *control_routes(emulator),
        Mount("/_emulator/ui", app=StaticFiles(directory=UI_DIR, html=True), name="ui"),
        *graph_routes(emulator),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.emulator = emulator
    return app
