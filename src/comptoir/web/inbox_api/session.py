"""Cookie sessions and CSRF for the inbox API.

``Agent`` (a dependency) is the signed-in user in their current workspace, or a 401; on
POST/PATCH/PUT/DELETE it also requires ``X-CSRF-Token``. ``Anonymous`` guards the endpoints
used before signing in: JSON bodies only and no cross-site ``Origin``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import anyio.to_thread
from fastapi import Depends, Request, Response

from comptoir.bootstrap import Container
from comptoir.services import accounts
from comptoir.services.inbox import Agent
from comptoir.web.api.errors import ApiError

SESSION_COOKIE = "comptoir_session"
DEVICE_COOKIE = "comptoir_device"
DEVICE_LIFETIME = 400 * 86_400
UNSAFE = frozenset({"POST", "PATCH", "PUT", "DELETE"})


def unauthenticated() -> ApiError:
    return ApiError("sign in to use the inbox", code="unauthenticated", status=401)


def csrf_failed(message: str = "missing or wrong X-CSRF-Token header") -> ApiError:
    return ApiError(message, code="csrf_failed", status=403)


def forbidden(message: str) -> ApiError:
    return ApiError(message, code="forbidden", status=403)


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def secure(request: Request) -> bool:
    return request.url.scheme == "https" or container_of(request).settings.secure_cookies


def set_session_cookies(request: Request, response: Response, sign_in: accounts.SignIn) -> None:
    flags = {"httponly": True, "samesite": "lax", "secure": secure(request)}
    response.set_cookie(
        SESSION_COOKIE,
        sign_in.session_id,
        max_age=int(accounts.ABSOLUTE_LIFETIME.total_seconds()),
        path="/inbox",
        **flags,  # type: ignore[arg-type]
    )
    response.set_cookie(
        DEVICE_COOKIE,
        sign_in.device_token,
        max_age=DEVICE_LIFETIME,
        path="/inbox/api",
        **flags,  # type: ignore[arg-type]
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/inbox", httponly=True, samesite="lax", secure=secure(request)
    )


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host


async def current_session(request: Request) -> accounts.CurrentSession:
    container = container_of(request)
    session_id = request.cookies.get(SESSION_COOKIE, "")
    if not session_id:
        raise unauthenticated()
    now = container.clock.now()

    def load() -> accounts.CurrentSession | None:
        with container.engine.begin() as conn:
            return accounts.current_session(conn, session_id, now)

    session = await anyio.to_thread.run_sync(load)
    if session is None:
        raise unauthenticated()
    if request.method in UNSAFE:
        if not accounts.check_csrf(session, request.headers.get("x-csrf-token")):
            raise csrf_failed()
        if not _same_origin(request):
            raise csrf_failed("cross-site requests are refused")
    return session


Session = Annotated[accounts.CurrentSession, Depends(current_session)]


def locale_of(session: accounts.CurrentSession) -> str:
    return session.locale if session.locale in ("en", "fr") else "en"


async def current_agent(session: Session) -> Agent:
    return Agent(
        workspace_id=session.workspace_id,
        user_id=session.user_id,
        name=session.user_name or session.email.split("@")[0],
        role=session.role,
        locale=locale_of(session),
    )


SignedIn = Annotated[Agent, Depends(current_agent)]


async def anonymous_guard(request: Request) -> None:
    """Sign-in and the other endpoints used without a session: JSON and same-origin only."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(
            "send a JSON body (Content-Type: application/json)",
            code="unsupported_media_type",
            status=415,
        )
    if not _same_origin(request):
        raise csrf_failed("cross-site requests are refused")


Anonymous = Depends(anonymous_guard)
