"""The Messenger Platform policy, as dated rules: the emulator's one table.

Each rule holds between two dates (``since`` inclusive, ``until`` exclusive; ``None`` means
open-ended) and the emulator applies the rules in force at its own clock's time, so a test can
run any date: in 2020 the update tags still work, after 2026-04-27 they are refused.

Where the reference marks a fact UNVERIFIED or CONFLICT, the reading marked "use" is taken and
the comment says so. Change a rule here and nowhere else.

This module is the emulator's own reading of Meta's rules. Comptoir's policy engine
(``comptoir.domain.policy``) is a separate implementation and must not be imported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def _d(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Rule:
    """One dated fact of the policy. ``value`` is what the rule says while it holds."""

    name: str
    value: Any
    since: datetime | None = None
    until: datetime | None = None
    source: str = ""

    def holds_at(self, at: datetime) -> bool:
        return (self.since is None or at >= self.since) and (self.until is None or at < self.until)


HOUR = 3600.0
DAY = 24 * HOUR

#: What opens (resets) the standard messaging window, and for how long. A person's action of
#: one of these kinds sets ``last_qualifying_action`` and the window length (reference §3.1).
#: Opting in to notifications, delivery and read receipts and the Page's own messages do not.
#: The window length itself is also a setting (``features.window_hours``); these are defaults.
WINDOW_OPENERS: tuple[Rule, ...] = (
    Rule("window.message", 24 * HOUR, source="SEND §3.1 item 1"),
    Rule("window.postback", 24 * HOUR, source="SEND §3.1 item 2 (Get Started, postback, menu)"),
    Rule("window.quick_reply", 24 * HOUR, source="SEND §3.1 (a quick reply is a message)"),
    Rule("window.referral_existing_thread", 24 * HOUR, source="MME: m.me on an existing thread"),
    Rule("window.reaction", 24 * HOUR, source="SEND §3.1 item 7"),
    # CONFLICT: policy copy "Sep 28, 2026" says up to 7 days after the first message from a
    # Click-to-Messenger ad. Single source, so the default stays 24 h; the emulator setting
    # features.ad_window_hours changes it.
    Rule("window.ad_message", 24 * HOUR, source="POLICY Sep 2026 [single source]"),
)


def window_opened_by(action: str, at: datetime) -> float | None:
    """Seconds of standard window opened by a person's ``action`` at ``at``, or None.

    ``action`` is one of: message, postback, quick_reply, referral_existing_thread, reaction,
    ad_message, optin, read, delivery.
    """
    name = f"window.{action}"
    for rule in WINDOW_OPENERS:
        if rule.name == name and rule.holds_at(at):
            return float(rule.value)
    return None
