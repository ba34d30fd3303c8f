"""The policy table: one row per case, with Comptoir's expected decision and Meta's answer.

Each ``PolicyCase`` says what ``policy.decide`` must return (``expect``) and what Meta's Send
API answers when the message is sent as decided, or, for a blocked case, as the sender first
wanted it (``meta``: None when Meta accepts it, else the Graph code/subcode). The two differ
on purpose where the policy forbids what the API cannot see (a bot using HUMAN_AGENT,
promotional content under a tag). ``test_policy_table`` checks ``expect`` against the engine;
``tests/integration/test_policy_vs_emulator`` replays every case through the emulator and
checks ``meta``.

Boundaries are tested one second either side (24 h, 7 days, one year, 12/24/48 h token gaps,
the 2020-03-04, 2026-02-10 and 2026-04-27 switches), never on the instant itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from comptoir.domain.policy_model import (
    BlockCode,
    ContentKind,
    ConversationState,
    Mechanism,
    MessagingType,
    NotificationToken,
    PageCapabilities,
    PrivateReplyRight,
    RecipientForm,
    SenderKind,
    SendRequest,
    TemplateCategory,
    TemplateStatus,
    TokenKind,
    TokenStatus,
    UtilityTemplate,
)
from comptoir.domain.policy_rules import GraphCode

S = timedelta(seconds=1)
H = timedelta(hours=1)
D = timedelta(days=1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Expect:
    """Comptoir's expected decision (only the fields that matter for the case)."""

    allowed: bool
    mechanism: Mechanism | None = None
    messaging_type: MessagingType | None = None
    tag: str | None = None
    recipient: RecipientForm = RecipientForm.ID
    code: BlockCode | None = None
    next_mechanism: Mechanism | None = None


def ok(
    mechanism: Mechanism,
    messaging_type: MessagingType | None,
    tag: str | None = None,
    recipient: RecipientForm = RecipientForm.ID,
) -> Expect:
    return Expect(True, mechanism, messaging_type, tag, recipient)


def no(code: BlockCode, next_mechanism: Mechanism | None = None) -> Expect:
    return Expect(False, code=code, next_mechanism=next_mechanism)


@dataclass(frozen=True, slots=True)
class PolicyCase:
    id: str
    now: datetime
    request: SendRequest
    state: ConversationState
    page: PageCapabilities
    expect: Expect
    #: Meta's answer when sent: None = accepted, else the Graph error code/subcode.
    meta: GraphCode | None
    note: str = ""


# -- building blocks ------------------------------------------------------------------------

NOW = at("2026-05-05T12:00:00")  # after the update tags were retired
Y2025 = at("2025-06-02T12:00:00")  # update tags still work; RN gap 24 h
Y2019 = at("2019-06-03T12:00:00")  # the pre-2020 tag set

#: Like the emulator's default Page: Human Agent, utility messaging, Marketing Messages.
PAGE = PageCapabilities(human_agent=True, utility_messaging=True, marketing_messages=True)
BARE = PageCapabilities()
OTN_PAGE = replace(PAGE, one_time_notifications=True)
NEWS_PAGE = replace(PAGE, news_messaging=True)

BOT = SendRequest(SenderKind.BOT)
AGENT = SendRequest(SenderKind.AGENT)
BROADCAST = SendRequest(SenderKind.BROADCAST)
SYSTEM = SendRequest(SenderKind.SYSTEM)

APPROVED = UtilityTemplate("order_update", TemplateStatus.APPROVED)
PENDING = UtilityTemplate("order_update", TemplateStatus.PENDING)
MARKETING_TEMPLATE = UtilityTemplate(
    "spring_sale", TemplateStatus.APPROVED, TemplateCategory.MARKETING
)

NO_TALK = ConversationState()
OUTSIDE = GraphCode(10, 2018278)


def wrote(now: datetime, ago: timedelta, **changes: object) -> ConversationState:
    """The person's last message (a qualifying action) was ``ago`` before ``now``."""
    state = ConversationState(last_user_message_at=now - ago, last_qualifying_action_at=now - ago)
    return replace(state, **changes)  # type: ignore[arg-type]


def tag(sender: SendRequest, name: str, *, promotional: bool = False) -> SendRequest:
    return replace(sender, mechanism=Mechanism.TAG, tag=name, promotional=promotional)


