"""The inbox's JSON API under ``/inbox/api/`` (contract: ``docs/inbox-api.md``).

Cookie sessions (``session.py``), CSRF on every change, the accounts endpoints
(``accounts.py``), conversations and the composer (``conversations.py``), saved replies
(``saved_replies.py``) and the live event stream (``events.py``). ``inbox_api_router`` is
listed in ``web/app.py: ROUTERS``; ``security.py`` adds the security headers to every page.
"""

from __future__ import annotations

from fastapi import APIRouter

from comptoir.bootstrap import Container


def inbox_api_router(container: Container) -> APIRouter:
    from comptoir.web.inbox_api.accounts import accounts_router
    from comptoir.web.inbox_api.conversations import conversations_router
    from comptoir.web.inbox_api.events import events_router
    from comptoir.web.inbox_api.saved_replies import saved_replies_router

    router = APIRouter(prefix="/inbox/api", include_in_schema=False)
    for make in (accounts_router, conversations_router, saved_replies_router, events_router):
        router.include_router(make(container))
    return router
