"""httpx's client API over aiohttp's connection pool, for the calls to Meta's Graph API.

The sending path keeps httpx's API (typed requests, ``httpx.MockTransport`` and
``httpx.ASGITransport`` in tests); in production its requests go through aiohttp, whose
connection pool and HTTP parser cost about a quarter of httpx's own transport in CPU per request
(measured on this project's 2-core machines: ~0.5 ms against ~2 ms per Send API call at 20
in flight), which is what a Page answering hundreds of customers a second spends most of its
time on.

Errors keep the meaning the Send API client relies on (``channels/messenger/send_api.py``):
``httpx.ConnectError``/``ConnectTimeout`` only when nothing can have been sent (no connection,
or no free connection in time); anything after the request may have left is a
``httpx.ReadError``/``ReadTimeout`` (the outcome is unknown).
"""

from __future__ import annotations

import asyncio
import ssl

import aiohttp
import httpx

__all__ = ["AiohttpTransport"]

#: Response headers that no longer describe the body once aiohttp has decoded it.
_DECODED = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class AiohttpTransport(httpx.AsyncBaseTransport):
    def __init__(
        self, *, limits: httpx.Limits | None = None, verify: ssl.SSLContext | bool = True
    ) -> None:
        self._limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._verify = verify
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _session_now(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            connector = aiohttp.TCPConnector(
                limit=self._limits.max_connections or 0,
                keepalive_timeout=self._limits.keepalive_expiry or 5.0,
                ssl=self._verify,
            )
            self._session = aiohttp.ClientSession(
                connector=connector, auto_decompress=True, cookie_jar=aiohttp.DummyCookieJar()
            )
            self._loop = loop
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session_now()
        timeout = request.extensions.get("timeout", {})
        body = await request.aread()
        try:
            async with session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=body or None,
                allow_redirects=False,
                compress=None,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeout.get("pool"),
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
            ) as answer:
                content = await answer.read()
                headers = [
                    (name, value)
                    for name, value in answer.headers.items()
                    if name.lower() not in _DECODED
                ]
                status = answer.status
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect timeout", request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc) or "cannot connect", request=request) from exc
        except aiohttp.ServerTimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "read timeout", request=request) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise httpx.ReadError(f"{type(exc).__name__}: {exc}", request=request) from exc
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()
