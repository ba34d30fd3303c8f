"""The REST API under ``/api/v1`` (OpenAPI at ``/docs``), authenticated by workspace tokens.

``api_router(container)`` is listed in ``web/app.py: ROUTERS``; ``errors.install_error_handlers``
renders every error as ``{"error": {"code": "...", "message": "..."}}``.
"""

from __future__ import annotations

from fastapi import APIRouter

from comptoir.bootstrap import Container


def api_router(container: Container) -> APIRouter:
    from comptoir.web.api.contacts import contacts_router
    from comptoir.web.api.conversations import conversations_router
    from comptoir.web.api.messages import messages_router
    from comptoir.web.api.pages import pages_router
    from comptoir.web.api.webhooks import webhooks_router
    from comptoir.web.api.writing import writing_router

    router = APIRouter()
    for make in (
        pages_router,
        contacts_router,
        conversations_router,
        messages_router,
        webhooks_router,
        writing_router,
    ):
        router.include_router(make(container))
    return router