def utility(sender: SendRequest, template: UtilityTemplate, **changes: object) -> SendRequest:
    request = replace(sender, content=ContentKind.UTILITY_TEMPLATE, template=template)
    return replace(request, **changes)  # type: ignore[arg-type]


def token(kind: TokenKind, now: datetime, age: timedelta, **changes: object) -> NotificationToken:
    value = "otn-1" if kind is TokenKind.ONE_TIME else "nm-1"
    return replace(NotificationToken(value, kind, created_at=now - age), **changes)  # type: ignore[arg-type]


def with_tokens(state: ConversationState, *tokens: NotificationToken) -> ConversationState:
    return replace(state, tokens=tokens)


def via(sender: SendRequest, mechanism: Mechanism) -> SendRequest:
    return replace(sender, mechanism=mechanism)


def comment(
    now: datetime, age: timedelta, *, used: bool = False, post: bool = False
) -> ConversationState:
    right = PrivateReplyRight("104000000000001_55501", now - age, is_post=post, used=used)
    return ConversationState(private_replies=(right,))


def private_reply(sender: SendRequest) -> SendRequest:
    return replace(
        sender, mechanism=Mechanism.PRIVATE_REPLY, private_reply_to="104000000000001_55501"
    )


RESPONSE = MessagingType.RESPONSE
UPDATE = MessagingType.UPDATE
TAGGED = MessagingType.MESSAGE_TAG
WINDOW = Mechanism.WINDOW
TAG = Mechanism.TAG
NM = TokenKind.NOTIFICATION_MESSAGES
OTN = TokenKind.ONE_TIME
RN_SEND = Mechanism.NOTIFICATION_MESSAGES
PAID = Mechanism.MARKETING_MESSAGE
AFTER_RN_SHUTDOWN = at("2026-03-02T12:00:00")
AFTER_WIND_DOWN = at("2025-10-01T12:00:00")
LATE_2026 = at("2026-07-01T12:00:00")


def c(
    id_: str,
    now: datetime,
    request: SendRequest,
    state: ConversationState,
    page: PageCapabilities,
    expect: Expect,
    meta: GraphCode | None,
    note: str = "",
) -> PolicyCase:
    return PolicyCase(id_, now, request, state, page, expect, meta, note)


