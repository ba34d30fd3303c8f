"""httpx over aiohttp: answers come back whole, and errors keep their meaning for the Send API
client (ConnectError only when nothing can have been sent)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from comptoir.http_transport import AiohttpTransport

pytestmark = pytest.mark.anyio

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def serve(handler: Handler) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head, await reader.readexactly(length)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = AiohttpTransport()
    async with httpx.AsyncClient(
        transport=transport, timeout=httpx.Timeout(2.0, connect=1.0)
    ) as http:
        yield http


async def test_a_request_and_its_answer_go_through_whole(client: httpx.AsyncClient) -> None:
    seen: list[tuple[bytes, bytes]] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await read_request(reader))
        body = b'{"recipient_id":"42","message_id":"m_1"}'
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Trace: abc\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server, base = await serve(handler)
    async with server:
        response = await client.post(
            f"{base}/v25.0/1/messages",
            json={"recipient": {"id": "42"}},
            headers={"Authorization": "Bearer token"},
        )
    assert response.status_code == 200
    assert response.json() == {"recipient_id": "42", "message_id": "m_1"}
    assert response.headers["x-trace"] == "abc"
    head, body = seen[0]
    assert head.startswith(b"POST /v25.0/1/messages HTTP/1.1")
    assert b"authorization: bearer token" in head.lower()
    assert body == b'{"recipient":{"id":"42"}}'


async def test_nobody_listening_is_a_connect_error(client: httpx.AsyncClient) -> None:
    server, base = await serve(lambda r, w: asyncio.sleep(0))
    server.close()
    await server.wait_closed()
    with pytest.raises(httpx.ConnectError):
        await client.get(f"{base}/me")


async def test_a_connection_dropped_after_the_request_is_not_a_connect_error(
    client: httpx.AsyncClient,
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)  # the request arrived: Meta may have acted on it
        writer.close()
        await writer.wait_closed()

    server, base = await serve(handler)
    async with server:
        with pytest.raises(httpx.TransportError) as caught:
            await client.post(f"{base}/v25.0/1/messages", json={"x": 1})
    assert not isinstance(caught.value, httpx.ConnectError | httpx.ConnectTimeout)


async def test_no_answer_in_time_is_a_read_timeout(client: httpx.AsyncClient) -> None:
    release = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await release.wait()
        writer.close()
        await writer.wait_closed()

    server, base = await serve(handler)
    async with server:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(f"{base}/v25.0/1/messages", json={"x": 1}, timeout=httpx.Timeout(0.3))
        release.set()
        await asyncio.sleep(0.05)
