"""Meta's webhook callback, ``/webhooks/messenger``.

GET: the verification handshake (``hub.mode=subscribe``, ``hub.verify_token`` equal to a
connected Page's verify token) answers the raw ``hub.challenge``; anything else is 403.

POST, in this order, nothing stored and a rate-limited log line on every refusal:
1. read the body, at most ``settings.webhook_max_body`` bytes (413 past it, whatever the
   Content-Length says);
2. decode the envelope only (``entry[].id``; each event stays raw bytes) to find the Page(s):
   400 if it is not JSON or not an envelope, 404 for a Page that is not connected;
3. check ``X-Hub-Signature-256`` over the raw bytes with the Page's app secret, in constant
   time (401 when missing, 403 when wrong); nothing in the body is trusted before this;
4. hand the entries to the intake, which decodes every event into typed structs and stores
   them, and answer 200 ``{"status":"ok"}`` once they are committed (503 if they could not be
   stored: Meta retries). An unknown event kind is kept raw and still gets 200.

These are plain Starlette routes (no FastAPI validation layer): this is the hot path.
With ``COMPTOIR_BENCH_ROUTES=1`` a bare ``POST /_bench/empty`` (200 ``{}``) is added, the
baseline the intake benchmark compares against, and ``GET /_bench/intake`` (the intake's
counters: requests, commits, events).
"""

from __future__ import annotations

import logging
import os

from fastapi.routing import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from comptoir.bootstrap import Container
from comptoir.channels.messenger import wire
from comptoir.channels.messenger.webhook import (
    MalformedPayloadError,
    decode_envelope,
    verify_signature,
)
from comptoir.crypto import SecretBoxError
from comptoir.services.intake import IntakeError, PageEvents, intake_of
from comptoir.web.log_limit import LogLimiter

log = logging.getLogger(__name__)

PATH = "/webhooks/messenger"
SIGNATURE_HEADER = "x-hub-signature-256"
_OK = b'{"status":"ok"}'
#: Longest ``hub.challenge`` echoed back (Meta sends an integer).
MAX_CHALLENGE = 256


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def router(container: Container) -> APIRouter:
    intake = intake_of(container)
    directory = intake.pages
    max_body = container.settings.webhook_max_body
    limiter = LogLimiter(60.0)

    def refuse(request: Request, status: int, code: str, message: str, key: str) -> Response:
        limiter.warning(
            log,
            (code, key),
            "webhook refused (%s): %s [from %s]",
            code,
            message,
            _client(request),
        )
        return error(status, code, message)

    async def handshake(request: Request) -> Response:
        params = request.query_params
        mode = params.get("hub.mode")
        token = params.get("hub.verify_token")
        challenge = params.get("hub.challenge")
        if mode != "subscribe" or not token or challenge is None:
            return refuse(
                request,
                403,
                "bad_handshake",
                "expected hub.mode=subscribe with hub.verify_token and hub.challenge",
                "params",
            )
        if len(challenge) > MAX_CHALLENGE:
            return refuse(request, 403, "bad_handshake", "hub.challenge is too long", "long")
        try:
            matched = await directory.verify_token_matches(token)
        except SecretBoxError as exc:
            return error(503, "secrets_unreadable", str(exc))
        if not matched:
            return refuse(
                request,
                403,
                "bad_verify_token",
                "hub.verify_token matches no connected Page",
                "token",
            )
        return PlainTextResponse(challenge)

    async def receive(request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit():
            if int(declared) > max_body:
                return refuse(
                    request, 413, "too_large", f"the body exceeds {max_body} bytes", "len"
                )
            raw = await request.body()  # the server reads no more than Content-Length
        else:
            body = bytearray()
            async for chunk in request.stream():
                body += chunk
                if len(body) > max_body:
                    return refuse(
                        request, 413, "too_large", f"the body exceeds {max_body} bytes", "len"
                    )
            raw = bytes(body)
        try:
            envelope = decode_envelope(raw)
        except MalformedPayloadError as exc:
            return refuse(request, 400, "malformed", str(exc), "shape")
        if envelope.object != "page":
            return refuse(
                request,
                400,
                "unsupported_object",
                f"object {envelope.object[:40]!r} is not supported (expected 'page')",
                "object",
            )
        by_page: dict[str, list[wire.Entry]] = {}
        for entry in envelope.entry:
            by_page.setdefault(str(entry.id), []).append(entry)
        page_ids = list(by_page)
        if not page_ids:
            return refuse(request, 400, "malformed", "the envelope has no entry", "empty")
        try:
            found = await directory.find(page_ids)
        except SecretBoxError as exc:
            return error(503, "secrets_unreadable", str(exc))
        unknown = [page_id for page_id, page in found.items() if page is None]
        if unknown:
            return refuse(
                request,
                404,
                "unknown_page",
                f"Page {unknown[0][:64]} is not connected to Comptoir",
                unknown[0][:64],
            )
        pages = {page_id: page for page_id, page in found.items() if page is not None}
        header = request.headers.get(SIGNATURE_HEADER)
        if not header:
            return refuse(
                request, 401, "missing_signature", "the X-Hub-Signature-256 header is missing", ""
            )
        for page_id, page in pages.items():
            if not verify_signature(raw, header, page.app_secret):
                fresh = await directory.refresh(page_id)
                if fresh is None or not verify_signature(raw, header, fresh.app_secret):
                    return refuse(
                        request,
                        403,
                        "bad_signature",
                        f"X-Hub-Signature-256 does not match the body for Page {page_id}",
                        page_id,
                    )
                pages[page_id] = fresh
        batches = [
            PageEvents(page, envelope.object, by_page[page_id]) for page_id, page in pages.items()
        ]
        try:
            await intake.submit(batches)
        except IntakeError as exc:
            return error(503, "not_stored", f"{exc}; retry later")
        return Response(_OK, media_type="application/json")

    async def bench_empty(request: Request) -> Response:
        async for _chunk in request.stream():
            pass
        return Response(b"{}", media_type="application/json")

    async def bench_intake(request: Request) -> Response:
        stats = intake.stats
        return JSONResponse(
            {
                "requests": stats.requests,
                "commits": stats.commits,
                "events": stats.events,
                "stored": stats.stored,
            }
        )

    api = APIRouter()
    api.add_route(PATH, handshake, methods=["GET"], include_in_schema=False)
    api.add_route(PATH, receive, methods=["POST"], include_in_schema=False)
    if os.environ.get("COMPTOIR_BENCH_ROUTES") == "1":
        api.add_route("/_bench/empty", bench_empty, methods=["POST"], include_in_schema=False)
        api.add_route("/_bench/intake", bench_intake, methods=["GET"], include_in_schema=False)
    return api
