"""The Send API: ``POST /{page-id}/messages`` and ``POST /me/messages`` (reference §2).

The checks run in the order of the reference's checklist (§2.13), the first failure answers:

1. token: known (190; 104 without one), ``appsecret_proof`` if given, the path's Page is the
   token's (100/33); the Page is not restricted (10/1893063, dated: 368 before 2026-06-25);
2. recipient: exactly one form, a known person (100/2018001 and friends, §2.3); an error
   configured for this PSID (``failures.errors_for_psid``) answers here;
3. ``sender_action`` alone (100/2018014) and a known action;
4. ``message`` content and limits (``validate.py``, ``templates.py``), ``thread_control``;
5. ``messaging_type`` (omitted = RESPONSE, §11) and ``tag`` (``tag`` needs MESSAGE_TAG; tag
   in force at the clock's date, retired update tags 100/1893061);
6. policy (``policy.py``): window, tag rules, tokens, private replies, utility (10/2018278...);
7. the person blocked the Page (551/1545041);
8. rate limits (613 per second, 80006 for the 24-hour quota);
9. another app controls the thread (10/2018300).

Then, if the call is still standing, injected transient failures (``send_error_rate`` answers
1200 or 2; ``send_timeout_rate`` hangs ``send_timeout_seconds`` then answers 2, and the message
is not sent). A successful call adds a ``ThreadItem``, records an opt-in request or uses up a
token or private reply, and tells the webhook dispatcher, which echoes it without blocking.
Every call, failed or not, is appended to ``state.sent`` (without the access token).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from comptoir.emulator import catalogue, rules
from comptoir.emulator.errors import GraphError
from comptoir.emulator.graph import fields
from comptoir.emulator.graph.context import DAY_MS, GraphContext, Reply, record_send
from comptoir.emulator.graph.policy import Decision, Situation, check_policy
from comptoir.emulator.graph.recipients import Recipient, parse_recipient, resolve_recipient
from comptoir.emulator.graph.request import GraphRequest, param_object, version_number
from comptoir.emulator.graph.templates import ContentContext
from comptoir.emulator.graph.templates_api import render_utility
from comptoir.emulator.graph.thread_control import apply_send_control, check_send_control
from comptoir.emulator.graph.validate import Content, check_message
from comptoir.emulator.state import (
    EmulatorState,
    OptInRequest,
    Page,
    ThreadItem,
    Upload,
)

MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG", "UTILITY")
SENDER_ACTIONS = ("MARK_SEEN", "TYPING_ON", "TYPING_OFF", "REACT", "UNREACT")
NOTIFICATION_TYPES = ("REGULAR", "SILENT_PUSH", "NO_PUSH")


@dataclass(slots=True)
class _Plan:
    page: Page
    recipient: Recipient
    messaging_type: str
    tag: str | None = None
    sender_action: str | None = None
    reaction: tuple[str, str | None] | None = None
    content: Content | None = None
    thread_control: dict[str, Any] | None = None
    decision: Decision | None = None


async def send_endpoint(ctx: GraphContext, request: GraphRequest, node: str) -> Reply:
    """Handle one Send API call; record it whatever the outcome."""
    if request.method != "POST":
        raise catalogue.unsupported_request(request.method, node)
    state = ctx.emulator.state
    now_ms = ctx.now_ms()
    page_id = node
    try:
        plan = _check(ctx, request, node, now_ms)
        page_id = plan.page.page_id
        await _injected_failure(ctx)
        reply = Reply(200, _commit(ctx, plan, now_ms))
    except GraphError as error:
        reply = Reply.error(error)
        if page_id == "me":
            page = state.page_for_token(request.token or "")
            page_id = page.page_id if page else "me"
    return record_send(ctx, request, page_id, now_ms, reply)


def _check(ctx: GraphContext, request: GraphRequest, node: str, now_ms: int) -> _Plan:
    emulator = ctx.emulator
    state = emulator.state
    params = request.params
    now = emulator.clock.now()
    # 1. token and Page
    page = ctx.page_for_node(request, node)
    if page.restricted_until_ms is not None and now_ms < page.restricted_until_ms:
        code, _subcode = rules.value_at("restriction.error", now, (10, 1893063))
        raise catalogue.page_restricted() if code == 10 else catalogue.abusive_action()
    # 2. recipient
    form, value = parse_recipient(param_object(params, "recipient"))
    recipient = resolve_recipient(state, page, form, value)
    injected = emulator.config.failures.errors_for_psid.get(recipient.person.psid)
    if injected is not None:
        raise catalogue.from_spec(injected)
    plan = _Plan(page=page, recipient=recipient, messaging_type="RESPONSE")
    # 3. sender action
    if params.get("sender_action") is not None:
        if params.get("message") not in (None, ""):
            raise catalogue.message_and_state()
        _check_sender_action(state, plan, params)
    else:
        # 4. message content
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
        plan.content = check_message(message, content_ctx, files=request.files)
        plan.thread_control = check_send_control(param_object(params, "thread_control"), page)
        _check_send_options(state, recipient, params)
    # 5. messaging type and tag
    _check_type_and_tag(plan, params, now)
    # 6. policy
    content = plan.content
    situation = Situation(
        page=page,
        recipient=recipient,
        messaging_type=plan.messaging_type,
        tag=plan.tag,
        utility=content is not None and content.utility is not None,
        optin=content.optin if content is not None else None,
        text_only=content is not None and content.attachment is None,
        now=now,
        now_ms=now_ms,
    )
    plan.decision = check_policy(situation, state, emulator.config.features, ctx.plus_one_used)
    person = recipient.person
    # 7. blocked
    if person.blocked:
        raise catalogue.person_unavailable()
    # 8. rate limits
    emulator.limiter.check_send(
        page.page_id,
        media=content is not None and content.media,
        engaged_users=lambda: engaged_users(state, page.page_id, now_ms),
    )
    # 9. conversation routing
    owner = person.thread_owner_app_id
    if owner is not None and owner != page.app_id:
        expires = person.thread_owner_expires_ms
        if expires is None or expires > now_ms:
            raise catalogue.thread_controlled_by_other_app()
    return plan


def _check_sender_action(state: EmulatorState, plan: _Plan, params: dict[str, Any]) -> None:
    action = fields.choice(params, "sender_action", "sender_action", SENDER_ACTIONS, upper=True)
    plan.sender_action = action
    if action not in ("REACT", "UNREACT"):
        return
    payload = param_object(params, "payload")
    if payload is None:
        raise catalogue.missing_parameter("payload")
    mid = fields.required_text(payload, "message_id", "payload[message_id]")
    item = state.messages.get(mid)
    person = plan.recipient.person
    if item is None or item.page_id != person.page_id or item.psid != person.psid:
        raise catalogue.param_must_be("payload[message_id]", "a message of this conversation")
    reaction = None
    if action == "REACT":
        reaction = fields.required_text(payload, "reaction", "payload[reaction]", 32)
    plan.reaction = (mid, reaction)


def _check_send_options(state: EmulatorState, recipient: Recipient, params: dict[str, Any]) -> None:
    """``notification_type`` and ``reply_to`` (a message of this conversation, §2.8)."""
    fields.choice(params, "notification_type", "notification_type", NOTIFICATION_TYPES)
    if params.get("reply_to") is None:
        return
    reply_to = param_object(params, "reply_to") or {}
    mid = fields.required_text(reply_to, "mid", "reply_to[mid]")
    item = state.messages.get(mid)
    person = recipient.person
    if item is None or item.page_id != person.page_id or item.psid != person.psid:
        raise catalogue.param_must_be("reply_to[mid]", "a message of this conversation")


def _check_type_and_tag(plan: _Plan, params: dict[str, Any], now: Any) -> None:
    default = str(rules.value_at("send.default_messaging_type", now, "RESPONSE"))
    messaging_type = fields.choice(params, "messaging_type", "messaging_type", MESSAGING_TYPES)
    plan.messaging_type = messaging_type or default
    tag = fields.text(params, "tag", "tag")
    if tag is not None and plan.messaging_type != "MESSAGE_TAG":
        raise catalogue.tag_requires_message_tag()
    if plan.messaging_type == "MESSAGE_TAG":
        if tag is None:
            raise catalogue.missing_parameter("tag")
        policy = rules.tag_policy(tag, now)
        if policy is None:
            raise catalogue.invalid_tag()
        if policy.retired:
            raise catalogue.deprecated_tag()
    plan.tag = tag
    content = plan.content
    if plan.messaging_type == "UTILITY" and (content is None or content.utility is None):
        raise catalogue.missing_parameter("message[template]")
    if content is not None and content.utility is not None:
        render_utility(plan.page, content.utility)


def engaged_users(state: EmulatorState, page_id: str, now_ms: int) -> int:
    """People of the Page with a message in the last 24 hours (the quota's multiplier)."""
    since = now_ms - DAY_MS
    return sum(
        1
        for person in state.people.values()
        if person.page_id == page_id
        and person.last_user_message_ms is not None
        and person.last_user_message_ms >= since
    )


async def _injected_failure(ctx: GraphContext) -> None:
    failures = ctx.emulator.config.failures
    if failures.send_timeout_rate > 0 and ctx.random.random() < failures.send_timeout_rate:
        await asyncio.sleep(failures.send_timeout_seconds)
        raise catalogue.unexpected_error()
    if failures.send_error_rate > 0:
        draw = ctx.random.random()
        if draw < failures.send_error_rate:
            half = failures.send_error_rate / 2
            raise (
                catalogue.temporary_send_failure() if draw < half else catalogue.unexpected_error()
            )


def _commit(ctx: GraphContext, plan: _Plan, now_ms: int) -> dict[str, Any]:
    state = ctx.emulator.state
    person = plan.recipient.person
    if plan.sender_action is not None:
        if plan.reaction is not None:
            mid, reaction = plan.reaction
            item = state.messages[mid]
            if reaction is None:
                item.reactions.pop("page", None)
            else:
                item.reactions["page"] = reaction
        return {"recipient_id": person.psid}
    content = plan.content
    assert content is not None
    page = plan.page
    item = ThreadItem(
        mid=state.new_mid(),
        page_id=page.page_id,
        psid=person.psid,
        sender="page",
        timestamp_ms=now_ms,
        text=render_utility(page, content.utility) if content.utility else content.text,
        quick_replies=content.quick_replies,
        attachment=content.attachment,
        app_id=page.app_id,
        metadata=content.metadata,
        messaging_type="UTILITY" if content.utility else plan.messaging_type,
        tag=plan.tag,
    )
    state.add_item(item)
    body: dict[str, Any] = {"recipient_id": person.psid, "message_id": item.mid}
    if content.reusable is not None:
        upload = Upload(
            attachment_id=state.new_numeric_id("68"),
            page_id=page.page_id,
            type=content.reusable[0],
            url=content.reusable[1],
            created_ms=now_ms,
        )
        state.uploads[upload.attachment_id] = upload
        body["attachment_id"] = upload.attachment_id
    if content.optin is not None:
        optin = content.optin
        state.optin_requests[item.mid] = OptInRequest(
            mid=item.mid,
            page_id=page.page_id,
            psid=person.psid,
            kind=optin.kind,
            title=optin.title,
            payload=optin.payload,
            timezone=optin.timezone,
            created_ms=now_ms,
        )
    _use_rights(ctx, plan, now_ms)
    if plan.thread_control is not None:
        apply_send_control(plan.thread_control, page, person, now_ms)
    ctx.emulator.webhooks.page_message_sent(page, person, item)
    return body


def _use_rights(ctx: GraphContext, plan: _Plan, now_ms: int) -> None:
    """What a successful send uses up: a token, a private reply, the "24 + 1" message."""
    recipient = plan.recipient
    token = recipient.token
    if token is not None:
        if token.kind == "one_time_notif":
            token.used_ms = now_ms
        token.last_sent_ms = now_ms
    if recipient.private_reply is not None:
        recipient.private_reply.used = True
    decision = plan.decision
    if decision is not None and decision.plus_one:
        person = recipient.person
        last = person.last_qualifying_action_ms
        if last is not None:
            ctx.plus_one_used[(person.page_id, person.psid)] = last
