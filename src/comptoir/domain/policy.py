"""The policy engine: may this message go now, and how?

``decide(request, state, page, now)`` is a pure function of its arguments and of the dated
table in ``policy_rules``. It returns ``Allowed`` with the messaging_type, tag and recipient
form to send with, or ``Blocked`` with a reason, the next legal option and the Graph error
Meta would answer. ``describe`` (``policy_text``) turns either into a sentence for people.

Order of checks: the request itself, then what stops every send (a restricted Page, a
person who blocked the Page, a thread another app controls), then the mechanism. With
``Mechanism.AUTO`` the engine tries, in order: the window (RESPONSE, or UPDATE when
proactive); HUMAN_AGENT for a person's non-promotional answer between 24 hours and 7 days
after the person's last message; UTILITY for utility-template content; and, for broadcasts
and system notices only, a usable one-time then notification_messages token (broadcasts
also the paid Marketing Message API). Bots and agents
answering a conversation never spend a person's notification token on their own.

A tag asked for inside the window is not needed: the message goes as RESPONSE (Meta accepts
tags there, but a tag where none is needed is a compliance smell, and retired tags error).
"""

from __future__ import annotations

from datetime import datetime

from comptoir.domain import policy_rules as rules
from comptoir.domain.clock import ensure_utc
from comptoir.domain.policy_context import Context
from comptoir.domain.policy_model import (
    ANY_SENDER,
    HUMANS,
    Allowed,
    BlockCode,
    Blocked,
    ContentKind,
    ConversationState,
    Decision,
    Mechanism,
    MessagingType,
    NextOption,
    PageCapabilities,
    RecipientForm,
    SenderKind,
    SendRequest,
    TemplateCategory,
    TemplateStatus,
)
from comptoir.domain.policy_rules import Feature, GraphCode
from comptoir.domain.policy_text import describe
from comptoir.domain.policy_tokens import TOKEN_MECHANISMS, decide_token

__all__ = ["decide", "describe"]

_WINDOW_MECHANISMS = (Mechanism.AUTO, Mechanism.WINDOW)


def decide(
    request: SendRequest, state: ConversationState, page: PageCapabilities, now: datetime
) -> Decision:
    """How ``request`` may go to the person of ``state`` from ``page`` at ``now``."""
    ctx = Context(request, state, page, ensure_utc(now))
    return _check_request(ctx) or _check_gates(ctx) or _by_mechanism(ctx)


def _by_mechanism(ctx: Context) -> Decision:
    request = ctx.request
    if request.content is ContentKind.SENDER_ACTION:
        return _window(ctx)
    if request.mechanism is Mechanism.PRIVATE_REPLY or (
        request.mechanism is Mechanism.AUTO and request.private_reply_to is not None
    ):
        return _private_reply(ctx)
    if request.content is ContentKind.UTILITY_TEMPLATE:
        return _utility(ctx)
    if request.mechanism in TOKEN_MECHANISMS:
        return decide_token(ctx, request.mechanism)
    if request.mechanism is Mechanism.TAG:
        return _tag(ctx)
    if request.mechanism is Mechanism.WINDOW or ctx.window_open():
        return _window(ctx)
    return _auto_outside_window(ctx)


_INVALID = GraphCode(100)


def _check_request(ctx: Context) -> Blocked | None:
    request = ctx.request
    content, mechanism = request.content, request.mechanism
    checks = (
        (mechanism is Mechanism.TAG and not request.tag, "tag_required"),
        (
            mechanism is Mechanism.PRIVATE_REPLY and not request.private_reply_to,
            "private_reply_target_required",
        ),
        (
            mechanism is Mechanism.UTILITY and content is not ContentKind.UTILITY_TEMPLATE,
            "utility_needs_template_content",
        ),
        (
            content is ContentKind.UTILITY_TEMPLATE
            and mechanism not in (Mechanism.AUTO, Mechanism.UTILITY),
            "utility_template_mechanism",
        ),
        (
            content is ContentKind.SENDER_ACTION and mechanism not in _WINDOW_MECHANISMS,
            "sender_action_mechanism",
        ),
        (
            content is ContentKind.OPTIN_REQUEST and mechanism not in _WINDOW_MECHANISMS,
            "optin_request_mechanism",
        ),
    )
    problem = next((key for failed, key in checks if failed), None)
    if problem is None:
        return None
    return ctx.blocked(BlockCode.INVALID_REQUEST, _INVALID, subject=problem)


