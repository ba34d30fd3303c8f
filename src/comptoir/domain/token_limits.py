"""How often one notification token may carry a message (reference §9), for reservations.

The policy engine (``policy_tokens``) says whether a token may be used now; these limits are
what the token store enforces when it reserves a token, atomically, for one message:
- a one-time token: once, within a year of the opt-in;
- a ``notification_messages`` token through the Send API: one message per 24 h (48 h from
  2025-09-01), and never more often than the frequency the person chose when tokens still
  had one (WEEKLY, MONTHLY: older tokens keep their cadence);
- the same token through the paid Marketing Message API: one message per 12 h.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from comptoir.domain import policy_rules as rules
from comptoir.domain.policy_model import Mechanism, TokenKind

FREQUENCY_GAPS = {
    "DAILY": timedelta(hours=24),
    "WEEKLY": timedelta(days=7),
    "MONTHLY": timedelta(days=30),
}


@dataclass(frozen=True, slots=True)
class TokenLimits:
    """``single_use``: at most one message ever; else at most one per ``min_gap``.
    ``check_expiry``: the token's ``expires_at`` is in force (one-time tokens; recurring
    tokens only before Aug 10, 2023)."""

    single_use: bool
    min_gap: timedelta
    check_expiry: bool


def limits(
    kind: TokenKind, frequency: str | None, mechanism: Mechanism, now: datetime
) -> TokenLimits:
    if kind is TokenKind.ONE_TIME:
        return TokenLimits(single_use=True, min_gap=timedelta(0), check_expiry=True)
    expire = rules.in_force("notification_messages.tokens_expire", now)
    if mechanism is Mechanism.MARKETING_MESSAGE:
        gap = rules.duration("marketing_messages.min_gap", now)
    else:
        gap = rules.duration("notification_messages.min_gap", now)
        gap = max(gap, FREQUENCY_GAPS.get((frequency or "").upper(), timedelta(0)))
    return TokenLimits(single_use=False, min_gap=gap, check_expiry=expire)


def one_time_expiry(created_at: datetime) -> datetime:
    """When a one-time token stops working."""
    return created_at + rules.duration("otn.max_age", max(created_at, rules.OTN_LAUNCH))
