"""The inbox's pages: one HTML shell and its static files under ``/inbox/``.

``inbox_ui_router(container)`` is listed in ``web/app.py: ROUTERS``. The files live in
``static/`` beside this module (shipped in the wheel with the package) and are read once
when the router is made; only those files can be fetched, by their exact names. The page
itself talks to the JSON API under ``/inbox/api/`` (``docs/inbox-api.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from comptoir.bootstrap import Container
from comptoir.web.api.errors import NotFoundError

STATIC_DIR = Path(__file__).parent / "static"

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    media_type: str


def load_static(root: Path = STATIC_DIR) -> dict[str, StaticFile]:
    """Every servable file under ``root`` by its relative POSIX name (``js/app.js``)."""
    files: dict[str, StaticFile] = {}
    for path in sorted(root.rglob("*")):
        media_type = MEDIA_TYPES.get(path.suffix)
        if path.is_file() and media_type is not None:
            files[path.relative_to(root).as_posix()] = StaticFile(path.read_bytes(), media_type)
    return files


def inbox_ui_router(container: Container) -> APIRouter:
    files = load_static()
    shell = files["index.html"]
    router = APIRouter(include_in_schema=False)

    @router.get("/inbox")
    async def inbox_root() -> Response:
        return RedirectResponse("/inbox/", status_code=308)

    @router.get("/inbox/")
    async def inbox_page() -> Response:
        return Response(shell.body, media_type=shell.media_type, headers=_NO_STORE)

    @router.get("/inbox/static/{name:path}")
    async def inbox_static(name: str) -> Response:
        found = files.get(name)
        if found is None or name == "index.html":
            raise NotFoundError("no such file")
        return Response(found.body, media_type=found.media_type, headers=_REVALIDATE)

    return router


_NO_STORE = {"Cache-Control": "no-store"}
_REVALIDATE = {"Cache-Control": "no-cache"}
