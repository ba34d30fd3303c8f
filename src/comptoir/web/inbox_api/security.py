"""Security headers on every response: a strict Content-Security-Policy (no inline script,
no plugins, no ``<base>``, no framing), ``nosniff``, no referrer, no framing.

The one exception is FastAPI's API documentation pages (``/docs``, ``/redoc``), which need an
inline script and their assets from FastAPI's CDN; they show no customer data, and keep the
rest of the policy (no plugins, no ``<base>``, no framing)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; img-src 'self' https: data:; style-src 'self'; "
    "connect-src 'self'; form-action 'self'"
)
API_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' https: data:; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
API_DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
_COMMON: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
HEADERS: list[tuple[bytes, bytes]] = [(b"content-security-policy", CSP.encode()), *_COMMON]
_API_DOCS_HEADERS = [(b"content-security-policy", API_DOCS_CSP.encode()), *_COMMON]
_NAMES = {name for name, _ in HEADERS}


class SecurityHeaders:
    """ASGI middleware (pure ASGI, so streamed responses such as SSE pass untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        added = _API_DOCS_HEADERS if scope.get("path") in API_DOCS_PATHS else HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in _NAMES]
                message["headers"] = headers + added
            await send(message)

        await self.app(scope, receive, send_with_headers)
