"""``GET /{page-id}/notification_message_tokens``: the Page's marketing-message tokens (§9.3).

Paged with ``limit`` (at most 1000, default 25) and the ``after`` cursor;
``do_not_return_duplicates=true`` keeps one token per person (the newest). Each item has the
fields §9.3 lists; ``token_expiry_timestamp`` only while tokens expired (before 2023-08-10)
and ``next_eligible_time`` from the minimum interval in force.
"""

from __future__ import annotations

import base64
from typing import Any

from comptoir.emulator import catalogue, rules
from comptoir.emulator.graph import fields
from comptoir.emulator.graph.context import GraphContext, Reply
from comptoir.emulator.graph.request import GraphRequest
from comptoir.emulator.state import NotificationToken

LIMIT_MAX = 1000
LIMIT_DEFAULT = 25


async def tokens_endpoint(ctx: GraphContext, request: GraphRequest, node: str) -> Reply:
    page = ctx.page_for_node(request, node)
    if request.method != "GET":
        raise catalogue.unsupported_request(request.method, node)
    params = request.params
    limit = fields.number(params, "limit", "limit")
    size = LIMIT_DEFAULT if limit is None else int(limit)
    if not 1 <= size <= LIMIT_MAX:
        raise catalogue.param_must_be("limit", f"between 1 and {LIMIT_MAX}")
    tokens = sorted(
        (t for t in ctx.emulator.state.tokens.values()
         if t.page_id == page.page_id and t.kind == "notification_messages"),
        key=lambda t: t.created_ms,  # stable: creation order within a millisecond
    )  # fmt: skip
    if str(params.get("do_not_return_duplicates", "")).lower() == "true":
        newest = {t.psid: t for t in tokens}
        tokens = [t for t in tokens if newest[t.psid] is t]
    start = _cursor_position(params.get("after"))
    window = tokens[start : start + size]
    now = ctx.emulator.clock.now()
    body: dict[str, Any] = {"data": [_describe(t, now) for t in window]}
    if window:
        cursors = {"before": _cursor(start), "after": _cursor(start + len(window))}
        body["paging"] = {"cursors": cursors}
        if start + len(window) < len(tokens):
            body["paging"]["next"] = f"{request.path}?limit={size}&after={cursors['after']}"
    return Reply(200, body)


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(str(position).encode()).decode().rstrip("=")


def _cursor_position(value: Any) -> int:
    if value in (None, ""):
        return 0
    if not isinstance(value, str):
        raise catalogue.param_must_be("after", "a cursor")
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except ValueError:
        raise catalogue.param_must_be("after", "a cursor") from None
    if not text.isdigit():
        raise catalogue.param_must_be("after", "a cursor")
    return int(text)


def _describe(token: NotificationToken, now: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "notification_messages_token": token.token,
        "recipient_id": token.psid,
        "creation_timestamp": token.created_ms // 1000,
        "user_token_status": "STOPPED" if token.status == "stopped" else "ACTIVE",
        "topic_title": token.title,
        "notification_messages_timezone": token.timezone,
        "notification_messages_reoptin": "DISABLED",
    }
    lifetime = rules.value_at("rn.token_lifetime", now)
    if lifetime is not None:
        item["token_expiry_timestamp"] = token.created_ms // 1000 + int(lifetime)
    interval = float(rules.value_at("mm.token_min_interval", now, 0.0))
    last = token.last_sent_ms
    eligible_ms = token.created_ms if last is None else last + int(interval * 1000)
    item["next_eligible_time"] = eligible_ms // 1000
    return item
