"""Notification tokens: one-time notifications and notification_messages (reference §9).

A one-time token allows one message, within a year of the opt-in, for Pages with the
feature. A notification_messages token, through the Send API, allows one message per
frequency window (24 h, then 48 h from 2025-09-01) while the person has not stopped it, and
from 2026-02-10 only for people in the regions where that path survived. The same token,
through the paid Marketing Message API (from 2025-07-01, for onboarded Pages), allows one
message per 12 h, for people outside the regions that API excludes (see ``policy_rules``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from comptoir.domain import policy_rules as rules
from comptoir.domain.policy_context import Context
from comptoir.domain.policy_model import (
    ANY_SENDER,
    Allowed,
    BlockCode,
    Blocked,
    Decision,
    Mechanism,
    NextOption,
    NotificationToken,
    RecipientForm,
    TokenKind,
    TokenStatus,
)

_KIND = {
    Mechanism.ONE_TIME_NOTIFICATION: TokenKind.ONE_TIME,
    Mechanism.NOTIFICATION_MESSAGES: TokenKind.NOTIFICATION_MESSAGES,
    Mechanism.MARKETING_MESSAGE: TokenKind.NOTIFICATION_MESSAGES,
}
TOKEN_MECHANISMS = tuple(_KIND)


def decide_token(ctx: Context, mechanism: Mechanism) -> Decision:
    """Whether a token of the ``mechanism``'s kind may carry the message now."""
    kind = _KIND[mechanism]
    wanted = ctx.request.token
    candidates = [
        token
        for token in ctx.state.tokens
        if token.kind is kind and (wanted is None or token.token == wanted)
    ]
    unavailable = _unavailable(ctx, mechanism)
    if unavailable is not None:
        return unavailable
    if not candidates:
        return ctx.blocked(
            BlockCode.TOKEN_MISSING,
            rules.graph_code("otn.token_error", ctx.now),
            subject=kind.value,
        )
    # Oldest first: it expires soonest, so it is spent first.
    candidates.sort(key=lambda token: token.created_at)
    refusals: list[Blocked] = []
    for token in candidates:
        decision = _CHECKS[mechanism](ctx, token)
        if isinstance(decision, Allowed):
            return decision
        refusals.append(decision)
    refusal = max(refusals, key=_rank)
    if refusal.code is BlockCode.TOKEN_REGION:
        return _with_other_path(ctx, refusal, mechanism, candidates)
    return refusal


_OTHER_PATH = {
    Mechanism.NOTIFICATION_MESSAGES: Mechanism.MARKETING_MESSAGE,
    Mechanism.MARKETING_MESSAGE: Mechanism.NOTIFICATION_MESSAGES,
}


def _with_other_path(
    ctx: Context, refusal: Blocked, mechanism: Mechanism, tokens: list[NotificationToken]
) -> Blocked:
    """A token refused for the person's region may still work through the other API."""
    other = _OTHER_PATH[mechanism]
    if _unavailable(ctx, other) is not None:
        return refusal
    for token in tokens:
        decision = _CHECKS[other](ctx, token)
        if isinstance(decision, Allowed):
            option = NextOption(other, ANY_SENDER, until=decision.valid_until)
            return replace(refusal, next_option=option)
    return refusal


def _rank(blocked: Blocked) -> int:
    """Which refusal to report when no token works: the one closest to working."""
    order = (
        BlockCode.TOKEN_REGION,
        BlockCode.TOKEN_STOPPED,
        BlockCode.TOKEN_USED,
        BlockCode.TOKEN_EXPIRED,
        BlockCode.TOKEN_TOO_SOON,
    )
    return order.index(blocked.code) if blocked.code in order else -1


