"""Workspace API tokens: ``Authorization: Bearer cpt_...``.

A token belongs to one workspace; every endpoint reads and writes only that workspace's
data. A missing, malformed, unknown or revoked token is a 401 that says which of the first
two it was, and nothing more (it never tells whether a token exists elsewhere).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from comptoir.bootstrap import Container
from comptoir.storage.pages import workspace_for_api_token
from comptoir.threads import run_sync
from comptoir.web.api.errors import UnauthorizedError

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="WorkspaceToken",
    description="A workspace API token, `cpt_...` (`comptoir tokens create --workspace NAME`).",
)

TOKEN_PREFIX = "cpt_"  # noqa: S105 (a prefix, not a secret)
_MAX_TOKEN_LENGTH = 200


async def current_workspace(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> int:
    """The id of the workspace the request's token opens (401 otherwise)."""
    if credentials is None:
        raise UnauthorizedError(
            "an API token is required: send the header `Authorization: Bearer cpt_...`"
        )
    token = credentials.credentials.strip()
    if not token.startswith(TOKEN_PREFIX) or len(token) > _MAX_TOKEN_LENGTH:
        raise UnauthorizedError("the API token is malformed: it should start with cpt_")
    container: Container = request.app.state.container

    def lookup() -> int | None:
        with container.engine.connect() as conn:
            return workspace_for_api_token(conn, token)

    workspace_id = await run_sync(lookup)
    if workspace_id is None:
        raise UnauthorizedError("the API token is unknown or revoked")
    return workspace_id


#: A route parameter holding the authenticated workspace's id.
WorkspaceId = Annotated[int, Depends(current_workspace)]