CASES: tuple[PolicyCase, ...] = (
    # -- the 24-hour window ----------------------------------------------------------------
    c("bot-1h-response", NOW, BOT, wrote(NOW, H), PAGE, ok(WINDOW, RESPONSE), None),
    c("bot-24h-minus-1s", NOW, BOT, wrote(NOW, 24 * H - S), PAGE, ok(WINDOW, RESPONSE), None),
    c(
        "bot-24h-plus-1s",
        NOW,
        BOT,
        wrote(NOW, 24 * H + S),
        PAGE,
        no(BlockCode.WINDOW_CLOSED, TAG),
        OUTSIDE,
        "the next option is HUMAN_AGENT, for people only",
    ),
    c(
        "bot-24h-plus-1s-bare-page",
        NOW,
        BOT,
        wrote(NOW, 24 * H + S),
        BARE,
        no(BlockCode.WINDOW_CLOSED),
        OUTSIDE,
    ),
    c("system-1h-response", NOW, SYSTEM, wrote(NOW, H), PAGE, ok(WINDOW, RESPONSE), None),
    c(
        "broadcast-inside-is-update",
        NOW,
        BROADCAST,
        wrote(NOW, 3 * H),
        PAGE,
        ok(WINDOW, UPDATE),
        None,
    ),
    c(
        "bot-proactive-inside-is-update",
        NOW,
        replace(BOT, proactive=True),
        wrote(NOW, 23 * H),
        PAGE,
        ok(WINDOW, UPDATE),
        None,
    ),
    c(
        "postback-reopens-window",
        NOW,
        BOT,
        wrote(NOW, 3 * D, last_qualifying_action_at=NOW - 23 * H),
        PAGE,
        ok(WINDOW, RESPONSE),
        None,
        "a postback 23 h ago keeps the window open though the last message is 3 days old",
    ),
    c("never-wrote", NOW, BOT, NO_TALK, PAGE, no(BlockCode.NO_CONVERSATION), OUTSIDE),
    c(
        "ad-window-7d-minus-1s",
        NOW,
        BOT,
        wrote(NOW, 7 * D - S, window_length=7 * D),
        PAGE,
        ok(WINDOW, RESPONSE),
        None,
        "the 7-day CTM reading, when turned on, is recorded as the window length",
    ),
    c(
        "ad-window-7d-plus-1s",
        NOW,
        BOT,
        wrote(NOW, 7 * D + S, window_length=7 * D),
        PAGE,
        no(BlockCode.WINDOW_CLOSED, Mechanism.UTILITY),
        OUTSIDE,
    ),
    # -- HUMAN_AGENT ----------------------------------------------------------------------
    c("agent-2h-response", NOW, AGENT, wrote(NOW, 2 * H), PAGE, ok(WINDOW, RESPONSE), None),
    c(
        "agent-24h-plus-1s-human-agent",
        NOW,
        AGENT,
        wrote(NOW, 24 * H + S),
        PAGE,
        ok(TAG, TAGGED, "HUMAN_AGENT"),
        None,
    ),
    c(
        "agent-7d-minus-1s-human-agent",
        NOW,
        AGENT,
        wrote(NOW, 7 * D - S),
        PAGE,
        ok(TAG, TAGGED, "HUMAN_AGENT"),
        None,
    ),
    c(
        "agent-7d-plus-1s",
        NOW,
        AGENT,
        wrote(NOW, 7 * D + S),
        PAGE,
        no(BlockCode.WINDOW_CLOSED, Mechanism.UTILITY),
        OUTSIDE,
    ),
    c(
        "agent-30h-no-feature",
        NOW,
        AGENT,
        wrote(NOW, 30 * H),
        BARE,
        no(BlockCode.WINDOW_CLOSED),
        OUTSIDE,
    ),
    c(
        "agent-asks-human-agent-without-feature",
        NOW,
        tag(AGENT, "HUMAN_AGENT"),
        wrote(NOW, 30 * H),
        replace(PAGE, human_agent=False),
        no(BlockCode.FEATURE_MISSING, Mechanism.UTILITY),
        OUTSIDE,
        "a tag the app may not use is an exception that does not apply",
    ),
    c(
        "agent-30h-promotional",
        NOW,
        replace(AGENT, promotional=True),
        wrote(NOW, 30 * H),
        PAGE,
        no(BlockCode.WINDOW_CLOSED),
        OUTSIDE,
        "HUMAN_AGENT carries no promotion, and neither does a utility template",
    ),
    c(
        "bot-asks-human-agent",
        NOW,
        tag(BOT, "HUMAN_AGENT"),
        wrote(NOW, 30 * H),
        PAGE,
        no(BlockCode.HUMAN_ONLY, TAG),
        None,
        "Meta cannot tell a bot from a person: the API accepts, the policy does not",
    ),
    c(
        "broadcast-asks-human-agent",
        NOW,
        tag(BROADCAST, "HUMAN_AGENT"),
        wrote(NOW, 2 * D),
        PAGE,
        no(BlockCode.HUMAN_ONLY, TAG),
        None,
    ),
    c(
        "agent-asks-human-agent-8d",
        NOW,
        tag(AGENT, "HUMAN_AGENT"),
        wrote(NOW, 8 * D),
        PAGE,
        no(BlockCode.HUMAN_AGENT_EXPIRED, Mechanism.UTILITY),
        OUTSIDE,
    ),
    c(
        "agent-asks-human-agent-inside-window",
        NOW,
        tag(AGENT, "HUMAN_AGENT"),
        wrote(NOW, 2 * H),
        PAGE,
        ok(WINDOW, RESPONSE),
        None,
        "inside the window no tag is needed",
    ),
    c(
        "human-agent-anchored-to-last-message",
        NOW,
        AGENT,
        wrote(NOW, 8 * D, last_qualifying_action_at=NOW - 3 * D),
        PAGE,
        no(BlockCode.WINDOW_CLOSED, Mechanism.UTILITY),
        OUTSIDE,
        "a postback 3 days ago does not restart the 7 days, only a message does",
    ),
    # -- tags by era ----------------------------------------------------------------------
    c(
        "2019-shipping-update",
        Y2019,
        tag(BOT, "SHIPPING_UPDATE"),
        wrote(Y2019, 3 * D),
        PAGE,
        ok(TAG, TAGGED, "SHIPPING_UPDATE"),
        None,
    ),
    c(
        "shipping-update-last-second",
        at("2020-03-03T23:59:59"),
        tag(BOT, "SHIPPING_UPDATE"),
        wrote(at("2020-03-03T23:59:59"), 3 * D),
        PAGE,
        ok(TAG, TAGGED, "SHIPPING_UPDATE"),
        None,
    ),
    c(
        "shipping-update-retired-2020",
        at("2020-03-04T00:00:01"),
        tag(BOT, "SHIPPING_UPDATE"),
        wrote(at("2020-03-04T00:00:01"), 3 * D),
        PAGE,
        no(BlockCode.TAG_RETIRED, TAG),
        GraphCode(100),
    ),
    c(
        "post-purchase-before-2020",
        at("2020-03-03T23:59:59"),
        tag(BOT, "POST_PURCHASE_UPDATE"),
        wrote(at("2020-03-03T23:59:59"), 3 * D),
        PAGE,
        no(BlockCode.TAG_UNKNOWN, TAG),
        GraphCode(100),
    ),
    c(
        "post-purchase-from-2020",
        at("2020-03-04T00:00:01"),
        tag(BOT, "POST_PURCHASE_UPDATE"),
        wrote(at("2020-03-04T00:00:01"), 3 * D),
        PAGE,
        ok(TAG, TAGGED, "POST_PURCHASE_UPDATE"),
        None,
    ),
    c(
        "account-update-last-second",
        at("2026-04-26T23:59:59"),
        tag(BOT, "ACCOUNT_UPDATE"),
        wrote(at("2026-04-26T23:59:59"), 40 * D),
        PAGE,
        ok(TAG, TAGGED, "ACCOUNT_UPDATE"),
        None,
        "update tags have no age limit",
    ),
    c(
        "account-update-retired-2026",
        at("2026-04-27T00:00:01"),
        tag(BOT, "ACCOUNT_UPDATE"),
        wrote(at("2026-04-27T00:00:01"), 10 * D),
        PAGE,
        no(BlockCode.TAG_RETIRED, Mechanism.UTILITY),
        GraphCode(100, 1893061),
    ),
    c(
        "confirmed-event-retired",
        NOW,
        tag(SYSTEM, "CONFIRMED_EVENT_UPDATE"),
        wrote(NOW, 2 * D),
        BARE,
        no(BlockCode.TAG_RETIRED),
        GraphCode(100, 1893061),
    ),
    c(
        "retired-tag-inside-window",
        NOW,
        tag(BOT, "ACCOUNT_UPDATE"),
        wrote(NOW, 5 * H),
        PAGE,
        ok(WINDOW, RESPONSE),
        None,
        "Chatwoot's old bug: always tagging; inside the window the engine drops the tag",
    ),
    c(
        "post-purchase-promotional",
        Y2025,
        tag(BOT, "POST_PURCHASE_UPDATE", promotional=True),
        wrote(Y2025, 3 * D),
        PAGE,
        no(BlockCode.PROMOTIONAL_CONTENT),
        None,
        "Meta cannot see promotion at the API; the policy forbids it",
    ),
    c(
        "unknown-tag",
        NOW,
        tag(BOT, "FLASH_SALE"),
        wrote(NOW, 2 * D),
        PAGE,
        no(BlockCode.TAG_UNKNOWN, TAG),
        GraphCode(100),
    ),
    c(
        "news-tag-without-feature",
        Y2025,
        tag(BOT, "NON_PROMOTIONAL_SUBSCRIPTION"),
        wrote(Y2025, 3 * D),
        PAGE,
        no(BlockCode.FEATURE_MISSING, TAG),
        GraphCode(10, 2018065),
    ),
    c(
        "news-tag-with-feature",
        NOW,
        tag(BOT, "NON_PROMOTIONAL_SUBSCRIPTION"),
        wrote(NOW, 3 * D),
        NEWS_PAGE,
        ok(TAG, TAGGED, "NON_PROMOTIONAL_SUBSCRIPTION"),
        None,
    ),
    # -- utility templates ----------------------------------------------------------------
    c(
        "utility-approved-outside-window",
        NOW,
        utility(SYSTEM, APPROVED),
        wrote(NOW, 20 * D),
        PAGE,
        ok(Mechanism.UTILITY, MessagingType.UTILITY),
        None,
    ),
    c(
        "utility-by-bot-inside-window",
        NOW,
        utility(BOT, APPROVED),
        wrote(NOW, H),
        PAGE,
        ok(Mechanism.UTILITY, MessagingType.UTILITY),
        None,
    ),
    c(
        "utility-pending",
        NOW,
        utility(SYSTEM, PENDING),
        wrote(NOW, 3 * D),
        PAGE,
        no(BlockCode.TEMPLATE_NOT_APPROVED),
        GraphCode(100),
    ),
    c(
        "utility-marketing-category",
        NOW,
        utility(SYSTEM, MARKETING_TEMPLATE),
        wrote(NOW, 3 * D),
        PAGE,
        no(BlockCode.TEMPLATE_NOT_UTILITY),
        GraphCode(100),
    ),
    c(
        "utility-without-permission",
        NOW,
        utility(SYSTEM, APPROVED),
        wrote(NOW, 3 * D),
        BARE,
        no(BlockCode.FEATURE_MISSING),
        GraphCode(10),
    ),
    c(
        "utility-promotional",
        NOW,
        utility(SYSTEM, APPROVED, promotional=True),
        wrote(NOW, 3 * D),
        PAGE,
        no(BlockCode.PROMOTIONAL_CONTENT),
        None,
    ),
    # -- one-time notification tokens (legacy) ---------------------------------------------
    c(
        "otn-1y-minus-1s",
        NOW,
        SYSTEM,
        with_tokens(wrote(NOW, 30 * D), token(OTN, NOW, 365 * D - S)),
        OTN_PAGE,
        ok(Mechanism.ONE_TIME_NOTIFICATION, None, recipient=RecipientForm.ONE_TIME_NOTIF_TOKEN),
        None,
    ),
    c(
        "otn-1y-plus-1s",
        NOW,
        via(SYSTEM, Mechanism.ONE_TIME_NOTIFICATION),
        with_tokens(wrote(NOW, 30 * D), token(OTN, NOW, 365 * D + S)),
        OTN_PAGE,
        no(BlockCode.TOKEN_EXPIRED),
        GraphCode(100),
    ),
    c(
        "otn-used",
        NOW,
        via(BROADCAST, Mechanism.ONE_TIME_NOTIFICATION),
        with_tokens(wrote(NOW, 30 * D), token(OTN, NOW, 10 * D, used_at=NOW - 2 * D)),
        OTN_PAGE,
        no(BlockCode.TOKEN_USED),
        GraphCode(100),
    ),
    c(
        "otn-page-without-feature",
        NOW,
        via(SYSTEM, Mechanism.ONE_TIME_NOTIFICATION),
        with_tokens(wrote(NOW, 30 * D), token(OTN, NOW, 10 * D)),
        PAGE,
        no(BlockCode.FEATURE_MISSING),
        GraphCode(100),
    ),
    c(
        "bot-does-not-spend-otn",
        NOW,
        BOT,
        with_tokens(wrote(NOW, 30 * D), token(OTN, NOW, 10 * D)),
        replace(OTN_PAGE, utility_messaging=False),
        no(BlockCode.WINDOW_CLOSED, Mechanism.ONE_TIME_NOTIFICATION),
        OUTSIDE,
    ),
    # -- notification_messages tokens through the Send API ---------------------------------
    c(
        "rn-24h-gap-minus-1s",
        Y2025,
        via(BROADCAST, RN_SEND),
        with_tokens(
            wrote(Y2025, 30 * D), token(NM, Y2025, 60 * D, last_sent_at=Y2025 - 24 * H + S)
        ),
        PAGE,
        no(BlockCode.TOKEN_TOO_SOON, RN_SEND),
        GraphCode(4, 2018354),
    ),
    c(
        "rn-24h-gap-plus-1s",
        Y2025,
        via(BROADCAST, RN_SEND),
        with_tokens(
            wrote(Y2025, 30 * D), token(NM, Y2025, 60 * D, last_sent_at=Y2025 - 24 * H - S)
        ),
        PAGE,
        ok(RN_SEND, None, recipient=RecipientForm.NOTIFICATION_MESSAGES_TOKEN),
        None,
    ),
    c(
        "rn-48h-gap-minus-1s",
        AFTER_WIND_DOWN,
        via(BROADCAST, RN_SEND),
        with_tokens(
            wrote(AFTER_WIND_DOWN, 30 * D),
            token(NM, AFTER_WIND_DOWN, 60 * D, last_sent_at=AFTER_WIND_DOWN - 48 * H + S),
        ),
        PAGE,
        no(BlockCode.TOKEN_TOO_SOON, RN_SEND),
        GraphCode(4, 2018354),
    ),
    c(
        "rn-48h-gap-plus-1s",
        AFTER_WIND_DOWN,
        via(BROADCAST, RN_SEND),
        with_tokens(
            wrote(AFTER_WIND_DOWN, 30 * D),
            token(NM, AFTER_WIND_DOWN, 60 * D, last_sent_at=AFTER_WIND_DOWN - 48 * H - S),
        ),
        PAGE,
        ok(RN_SEND, None, recipient=RecipientForm.NOTIFICATION_MESSAGES_TOKEN),
        None,
    ),
    c(
        "rn-stopped",
        Y2025,
        via(BROADCAST, RN_SEND),
        with_tokens(wrote(Y2025, 30 * D), token(NM, Y2025, 60 * D, status=TokenStatus.STOPPED)),
        PAGE,
        no(BlockCode.TOKEN_STOPPED),
        GraphCode(10, 1893015),
    ),
    c(
        "rn-us-before-shutdown",
        at("2026-02-09T23:59:59"),
        via(BROADCAST, RN_SEND),
        with_tokens(
            wrote(at("2026-02-09T23:59:59"), 30 * D),
            token(NM, at("2026-02-09T23:59:59"), 60 * D, region="US"),
        ),
        PAGE,
        ok(RN_SEND, None, recipient=RecipientForm.NOTIFICATION_MESSAGES_TOKEN),
        None,
    ),
    c(
        "rn-us-after-shutdown",
        AFTER_RN_SHUTDOWN,
        via(BROADCAST, RN_SEND),
        with_tokens(
            wrote(AFTER_RN_SHUTDOWN, 30 * D), token(NM, AFTER_RN_SHUTDOWN, 60 * D, region="US")
        ),
        PAGE,
        no(BlockCode.TOKEN_REGION, PAID),
        GraphCode(100),
        "the same token still reaches a US person through the paid API",
    ),
    c(
        "rn-france-after-shutdown",
        AFTER_RN_SHUTDOWN,
        via(BROADCAST, RN_SEND),
        with_tokens(
            wrote(AFTER_RN_SHUTDOWN, 30 * D), token(NM, AFTER_RN_SHUTDOWN, 60 * D, region="FR")
        ),
        PAGE,
        ok(RN_SEND, None, recipient=RecipientForm.NOTIFICATION_MESSAGES_TOKEN),
        None,
        "France counts as the EU, where the Send-API path survived",
    ),
    c(
        "bot-does-not-spend-rn-token",
        Y2025,
        BOT,
        with_tokens(wrote(Y2025, 30 * D), token(NM, Y2025, 60 * D)),
        BARE,
        no(BlockCode.WINDOW_CLOSED, RN_SEND),
        OUTSIDE,
    ),
    c(
        "broadcast-auto-uses-rn-token",
        Y2025,
        BROADCAST,
        with_tokens(wrote(Y2025, 30 * D), token(NM, Y2025, 60 * D)),
        BARE,
        ok(RN_SEND, None, recipient=RecipientForm.NOTIFICATION_MESSAGES_TOKEN),
        None,
    ),
    # -- the paid Marketing Message API (same token) ---------------------------------------
    c(
        "mm-12h-gap-minus-1s",
        NOW,
        via(BROADCAST, PAID),
        with_tokens(
            wrote(NOW, 30 * D), token(NM, NOW, 60 * D, region="US", last_sent_at=NOW - 12 * H + S)
        ),
        PAGE,
        no(BlockCode.TOKEN_TOO_SOON, PAID),
        GraphCode(4, 2018354),
    ),
    c(
        "mm-12h-gap-plus-1s",
        NOW,
        via(BROADCAST, PAID),
        with_tokens(
            wrote(NOW, 30 * D), token(NM, NOW, 60 * D, region="US", last_sent_at=NOW - 12 * H - S)
        ),
        PAGE,
        ok(PAID, None, recipient=RecipientForm.NOTIFICATION_MESSAGES_TOKEN),
        None,
    ),
    c(
        "mm-excludes-eu",
        NOW,
        via(BROADCAST, PAID),
        with_tokens(wrote(NOW, 30 * D), token(NM, NOW, 60 * D, region="DE")),
        PAGE,
        no(BlockCode.TOKEN_REGION, RN_SEND),
        GraphCode(2300052),
    ),
    c(
        "mm-page-not-onboarded",
        NOW,
        via(BROADCAST, PAID),
        with_tokens(wrote(NOW, 30 * D), token(NM, NOW, 60 * D, region="US")),
        BARE,
        no(BlockCode.FEATURE_MISSING),
        GraphCode(10),
    ),
    # -- private replies ------------------------------------------------------------------
    c(
        "private-reply-7d-minus-1s",
        NOW,
        private_reply(BOT),
        comment(NOW, 7 * D - S),
        PAGE,
        ok(Mechanism.PRIVATE_REPLY, RESPONSE, recipient=RecipientForm.COMMENT_ID),
        None,
    ),
    c(
        "private-reply-7d-plus-1s",
        NOW,
        private_reply(BOT),
        comment(NOW, 7 * D + S),
        PAGE,
        no(BlockCode.PRIVATE_REPLY_EXPIRED),
        GraphCode(10903),
    ),
    c(
        "private-reply-used",
        NOW,
        private_reply(AGENT),
        comment(NOW, D, used=True),
        PAGE,
        no(BlockCode.PRIVATE_REPLY_USED),
        GraphCode(10900),
    ),
    c(
        "private-reply-to-visitor-post",
        NOW,
        private_reply(AGENT),
        comment(NOW, 2 * D, post=True),
        PAGE,
        ok(Mechanism.PRIVATE_REPLY, RESPONSE, recipient=RecipientForm.POST_ID),
        None,
    ),
    # -- blocks, restrictions, routing ----------------------------------------------------
    c(
        "person-blocked-the-page",
        NOW,
        BOT,
        wrote(NOW, H, blocked=True),
        PAGE,
        no(BlockCode.RECIPIENT_BLOCKED),
        GraphCode(551, 1545041),
    ),
    c(
        "page-restricted",
        NOW,
        AGENT,
        wrote(NOW, H),
        replace(PAGE, restricted_until=NOW + 2 * D),
        no(BlockCode.PAGE_RESTRICTED),
        GraphCode(368),
        "before 2026-06-25 a restriction answered 368",
    ),
    c(
        "page-restricted-after-june-2026",
        LATE_2026,
        AGENT,
        wrote(LATE_2026, H),
        replace(PAGE, restricted_until=LATE_2026 + 2 * D),
        no(BlockCode.PAGE_RESTRICTED),
        GraphCode(10, 1893063),
    ),
    c(
        "page-restriction-ended-1s-ago",
        NOW,
        AGENT,
        wrote(NOW, H),
        replace(PAGE, restricted_until=NOW - S),
        ok(WINDOW, RESPONSE),
        None,
    ),
    c(
        "thread-controlled-by-another-app",
        NOW,
        BOT,
        wrote(NOW, H, controlled_elsewhere=True),
        PAGE,
        no(BlockCode.THREAD_CONTROLLED_ELSEWHERE),
        GraphCode(10, 2018300),
    ),
    # -- sender actions and opt-in requests -----------------------------------------------
    c(
        "typing-on-inside-window",
        NOW,
        replace(BOT, content=ContentKind.SENDER_ACTION),
        wrote(NOW, 2 * H),
        PAGE,
        ok(WINDOW, None),
        None,
    ),
    c(
        "typing-on-outside-window",
        NOW,
        replace(BOT, content=ContentKind.SENDER_ACTION),
        wrote(NOW, 2 * D),
        PAGE,
        no(BlockCode.WINDOW_CLOSED),
        OUTSIDE,
        "UNVERIFIED in the reference (docs silent): sender actions follow the window",
    ),
    c(
        "optin-request-inside-window",
        NOW,
        replace(BOT, content=ContentKind.OPTIN_REQUEST),
        wrote(NOW, 2 * H),
        PAGE,
        ok(WINDOW, RESPONSE),
        None,
    ),
    c(
        "optin-request-outside-window",
        NOW,
        replace(AGENT, content=ContentKind.OPTIN_REQUEST),
        wrote(NOW, 30 * H),
        PAGE,
        no(BlockCode.WINDOW_CLOSED),
        OUTSIDE,
        "an opt-in request never goes under HUMAN_AGENT",
    ),
    c(
        "tag-mechanism-without-tag",
        NOW,
        via(BOT, TAG),
        wrote(NOW, 2 * D),
        PAGE,
        no(BlockCode.INVALID_REQUEST),
        GraphCode(100),
    ),
)
