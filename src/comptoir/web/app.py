"""Comptoir's ASGI app. Routers live in their own modules and are listed in ``ROUTERS``."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRouter

from comptoir import __version__
from comptoir.bootstrap import Container
from comptoir.web.api.errors import install_error_handlers
from comptoir.web.inbox_api.security import SecurityHeaders

#: "module:function" of functions ``(container) -> APIRouter``, included in this order.
ROUTERS: list[str] = [
    "comptoir.web.webhooks:router",
    "comptoir.web.api:api_router",
    "comptoir.web.api.automation:automation_router",
    "comptoir.web.api.broadcasts:broadcasts_router",
    "comptoir.web.api.audience:audience_router",
    "comptoir.web.inbox_api:inbox_api_router",
    "comptoir.web.inbox_ui:inbox_ui_router",
]


def create_app(container: Container) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await container.start()
        try:
            yield
        finally:
            await container.aclose()

    app = FastAPI(
        title="Comptoir",
        version=__version__,
        description="Messenger for business: REST API. Authenticate with a workspace API "
        "token: `Authorization: Bearer cpt_...`.",
        lifespan=lifespan,
    )
    app.state.container = container
    install_error_handlers(app)  # one JSON error shape: {"error": {"code", "message"}}
    app.add_middleware(SecurityHeaders)  # CSP, nosniff, no referrer, no framing: every page
    for target in ROUTERS:
        module_name, attribute = target.split(":")
        factory = getattr(importlib.import_module(module_name), attribute)
        router = factory(container)
        assert isinstance(router, APIRouter)
        app.include_router(router)
    return app