def _check_gates(ctx: Context) -> Blocked | None:
    page, state, now = ctx.page, ctx.state, ctx.now
    if page.restricted_until is not None and now < page.restricted_until:
        return ctx.blocked(
            BlockCode.PAGE_RESTRICTED,
            rules.graph_code("page.restricted_error", now),
            until=page.restricted_until,
        )
    if state.blocked:
        return ctx.blocked(
            BlockCode.RECIPIENT_BLOCKED, rules.graph_code("recipient.blocked_error", now)
        )
    if state.controlled_elsewhere and ctx.request.mechanism is not Mechanism.PRIVATE_REPLY:
        return ctx.blocked(
            BlockCode.THREAD_CONTROLLED_ELSEWHERE,
            rules.graph_code("thread.controlled_elsewhere_error", now),
        )
    return None


def _window(ctx: Context) -> Decision:
    """RESPONSE or UPDATE inside the window (sender actions too), or why not."""
    end = ctx.window_end()
    if end is None:
        return ctx.blocked(
            BlockCode.NO_CONVERSATION, rules.graph_code("window.closed_error", ctx.now)
        )
    if ctx.now > end:
        return ctx.blocked(
            BlockCode.WINDOW_CLOSED,
            rules.graph_code("window.closed_error", ctx.now),
            since=end,
            next_option=next_option(ctx),
        )
    if ctx.request.content is ContentKind.SENDER_ACTION:
        return ctx.allowed(None, Mechanism.WINDOW, valid_until=end)
    proactive = ctx.request.proactive or ctx.request.sender is SenderKind.BROADCAST
    kind = MessagingType.UPDATE if proactive else MessagingType.RESPONSE
    return ctx.allowed(kind, Mechanism.WINDOW, valid_until=end)


#: Who may spend a person's tokens without asking for it by name, and in which order.
_AUTO_TOKENS = {
    SenderKind.SYSTEM: (Mechanism.ONE_TIME_NOTIFICATION, Mechanism.NOTIFICATION_MESSAGES),
    SenderKind.BROADCAST: TOKEN_MECHANISMS,
}


def _auto_outside_window(ctx: Context) -> Decision:
    request = ctx.request
    if request.content is not ContentKind.OPTIN_REQUEST:
        if request.sender is SenderKind.AGENT and not request.promotional:
            decision = _human_agent_if_possible(ctx)
            if decision is not None:
                return decision
        for mechanism in _AUTO_TOKENS.get(request.sender, ()):
            by_token = decide_token(ctx, mechanism)
            if isinstance(by_token, Allowed):
                return by_token
    return _window(ctx)


def _human_agent_if_possible(ctx: Context) -> Allowed | None:
    end = ctx.human_agent_end()
    if end is None or not ctx.page.human_agent or ctx.now > end:
        return None
    return ctx.allowed(MessagingType.MESSAGE_TAG, Mechanism.TAG, tag="HUMAN_AGENT", valid_until=end)


def next_option(ctx: Context) -> NextOption | None:
    """The next legal way to reach the person once the window is closed."""
    now, request = ctx.now, ctx.request
    if request.content is ContentKind.SENDER_ACTION:
        return None
    end = ctx.human_agent_end()
    if (
        end is not None
        and now <= end
        and ctx.page.human_agent
        and not request.promotional
        and request.content is not ContentKind.OPTIN_REQUEST
        and request.sender is not SenderKind.AGENT
    ):
        return NextOption(Mechanism.TAG, HUMANS, tag="HUMAN_AGENT", until=end)
    if (
        ctx.page.utility_messaging
        and rules.in_force("utility.available", now)
        and not request.promotional
        and request.content is not ContentKind.OPTIN_REQUEST
    ):
        return NextOption(Mechanism.UTILITY, ANY_SENDER)
    if request.content is ContentKind.OPTIN_REQUEST:
        return None
    for mechanism in TOKEN_MECHANISMS:
        decision = decide_token(ctx, mechanism)
        if isinstance(decision, Allowed):
            return NextOption(mechanism, ANY_SENDER, until=decision.valid_until)
        if decision.code is BlockCode.TOKEN_TOO_SOON:
            return NextOption(mechanism, ANY_SENDER, not_before=decision.until)
    return None


