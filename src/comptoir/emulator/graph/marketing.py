"""The paid Marketing Message API, basic form: ``POST /act_<ad-account>/messages`` (§9.3).

``{"message_id": "<campaign>", "messenger_delivery_data": {"subscription_token": "<T>"},
"message": {...}, "min_conversation_gap_seconds"?}`` ->
``{"success": true, "marketing_message_tracking_id": "<uuid>"}``.

Checks: the API exists (from 2025-07-01) and the Page has the ``marketing_messages`` feature;
the token is one of the Page's marketing-message tokens (100); the person has not stopped
these messages (10/1893015) nor blocked the Page (551); one message per token per 12 hours
(4/2018354, the reference's "Marketing Messages" frequency error); no message in the thread
within ``min_conversation_gap_seconds`` (100/2300052); content as the Send API's, text <= 640.
Campaign status, budgets and the ratio caps of 2026-04-10 are not modelled. The message is
added to the thread; the marketing webhooks (``marketing_message_echoes``...) are not sent.
"""

from __future__ import annotations

import uuid
from typing import Any

from comptoir.emulator import catalogue, rules
from comptoir.emulator.errors import GraphError
from comptoir.emulator.graph import fields
from comptoir.emulator.graph.context import GraphContext, Reply, record_send
from comptoir.emulator.graph.request import GraphRequest, param_object, version_number
from comptoir.emulator.graph.templates import ContentContext
from comptoir.emulator.graph.validate import check_message
from comptoir.emulator.state import ThreadItem


async def marketing_endpoint(ctx: GraphContext, request: GraphRequest, node: str) -> Reply:
    if request.method != "POST" or not node[4:].isdigit():
        raise catalogue.unsupported_request(request.method, node)
    now_ms = ctx.now_ms()
    page_id = ""
    try:
        page = ctx.page_of_token(request)
        page_id = page.page_id
        body = _send(ctx, request, now_ms)
        reply = Reply(200, body)
    except GraphError as error:
        reply = Reply.error(error)
    return record_send(ctx, request, page_id, now_ms, reply)


def _send(ctx: GraphContext, request: GraphRequest, now_ms: int) -> dict[str, Any]:
    emulator = ctx.emulator
    state = emulator.state
    now = emulator.clock.now()
    page = ctx.page_of_token(request)
    params = request.params
    if not rules.value_at("mm.available", now, False) or "marketing_messages" not in page.features:
        raise catalogue.permission_denied()
    if page.restricted_until_ms is not None and now_ms < page.restricted_until_ms:
        raise catalogue.page_restricted()
    fields.required_text(params, "message_id", "message_id")
    delivery = param_object(params, "messenger_delivery_data")
    if delivery is None:
        raise catalogue.missing_parameter("messenger_delivery_data")
    value = fields.required_text(
        delivery, "subscription_token", "messenger_delivery_data[subscription_token]"
    )
    token = state.tokens.get(value)
    if token is None or token.kind != "notification_messages" or token.page_id != page.page_id:
        raise catalogue.notification_token_invalid()
    person = state.person(page.page_id, token.psid)
    if person is None:
        raise catalogue.notification_token_invalid()
    message = param_object(params, "message")
    if message is None:
        raise catalogue.missing_parameter("message")
    content_ctx = ContentContext(
        page=page,
        state=state,
        features=emulator.config.features,
        now=now,
        now_ms=now_ms,
        version=version_number(request.version),
    )
    text_max = int(rules.value_at("mm.text_max", now, 640))
    content = check_message(message, content_ctx, files=request.files, text_max=text_max)
    if token.status == "stopped" or person.stopped_marketing:
        raise catalogue.notifications_stopped()
    if person.blocked:
        raise catalogue.person_unavailable()
    interval = float(rules.value_at("mm.token_min_interval", now, 0.0))
    last = token.last_sent_ms
    if last is not None and 0 <= now_ms - last < interval * 1000:
        raise catalogue.notification_frequency()
    gap = fields.number(params, "min_conversation_gap_seconds", "min_conversation_gap_seconds")
    if gap is not None:
        thread = state.thread(page.page_id, person.psid)
        if thread and 0 <= now_ms - thread[-1].timestamp_ms < gap * 1000:
            raise catalogue.marketing_recipient_unavailable()
    item = ThreadItem(
        mid=state.new_mid(),
        page_id=page.page_id,
        psid=person.psid,
        sender="page",
        timestamp_ms=now_ms,
        text=content.text,
        quick_replies=content.quick_replies,
        attachment=content.attachment,
        app_id=page.app_id,
        metadata=content.metadata,
        messaging_type="MARKETING",
    )
    state.add_item(item)
    token.last_sent_ms = now_ms
    return {"success": True, "marketing_message_tracking_id": str(uuid.uuid4())}
