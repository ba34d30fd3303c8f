"""The flow step that calls the business's HTTP endpoint: timeout, retries, JSON result.

A call is retried (up to ``retries`` more times) when the endpoint cannot be reached, times
out or answers 5xx or 429; a 4xx other than 429 is final. The result is ``ok`` and the
decoded JSON body (None when the body is not JSON), fed back to the flow engine, which maps
it into contact fields. Only http and https URLs are called.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from comptoir.domain.automation.actions import CallHttp

log = logging.getLogger(__name__)

__all__ = ["HttpResult", "call_http"]

#: Longest answer read from the business's endpoint.
MAX_BODY = 1_000_000


@dataclass(frozen=True, slots=True)
class HttpResult:
    ok: bool
    status: int | None = None
    data: object = None
    attempts: int = 0


async def call_http(http: httpx.AsyncClient, call: CallHttp) -> HttpResult:
    """Make ``call`` with ``http`` (a client with no base URL of its own is fine: the URL is
    absolute); never raises for network or HTTP errors."""
    if urlsplit(call.url).scheme not in ("http", "https"):
        log.warning("flow HTTP call refused: only http and https URLs are called")
        return HttpResult(False)
    body = dict(call.body) if call.body else None
    method = call.method.upper()
    attempts = 0
    status: int | None = None
    for attempts in range(1, call.retries + 2):
        try:
            response = await http.request(
                method,
                call.url,
                json=body if method not in ("GET", "DELETE") else None,
                params=body if method in ("GET", "DELETE") else None,
                timeout=call.timeout_s,
            )
        except httpx.HTTPError as error:
            log.info("flow HTTP call failed (attempt %d): %s", attempts, type(error).__name__)
            continue
        status = response.status_code
        if status >= 500 or status == 429:
            log.info("flow HTTP call answered %d (attempt %d)", status, attempts)
            continue
        if status >= 400:
            return HttpResult(False, status, None, attempts)
        return HttpResult(True, status, _json(response), attempts)
    return HttpResult(False, status, None, attempts)


def _json(response: httpx.Response) -> object:
    if len(response.content) > MAX_BODY:
        return None
    try:
        return response.json()
    except ValueError:
        return None