def _unavailable(ctx: Context, mechanism: Mechanism) -> Blocked | None:
    """The mechanism does not exist yet, or the Page lacks the feature it needs."""
    now, page = ctx.now, ctx.page
    if mechanism is Mechanism.ONE_TIME_NOTIFICATION:
        exists, has_feature = rules.in_force("otn.available", now), page.one_time_notifications
        prefix, feature = "otn", rules.Feature.ONE_TIME_NOTIFICATIONS
    elif mechanism is Mechanism.MARKETING_MESSAGE:
        exists = rules.in_force("marketing_messages.available", now)
        has_feature, prefix = page.marketing_messages, "marketing_messages"
        feature = rules.Feature.MARKETING_MESSAGES
    else:
        return None
    if not exists:
        return ctx.blocked(
            BlockCode.MECHANISM_UNAVAILABLE,
            rules.graph_code("otn.token_error", now),
            subject=mechanism.value,
        )
    if not has_feature:
        return ctx.blocked(
            BlockCode.FEATURE_MISSING,
            rules.graph_code(f"{prefix}.missing_feature_error", now),
            subject=feature.value,
        )
    return None


def _one_time(ctx: Context, token: NotificationToken) -> Decision:
    now = ctx.now
    error = rules.graph_code("otn.token_error", now)
    if token.used_at is not None:
        return ctx.blocked(BlockCode.TOKEN_USED, error, since=token.used_at, subject=token.kind)
    expires = token.created_at + rules.duration("otn.max_age", now)
    if now > expires:
        return ctx.blocked(BlockCode.TOKEN_EXPIRED, error, since=expires, subject=token.kind)
    return ctx.allowed(
        None,
        Mechanism.ONE_TIME_NOTIFICATION,
        recipient=RecipientForm.ONE_TIME_NOTIF_TOKEN,
        recipient_value=token.token,
        valid_until=expires,
    )


def _send_api_token(ctx: Context, token: NotificationToken) -> Decision:
    now = ctx.now
    if not rules.notification_region_allowed(token.region, now):
        return ctx.blocked(
            BlockCode.TOKEN_REGION,
            rules.graph_code("notification_messages.shut_down_error", now),
            since=rules.RN_SHUTDOWN,
            subject=Mechanism.NOTIFICATION_MESSAGES.value,
        )
    return _subscription(ctx, token, Mechanism.NOTIFICATION_MESSAGES, "notification_messages")


def _paid(ctx: Context, token: NotificationToken) -> Decision:
    now = ctx.now
    if not rules.marketing_region_allowed(token.region, now):
        return ctx.blocked(
            BlockCode.TOKEN_REGION,
            rules.graph_code("marketing_messages.region_error", now),
            subject=Mechanism.MARKETING_MESSAGE.value,
        )
    return _subscription(ctx, token, Mechanism.MARKETING_MESSAGE, "marketing_messages")


def _subscription(
    ctx: Context, token: NotificationToken, mechanism: Mechanism, prefix: str
) -> Decision:
    """Checks shared by both ways of using a notification_messages token."""
    now = ctx.now
    if token.status is TokenStatus.STOPPED:
        return ctx.blocked(
            BlockCode.TOKEN_STOPPED,
            rules.graph_code("notification_messages.stopped_error", now),
            subject=token.kind,
        )
    expires = _marketing_expiry(token, now)
    if expires is not None and now > expires:
        return ctx.blocked(
            BlockCode.TOKEN_EXPIRED,
            rules.graph_code("otn.token_error", now),
            since=expires,
            subject=token.kind,
        )
    if token.last_sent_at is not None:
        next_at = token.last_sent_at + rules.duration(f"{prefix}.min_gap", now)
        if now < next_at:
            return ctx.blocked(
                BlockCode.TOKEN_TOO_SOON,
                rules.graph_code(f"{prefix}.too_soon_error", now),
                since=token.last_sent_at,
                until=next_at,
                subject=token.kind,
                next_option=NextOption(mechanism, ANY_SENDER, not_before=next_at),
            )
    return ctx.allowed(
        None,
        mechanism,
        recipient=RecipientForm.NOTIFICATION_MESSAGES_TOKEN,
        recipient_value=token.token,
        valid_until=expires,
    )


_CHECKS = {
    Mechanism.ONE_TIME_NOTIFICATION: _one_time,
    Mechanism.NOTIFICATION_MESSAGES: _send_api_token,
    Mechanism.MARKETING_MESSAGE: _paid,
}


def _marketing_expiry(token: NotificationToken, now: datetime) -> datetime | None:
    """Tokens carried an expiry until 2023-08-10; after that date none expires."""
    if token.expires_at is None or not rules.in_force("notification_messages.tokens_expire", now):
        return None
    return token.expires_at
