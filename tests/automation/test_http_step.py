"""The flow's HTTP step: timeout, retries on 5xx/429/network errors, 4xx final, JSON result."""

from __future__ import annotations

import httpx
import pytest

from comptoir.domain.automation.actions import CallHttp
from comptoir.services.automation_http import call_http

pytestmark = pytest.mark.anyio


def client(*answers: int | Exception, seen: list[httpx.Request]) -> httpx.AsyncClient:
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, json={"status": "ok", "n": len(seen)})

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def test_retries_until_an_answer_and_returns_its_json() -> None:
    seen: list[httpx.Request] = []
    http = client(503, httpx.ReadTimeout("slow"), 200, seen=seen)
    call = CallHttp("https://shop.example.com/api", "POST", 2.0, 2, (("order", "CMD1"),))
    result = await call_http(http, call)
    assert (result.ok, result.status, result.attempts) == (True, 200, 3)
    assert result.data == {"status": "ok", "n": 3}
    assert seen[0].read() == b'{"order":"CMD1"}'
    assert seen[0].extensions["timeout"]["read"] == 2.0


async def test_gives_up_after_its_retries() -> None:
    seen: list[httpx.Request] = []
    http = client(500, 429, seen=seen)
    result = await call_http(http, CallHttp("https://shop.example.com/api", "GET", 1.0, 1))
    assert (result.ok, result.status, result.attempts) == (False, 429, 2)


async def test_a_4xx_is_final_and_a_get_sends_its_body_as_query() -> None:
    seen: list[httpx.Request] = []
    http = client(404, 200, seen=seen)
    call = CallHttp("https://shop.example.com/api", "GET", 1.0, 3, (("q", "CMD 1"),))
    result = await call_http(http, call)
    assert (result.ok, result.status, len(seen)) == (False, 404, 1)
    assert seen[0].url.params["q"] == "CMD 1"


async def test_only_http_urls_are_called() -> None:
    seen: list[httpx.Request] = []
    http = client(200, seen=seen)
    result = await call_http(http, CallHttp("file:///etc/passwd", "GET", 1.0, 0))
    assert not result.ok
    assert seen == []
