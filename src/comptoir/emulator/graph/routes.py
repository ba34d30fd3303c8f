"""The Graph API's one route: every path that is not the control API or the phone page.

``/vNN.N/`` is optional and any version is accepted (Meta upgrades calls to retired versions).
Paths are ``/{node}`` or ``/{node}/{edge}``; an unknown edge or a longer path answers 2500
"Unknown path components", a node the token cannot see 100/33 (HTTP 400, as Meta does: the
reference gives 400 for Graph errors, and reports of 100/33 show ``HttpStatus: 400``).

The handler is a plain ASGI app, not a Starlette endpoint: the Send API is the emulator's hot
path, so the body is read once, decoded once with msgspec, and the reply encoded with msgspec.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from comptoir.emulator import catalogue
from comptoir.emulator.core import Emulator
from comptoir.emulator.errors import GraphError
from comptoir.emulator.graph import thread_control
from comptoir.emulator.graph.context import GraphContext, Reply
from comptoir.emulator.graph.marketing import marketing_endpoint
from comptoir.emulator.graph.profile import profile_endpoint, user_settings_endpoint
from comptoir.emulator.graph.request import (
    MAX_BODY_BYTES,
    GraphRequest,
    check_body_size,
    extract_token,
    merge_query,
    parse_body,
    split_path,
)
from comptoir.emulator.graph.send import send_endpoint
from comptoir.emulator.graph.subscriptions import (
    app_subscriptions_endpoint,
    subscribed_apps_endpoint,
)
from comptoir.emulator.graph.templates_api import templates_endpoint
from comptoir.emulator.graph.tokens import tokens_endpoint
from comptoir.emulator.graph.uploads import upload_endpoint
from comptoir.emulator.graph.users import node_endpoint

logger = logging.getLogger(__name__)

Handler = Callable[[GraphContext, GraphRequest, str], Awaitable[Reply]]

EDGES: dict[str, Handler] = {
    "messages": send_endpoint,
    "message_attachments": upload_endpoint,
    "messenger_profile": profile_endpoint,
    "custom_user_settings": user_settings_endpoint,
    "subscribed_apps": subscribed_apps_endpoint,
    "subscriptions": app_subscriptions_endpoint,
    "notification_message_tokens": tokens_endpoint,
    "message_templates": templates_endpoint,
    **{
        edge: partial(thread_control.thread_control_endpoint, edge=edge)
        for edge in thread_control.EDGES
    },
}

_JSON = b"application/json; charset=UTF-8"
_ENCODER = msgspec.json.Encoder()


def graph_routes(emulator: Emulator) -> list[BaseRoute]:
    """The Graph API surface, to mount after the control routes."""
    return [Route("/{path:path}", endpoint=GraphApp(emulator), name="graph")]


class GraphApp:
    """ASGI app answering Graph API calls for one emulator."""

    def __init__(self, emulator: Emulator) -> None:
        self.context = GraphContext(emulator)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        version, segments = split_path(scope["path"])
        try:
            request = await self._parse(scope, receive, version, segments)
            reply = await self.dispatch(request)
        except GraphError as error:
            reply = Reply.error(error)
        except Exception:
            logger.exception("Graph API call to %s failed", scope["path"])
            reply = Reply.error(catalogue.unknown_error())
        await self._respond(send, reply, version)

    async def _parse(
        self, scope: Scope, receive: Receive, version: str | None, segments: list[str]
    ) -> GraphRequest:
        content_type = ""
        authorization: str | None = None
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value.decode("latin-1")
            elif name == b"authorization":
                authorization = value.decode("latin-1")
        body = await _read_body(receive)
        raw_query: bytes = scope.get("query_string", b"")
        query = dict(parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True))
        params, files = parse_body(content_type, body)
        token, proof = extract_token(params, query, authorization)
        return GraphRequest(
            method=scope["method"],
            path=scope["path"],
            version=version,
            segments=segments,
            params=merge_query(query, params),
            token=token,
            appsecret_proof=proof,
            files=files,
        )

    async def dispatch(self, request: GraphRequest) -> Reply:
        segments = request.segments
        if not segments:
            raise catalogue.unknown_path("/")
        node = segments[0]
        if node == "_emulator":
            # A control-API path with a method it does not take: answer in its style.
            message = f"{request.method} {request.path} is not a control API route"
            return Reply(404, {"error": {"message": message}})
        if len(segments) == 1:
            return await node_endpoint(self.context, request, node)
        edge = segments[1]
        if len(segments) > 2:
            raise catalogue.unknown_path("/" + "/".join(segments[1:]))
        if node.startswith("act_"):
            if edge != "messages":
                raise catalogue.unknown_path(f"/{edge}")
            return await marketing_endpoint(self.context, request, node)
        handler = EDGES.get(edge)
        if handler is None:
            raise catalogue.unknown_path(f"/{edge}")
        return await handler(self.context, request, node)

    async def _respond(self, send: Send, reply: Reply, version: str | None) -> None:
        content = _ENCODER.encode(reply.body)
        api_version = version or self.context.emulator.config.api_version
        headers: list[tuple[bytes, bytes]] = [
            (b"content-type", _JSON),
            (b"content-length", str(len(content)).encode()),
            (b"facebook-api-version", api_version.encode("latin-1", "replace")),
        ]
        error = reply.body.get("error")
        if isinstance(error, dict):
            headers.extend(_error_headers(error))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def _error_headers(error: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    """Graph's ``WWW-Authenticate`` and trace header on errors (§4.1)."""
    message = str(error.get("message", "")).replace('"', "'")
    authenticate = f'OAuth "Facebook Platform" "invalid_request" "{message}"'
    return [
        (b"www-authenticate", authenticate.encode("latin-1", "replace")),
        (b"x-fb-trace-id", str(error.get("fbtrace_id", "")).encode("latin-1", "replace")),
    ]


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                check_body_size(size)
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
