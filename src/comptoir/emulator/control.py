"""The control API under ``/_emulator/``: Pages, people, actions, logs, clock, config."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

if TYPE_CHECKING:
    from comptoir.emulator.core import Emulator


def control_routes(emulator: Emulator) -> list[BaseRoute]:
    async def bench_empty(request: Request) -> JSONResponse:
        return JSONResponse({})

    return [Route("/_emulator/bench/empty", bench_empty, methods=["POST"])]
