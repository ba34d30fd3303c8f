"""The values the policy engine takes and returns (``policy.decide``).

In: a ``SendRequest`` (who sends what, and how they would like it to go), the
``ConversationState`` of one (Page, person) pair, the Page's ``PageCapabilities``.
Out: ``Allowed`` (the messaging_type, tag and recipient form to send with, and until when
that holds) or ``Blocked`` (a code, a plain-English reason, the next legal option, and the
Graph error Meta would answer if the message were sent anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from comptoir.domain.policy_rules import GraphCode


class SenderKind(StrEnum):
    BOT = "bot"
    AGENT = "agent"  # a person answering in the inbox
    BROADCAST = "broadcast"
    SYSTEM = "system"  # automatic notices: order shipped, appointment reminder


class ContentKind(StrEnum):
    TEXT = "text"
    ATTACHMENT = "attachment"
    TEMPLATE = "template"
    OPTIN_REQUEST = "optin_request"  # notification_messages or one_time_notif_req template
    UTILITY_TEMPLATE = "utility_template"
    SENDER_ACTION = "sender_action"


class Mechanism(StrEnum):
    """How a message goes (or may go) out."""

    AUTO = "auto"  # let the engine pick
    WINDOW = "window"  # RESPONSE / UPDATE inside the standard window
    TAG = "tag"  # MESSAGE_TAG with a tag
    UTILITY = "utility"  # messaging_type UTILITY with an approved template
    ONE_TIME_NOTIFICATION = "one_time_notification"
    NOTIFICATION_MESSAGES = "notification_messages"  # recurring token, Send API (legacy)
    MARKETING_MESSAGE = "marketing_message"  # the paid Marketing Message API, same tokens
    PRIVATE_REPLY = "private_reply"


class MessagingType(StrEnum):
    RESPONSE = "RESPONSE"
    UPDATE = "UPDATE"
    MESSAGE_TAG = "MESSAGE_TAG"
    UTILITY = "UTILITY"


class RecipientForm(StrEnum):
    """The key under ``recipient`` in the Send API body (reference §2.3)."""

    ID = "id"
    ONE_TIME_NOTIF_TOKEN = "one_time_notif_token"  # noqa: S105 (a name, not a secret)
    NOTIFICATION_MESSAGES_TOKEN = "notification_messages_token"  # noqa: S105 (a name, not a secret)
    COMMENT_ID = "comment_id"
    POST_ID = "post_id"


class TokenKind(StrEnum):
    ONE_TIME = "one_time"
    NOTIFICATION_MESSAGES = "notification_messages"


class TokenStatus(StrEnum):
    ACTIVE = "active"
    STOPPED = "stopped"  # the person tapped "Stop these messages"


class TemplateStatus(StrEnum):
    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"
    PAUSED = "paused"


class TemplateCategory(StrEnum):
    UTILITY = "utility"
    MARKETING = "marketing"


class BlockCode(StrEnum):
    PAGE_RESTRICTED = "page_restricted"
    RECIPIENT_BLOCKED = "recipient_blocked"
    THREAD_CONTROLLED_ELSEWHERE = "thread_controlled_elsewhere"
    NO_CONVERSATION = "no_conversation"
    WINDOW_CLOSED = "window_closed"
    HUMAN_AGENT_EXPIRED = "human_agent_expired"
    HUMAN_ONLY = "human_only"
    FEATURE_MISSING = "feature_missing"
    TAG_UNKNOWN = "tag_unknown"
    TAG_RETIRED = "tag_retired"
    TAG_EXPIRED = "tag_expired"
    PROMOTIONAL_CONTENT = "promotional_content"
    TEMPLATE_MISSING = "template_missing"
    TEMPLATE_NOT_APPROVED = "template_not_approved"
    TEMPLATE_NOT_UTILITY = "template_not_utility"
    UTILITY_UNAVAILABLE = "utility_unavailable"
    TOKEN_MISSING = "token_missing"  # noqa: S105 (a name, not a secret)
    TOKEN_USED = "token_used"  # noqa: S105 (a name, not a secret)
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 (a name, not a secret)
    TOKEN_STOPPED = "token_stopped"  # noqa: S105 (a name, not a secret)
    TOKEN_TOO_SOON = "token_too_soon"  # noqa: S105 (a name, not a secret)
    TOKEN_REGION = "token_region"  # noqa: S105 (a name, not a secret)
    MECHANISM_UNAVAILABLE = "mechanism_unavailable"
    PRIVATE_REPLY_MISSING = "private_reply_missing"
    PRIVATE_REPLY_USED = "private_reply_used"
    PRIVATE_REPLY_EXPIRED = "private_reply_expired"
    INVALID_REQUEST = "invalid_request"


@dataclass(frozen=True, slots=True)
class UtilityTemplate:
    name: str
    status: TemplateStatus
    category: TemplateCategory = TemplateCategory.UTILITY


@dataclass(frozen=True, slots=True)
class SendRequest:
    """A message about to be sent, as the sender would like it to go."""

    sender: SenderKind
    content: ContentKind = ContentKind.TEXT
    promotional: bool = False
    mechanism: Mechanism = Mechanism.AUTO
    #: With ``Mechanism.TAG``: the tag wanted.
    tag: str | None = None
    #: With a token mechanism: the token to use (None: any usable token of that kind).
    token: str | None = None
    #: With ``ContentKind.UTILITY_TEMPLATE``: the template and its review state.
    template: UtilityTemplate | None = None
    #: With ``Mechanism.PRIVATE_REPLY``: the comment or post answered.
    private_reply_to: str | None = None
    #: A proactive message inside the window goes as UPDATE instead of RESPONSE.
    proactive: bool = False


#: The issue's name for the same thing.
OutboundIntent = SendRequest


@dataclass(frozen=True, slots=True)
class NotificationToken:
    token: str
    kind: TokenKind
    created_at: datetime
    status: TokenStatus = TokenStatus.ACTIVE
    #: One-time tokens: when it was used (single use).
    used_at: datetime | None = None
    #: notification_messages tokens: the last message sent with it (frequency cap).
    last_sent_at: datetime | None = None
    #: notification_messages tokens before Aug 10, 2023 carried an expiry.
    expires_at: datetime | None = None
    #: Where the person is, for the 2026 shutdown (see ``policy_rules``): AU, EU, JP, ...
    region: str | None = None


@dataclass(frozen=True, slots=True)
class PrivateReplyRight:
    """A comment or visitor post that allows one private reply (reference §3.5)."""

    object_id: str
    created_at: datetime
    is_post: bool = False
    used: bool = False


@dataclass(frozen=True, slots=True)
class ConversationState:
    """What the engine knows about one (Page, person) pair (reference Appendix D)."""

    last_user_message_at: datetime | None = None
    last_qualifying_action_at: datetime | None = None
    #: The window the last qualifying action opened; None: the standard length then.
    window_length: timedelta | None = None
    #: A send got 551: the person blocked the Page or is unreachable.
    blocked: bool = False
    tokens: tuple[NotificationToken, ...] = ()
    private_replies: tuple[PrivateReplyRight, ...] = ()
    #: Conversation routing: another app owns the thread (error 2018300).
    controlled_elsewhere: bool = False


@dataclass(frozen=True, slots=True)
class PageCapabilities:
    human_agent: bool = False
    utility_messaging: bool = False
    one_time_notifications: bool = False
    news_messaging: bool = False
    #: Onboarded to the paid Marketing Message API.
    marketing_messages: bool = False
    #: After policy enforcement: no sends until then.
    restricted_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Allowed:
    messaging_type: MessagingType | None
    tag: str | None
    recipient: RecipientForm
    mechanism: Mechanism
    #: The value under ``recipient`` when it is not the PSID (token, comment or post id).
    recipient_value: str | None = None
    #: Until when this decision holds (window end, HUMAN_AGENT end, token expiry).
    valid_until: datetime | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NextOption:
    """The next legal way to reach the person, for whom, and when."""

    mechanism: Mechanism
    senders: frozenset[SenderKind]
    tag: str | None = None
    not_before: datetime | None = None
    until: datetime | None = None


ANY_SENDER = frozenset(SenderKind)
HUMANS = frozenset({SenderKind.AGENT})


@dataclass(frozen=True, slots=True)
class Blocked:
    code: BlockCode
    reason: str
    next_option: NextOption | None = None
    #: What Meta would answer if sent anyway; None when Meta accepts it at the API but the
    #: policy forbids it (promotional content under a tag, a bot using HUMAN_AGENT).
    graph_error: GraphCode | None = None
    #: When the blocking condition began (the window closed, the token was used...).
    since: datetime | None = None
    #: When it ends by itself (a restriction, a frequency cap).
    until: datetime | None = None
    sender: SenderKind | None = None
    decided_at: datetime | None = None
    #: What the reason is about: a tag, a template name, a token kind, an object id, or for
    #: ``INVALID_REQUEST`` the problem's key (see ``policy_text``).
    subject: str | None = None


Decision = Allowed | Blocked