def _tag(ctx: Context) -> Decision:
    tag, now, state, request = ctx.request.tag or "", ctx.now, ctx.state, ctx.request
    if ctx.window_open():
        return _window(ctx)
    terms = rules.tag_terms(tag, now)
    if terms is None:
        retired_on = rules.tag_retired_on(tag, now)
        return ctx.blocked(
            BlockCode.TAG_RETIRED if retired_on else BlockCode.TAG_UNKNOWN,
            rules.tag_out_of_force_error(tag, now),
            since=retired_on,
            subject=tag,
            next_option=next_option(ctx),
        )
    if state.last_user_message_at is None and state.last_qualifying_action_at is None:
        return ctx.blocked(
            BlockCode.NO_CONVERSATION, rules.graph_code("window.closed_error", now), subject=tag
        )
    if terms.feature is not None and not _has_feature(ctx.page, terms.feature):
        return ctx.blocked(
            BlockCode.FEATURE_MISSING,
            terms.missing_feature_error,
            subject=terms.feature.value,
            next_option=next_option(ctx),
        )
    if terms.max_age is not None:
        last = state.last_user_message_at
        end = None if last is None else last + terms.max_age
        if end is None or now > end:
            code = BlockCode.HUMAN_AGENT_EXPIRED if terms.human_only else BlockCode.TAG_EXPIRED
            return ctx.blocked(
                code,
                rules.graph_code("window.closed_error", now),
                since=end,
                subject=tag,
                next_option=next_option(ctx),
            )
    if terms.human_only and request.sender is not SenderKind.AGENT:
        return ctx.blocked(
            BlockCode.HUMAN_ONLY,
            None,
            since=ctx.window_end(),
            subject=tag,
            next_option=next_option(ctx),
        )
    if request.promotional:
        return ctx.blocked(
            BlockCode.PROMOTIONAL_CONTENT, None, subject=Mechanism.TAG.value, next_option=None
        )
    valid_until = None
    if terms.max_age is not None and state.last_user_message_at is not None:
        valid_until = state.last_user_message_at + terms.max_age
    return ctx.allowed(MessagingType.MESSAGE_TAG, Mechanism.TAG, tag=tag, valid_until=valid_until)


def _utility(ctx: Context) -> Decision:
    now, template = ctx.now, ctx.request.template
    if not rules.in_force("utility.available", now):
        return ctx.blocked(
            BlockCode.UTILITY_UNAVAILABLE,
            rules.graph_code("utility.template_error", now),
            next_option=next_option(ctx) if not ctx.window_open() else None,
        )
    if not ctx.page.utility_messaging:
        return ctx.blocked(
            BlockCode.FEATURE_MISSING,
            rules.graph_code("utility.missing_permission_error", now),
            subject=Feature.UTILITY_MESSAGING.value,
        )
    if template is None:
        return ctx.blocked(
            BlockCode.TEMPLATE_MISSING, rules.graph_code("utility.template_error", now)
        )
    if template.status is not TemplateStatus.APPROVED:
        return ctx.blocked(
            BlockCode.TEMPLATE_NOT_APPROVED,
            rules.graph_code("utility.template_error", now),
            subject=template.name,
        )
    if template.category is not TemplateCategory.UTILITY:
        return ctx.blocked(
            BlockCode.TEMPLATE_NOT_UTILITY,
            rules.graph_code("utility.template_error", now),
            subject=template.name,
        )
    if ctx.request.promotional:
        return ctx.blocked(BlockCode.PROMOTIONAL_CONTENT, None, subject=Mechanism.UTILITY.value)
    return ctx.allowed(MessagingType.UTILITY, Mechanism.UTILITY)


def _private_reply(ctx: Context) -> Decision:
    now, target = ctx.now, ctx.request.private_reply_to
    right = next((r for r in ctx.state.private_replies if r.object_id == target), None)
    if right is None:
        return ctx.blocked(
            BlockCode.PRIVATE_REPLY_MISSING,
            rules.graph_code("private_reply.expired_error", now),
            subject=target,
        )
    end = right.created_at + rules.duration("private_reply.max_age", now)
    if right.used:
        return ctx.blocked(
            BlockCode.PRIVATE_REPLY_USED,
            rules.graph_code("private_reply.used_error", now),
            subject=right.object_id,
        )
    if now > end:
        return ctx.blocked(
            BlockCode.PRIVATE_REPLY_EXPIRED,
            rules.graph_code("private_reply.expired_error", now),
            since=end,
            subject=right.object_id,
        )
    return ctx.allowed(
        MessagingType.RESPONSE,
        Mechanism.PRIVATE_REPLY,
        recipient=RecipientForm.POST_ID if right.is_post else RecipientForm.COMMENT_ID,
        recipient_value=right.object_id,
        valid_until=end,
    )


def _has_feature(page: PageCapabilities, feature: Feature) -> bool:
    return {
        Feature.HUMAN_AGENT: page.human_agent,
        Feature.NEWS_MESSAGING: page.news_messaging,
        Feature.UTILITY_MESSAGING: page.utility_messaging,
        Feature.ONE_TIME_NOTIFICATIONS: page.one_time_notifications,
    }[feature]
