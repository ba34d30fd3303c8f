"""Small pieces the routers share: database calls off the event loop, id and limit parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Path, Query

from comptoir.bootstrap import Container
from comptoir.threads import run_sync
from comptoir.web.api.pagination import DEFAULT_LIMIT, MAX_ID, MAX_LIMIT

Result = TypeVar("Result")

#: An id in a path: a positive 64-bit integer (anything else is a 422 naming the parameter).
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (1 to {MAX_LIMIT}).")]
Cursor = Annotated[
    str | None,
    Query(max_length=500, description="`next_cursor` of the previous page."),
]
DEFAULT_PAGE_SIZE = DEFAULT_LIMIT


async def read(
    container: Container, function: Callable[..., Result], *args: Any, **kwargs: Any
) -> Result:
    """Run ``function(conn, *args, **kwargs)`` on a connection, in a worker thread."""

    def call() -> Result:
        with container.engine.connect() as conn:
            return function(conn, *args, **kwargs)

    return await run_sync(call)


async def write(
    container: Container, function: Callable[..., Result], *args: Any, **kwargs: Any
) -> Result:
    """Run ``function(conn, *args, **kwargs)`` in one transaction, in a worker thread."""

    def call() -> Result:
        with container.engine.begin() as conn:
            return function(conn, *args, **kwargs)

    return await run_sync(call)
