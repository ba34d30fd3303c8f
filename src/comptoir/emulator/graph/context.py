"""What every Graph handler shares: the emulator, replies, and finding the Page of a call."""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass, field
from typing import Any

from comptoir.emulator import catalogue
from comptoir.emulator.core import Emulator
from comptoir.emulator.errors import GraphError
from comptoir.emulator.graph.request import GraphRequest
from comptoir.emulator.state import Page, SendRecord

DAY_MS = 24 * 3600 * 1000


@dataclass(slots=True)
class Reply:
    """An HTTP status and a JSON body."""

    status: int
    body: dict[str, Any]

    @classmethod
    def error(cls, error: GraphError) -> Reply:
        return cls(error.status, error.body())


SUCCESS = {"success": True}


@dataclass
class GraphContext:
    """The emulator plus the little state only the Graph surface keeps."""

    emulator: Emulator
    #: Failure injection draws from this (tests may seed it).
    random: random.Random = field(default_factory=random.Random)
    #: "24 + 1" (before 2020-03-04): (page_id, psid) -> the qualifying action whose extra
    #: message after the window was used.
    plus_one_used: dict[tuple[str, str], int] = field(default_factory=dict)
    #: App-level webhook fields from ``POST /{app-id}/subscriptions``, by app id.
    app_fields: dict[str, list[str]] = field(default_factory=dict)

    # ---- authentication ------------------------------------------------------------------

    def page_of_token(self, request: GraphRequest) -> Page:
        """The Page whose access token the call carries; 104 without a token, 190 if unknown."""
        token = request.token
        if not token:
            raise catalogue.token_required()
        page = self.emulator.state.page_for_token(token)
        if page is None:
            raise catalogue.invalid_token()
        if request.appsecret_proof is not None:
            expected = hmac.new(
                page.app_secret.encode(), token.encode(), hashlib.sha256
            ).hexdigest()
            if not hmac.compare_digest(expected, request.appsecret_proof):
                raise catalogue.invalid_appsecret_proof()
        return page

    def page_for_node(self, request: GraphRequest, node: str) -> Page:
        """``me`` or the token's own Page id; any other node is not visible (100/33)."""
        page = self.page_of_token(request)
        if node not in ("me", page.page_id):
            raise catalogue.unsupported_request(request.method, node)
        return page

    def now_ms(self) -> int:
        return self.emulator.clock.now_ms()


def record_send(
    ctx: GraphContext, request: GraphRequest, page_id: str, now_ms: int, reply: Reply
) -> Reply:
    """Log a Send API call, success or failure (``GET /_emulator/pages/{id}/sent``)."""
    ctx.emulator.state.sent.append(
        SendRecord(
            time_ms=now_ms,
            page_id=page_id,
            path=request.path,
            request=request.params,
            status=reply.status,
            response=reply.body,
        )
    )
    return reply
