"""The vocabulary of the dated rule table (``policy_rules``): rows, tag terms, Graph codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Feature(StrEnum):
    """A Page feature (App Review or Page setting) some mechanisms need."""

    HUMAN_AGENT = "human_agent"
    NEWS_MESSAGING = "news_messaging"
    UTILITY_MESSAGING = "utility_messaging"
    ONE_TIME_NOTIFICATIONS = "one_time_notifications"
    MARKETING_MESSAGES = "marketing_messages"


class QualifyingAction(StrEnum):
    """A person's action as the window rules see it (reference §3.1)."""

    MESSAGE = "message"
    POSTBACK = "postback"
    QUICK_REPLY = "quick_reply"
    REACTION = "reaction"
    REFERRAL_EXISTING_THREAD = "referral_existing_thread"
    AD_MESSAGE = "ad_message"
    OPTIN = "optin"
    DELIVERY = "delivery"
    READ = "read"
    COMMENT = "comment"
    VISITOR_POST = "visitor_post"


@dataclass(frozen=True, slots=True)
class GraphCode:
    """An error Meta answers with: ``code`` and optional ``error_subcode``."""

    code: int
    subcode: int | None = None

    def __str__(self) -> str:
        return str(self.code) if self.subcode is None else f"{self.code}/{self.subcode}"


@dataclass(frozen=True, slots=True)
class TagTerms:
    """What a message tag allows while it is in force."""

    tag: str
    #: Longest time since the person's last message (None: no limit).
    max_age: timedelta | None = None
    #: Only a person (an agent) may send with it, never automation.
    human_only: bool = False
    #: Page feature needed, and what Meta answers without it.
    feature: Feature | None = None
    missing_feature_error: GraphCode | None = None
    #: What Meta answers once the tag is out of force (or before it existed).
    out_of_force_error: GraphCode = GraphCode(100)


RuleValue = timedelta | GraphCode | TagTerms | frozenset[str] | bool


@dataclass(frozen=True, slots=True)
class Rule:
    """One dated fact of the policy."""

    name: str
    value: RuleValue
    since: datetime | None = None
    until: datetime | None = None
    source: str = ""
    note: str = ""

    def holds_at(self, at: datetime) -> bool:
        return (self.since is None or at >= self.since) and (self.until is None or at < self.until)
