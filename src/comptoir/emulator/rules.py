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

#: The policy change of 2020-03-04: the 17 old tags and the "24 + 1" rule end, the new tag set
#: (three update tags, HUMAN_AGENT, CUSTOMER_FEEDBACK) begins. [SEND §2.5; CHLOG archive]
POLICY_2020 = _d("2020-03-04")
#: The three update tags are refused with 100/1893061 from this day (§2.5, §11 "use").
UPDATE_TAGS_RETIRED = _d("2026-04-27")


@dataclass(frozen=True, slots=True)
class TagPolicy:
    """What a message tag allows while its rule holds.

    ``retired``: refused with 100/1893061. ``max_age_seconds``: only within this long after the
    person's last message (HUMAN_AGENT, CUSTOMER_FEEDBACK). ``feature``: the Page feature the app
    needs (``Page.features``); without it the send is refused.
    """

    retired: bool = False
    max_age_seconds: float | None = None
    feature: str | None = None


_RETIRED = TagPolicy(retired=True)
_ANY_TIME = TagPolicy()

#: The tags of the pre-2020 policy that ended on 2020-03-04 (ACCOUNT_UPDATE and
#: NON_PROMOTIONAL_SUBSCRIPTION carried over and have their own rules). [rubydoc Bot::Tag]
_PRE_2020_TAGS = (
    "BUSINESS_PRODUCTIVITY",
    "COMMUNITY_ALERT",
    "CONFIRMED_EVENT_REMINDER",
    "PAIRING_UPDATE",
    "APPLICATION_UPDATE",
    "PAYMENT_UPDATE",
    "PERSONAL_FINANCE_UPDATE",
    "SHIPPING_UPDATE",
    "RESERVATION_UPDATE",
    "ISSUE_RESOLUTION",
    "APPOINTMENT_UPDATE",
    "GAME_EVENT",
    "TRANSPORTATION_UPDATE",
    "FEATURE_FUNCTIONALITY_UPDATE",
    "TICKET_UPDATE",
)
#: Retired on 2026-04-27 (introduced 2020-03-04, except ACCOUNT_UPDATE which predates it).
UPDATE_TAGS = ("CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE")

#: The one table. Names: ``window.*`` (what opens the standard window and for how long, plus
#: the pre-2020 extra message), ``tag.<TAG>`` (a ``TagPolicy``), ``otn.*`` (legacy one-time
#: notifications), ``rn.*`` (recurring notifications / marketing messages on the Send API),
#: ``mm.*`` (the paid Marketing Message API), ``private_reply.*``, ``restriction.*``,
#: ``blocked.*``, ``utility.*``, ``message.*`` (content rules that changed with time),
#: ``send.*`` (Send API behaviour). ``rule_at``/``value_at`` answer for an instant.
RULES: tuple[Rule, ...] = (
    # ---- the standard messaging window (§3.1) ----
    Rule("window.message", 24 * HOUR, source="SEND §3.1 item 1"),
    Rule("window.postback", 24 * HOUR, source="SEND §3.1 item 2 (Get Started, postback, menu)"),
    Rule("window.quick_reply", 24 * HOUR, source="SEND §3.1 (a quick reply is a message)"),
    Rule("window.referral_existing_thread", 24 * HOUR, source="MME: m.me on an existing thread"),
    Rule("window.reaction", 24 * HOUR, source="SEND §3.1 item 7"),
    # CONFLICT: policy copy "Sep 28, 2026" says up to 7 days after the first message from a
    # Click-to-Messenger ad. Single source, so the default stays 24 h; the emulator setting
    # features.ad_window_hours changes it.
    Rule("window.ad_message", 24 * HOUR, source="POLICY Sep 2026 [single source]"),
    # "24 + 1": before 2020-03-04 one untagged message was allowed after the window closed.
    Rule("window.plus_one", True, until=POLICY_2020, source="§2.5 (Aug 2019 announcement)"),
    # ---- message tags (§2.5, §3.2, §3.4) ----
    *(
        Rule(f"tag.{tag}", _ANY_TIME, until=POLICY_2020, source="§2.5 pre-2020 set")
        for tag in _PRE_2020_TAGS
    ),
    Rule("tag.ACCOUNT_UPDATE", _ANY_TIME, until=UPDATE_TAGS_RETIRED, source="§2.5"),
    Rule(
        "tag.CONFIRMED_EVENT_UPDATE",
        _ANY_TIME,
        since=POLICY_2020,
        until=UPDATE_TAGS_RETIRED,
        source="§2.5",
    ),
    Rule(
        "tag.POST_PURCHASE_UPDATE",
        _ANY_TIME,
        since=POLICY_2020,
        until=UPDATE_TAGS_RETIRED,
        source="§2.5",
    ),
    # CONFLICT on the retirement date (Jan 12 / Feb 10 / Apr 27 2026): §11 says use Apr 27.
    *(
        Rule(
            f"tag.{tag}", _RETIRED, since=UPDATE_TAGS_RETIRED, source="CHLOG Mar 27 2026; CW #14669"
        )
        for tag in UPDATE_TAGS
    ),
    # HUMAN_AGENT: 7 days after the person's last message, Human Agent feature required. It
    # existed as a beta before 2020, so it has no start date here.
    Rule(
        "tag.HUMAN_AGENT",
        TagPolicy(max_age_seconds=7 * DAY, feature="human_agent"),
        source="§2.5, §3.4",
    ),
    # [UNVERIFIED status in 2026]: kept, within 7 days of the person's last message.
    Rule(
        "tag.CUSTOMER_FEEDBACK",
        TagPolicy(max_age_seconds=7 * DAY),
        since=POLICY_2020,
        source="§2.5, §3.2",
    ),
    # Subscription messaging before 2020, News Messaging (NPI Pages) after: a Page feature.
    Rule(
        "tag.NON_PROMOTIONAL_SUBSCRIPTION", TagPolicy(feature="news_messaging"), source="§2.4, §2.5"
    ),
    # ---- utility templates (§9.4) ----
    # [UNVERIFIED, implied]: utility templates replace the update tags, so they may be sent
    # outside the window. No start date is given by the reference.
    Rule("utility.outside_window", True, source="§9.4"),
    Rule("utility.image_header", True, since=_d("2025-09-29"), source="§9.4 images since"),
    Rule("utility.named_parameters", True, since=_d("2026-03-06"), source="§9.4 named since"),
    # ---- one-time notifications (§9.1), legacy: also behind features.one_time_notifications ----
    Rule("otn.available", True, since=_d("2020-02-04"), source="§9.1 beta launch"),
    Rule("otn.token_lifetime", 365 * DAY, source="§9.1 'expires within 1 year'"),
    Rule("otn.messages_per_token", 1, source="§9.1"),
    # ---- recurring notifications / marketing messages on the Send API (§9.2) ----
    # Tokens expired (DAILY: 6 months) until 2023-08-10, never after.
    Rule("rn.token_lifetime", 183 * DAY, until=_d("2023-08-10"), source="§9.2 DAILY = 6 months"),
    Rule("rn.token_lifetime", None, since=_d("2023-08-10"), source="§9.2 Aug 10 2023"),
    Rule("rn.min_interval", 24 * HOUR, until=_d("2025-09-01"), source="§9.2 DAILY frequency"),
    Rule("rn.min_interval", 48 * HOUR, since=_d("2025-09-01"), source="§9.2 1 per 48 h rolling"),
    # CONFLICT Jan 12 vs Feb 10 2026: §11 says use Feb 10 2026 (the geo exceptions AU, EU, JP,
    # KR, UK are not modelled: the emulator does not know a person's country).
    Rule("rn.available", True, until=_d("2026-02-10"), source="§9.2, §11"),
    Rule("rn.available", False, since=_d("2026-02-10"), source="§9.2, §11"),
    Rule(
        "rn.optin_title_required", True, until=_d("2023-02-21"), source="§2.11 title optional since"
    ),
    Rule(
        "rn.optin_default_title", "Updates and promotions", since=_d("2023-02-21"), source="§2.11"
    ),
    Rule(
        "rn.optin_same_title_interval", 7 * DAY, since=_d("2023-02-21"), source="§9.2 one per week"
    ),
    # ---- Marketing Message API, paid (§9.3) ----
    Rule("mm.available", True, since=_d("2025-07-01"), source="§9.3 launch"),
    Rule(
        "mm.token_min_interval",
        12 * HOUR,
        since=_d("2025-07-01"),
        source="§9.3 1 per 12 h per token",
    ),
    Rule("mm.text_max", 640, since=_d("2025-07-01"), source="§9.3 text <= 640"),
    # ---- private replies (§3.5) ----
    Rule("private_reply.max_age", 7 * DAY, source="§3.5"),
    Rule("private_reply.messages", 1, source="§3.5"),
    Rule("private_reply.text_only", True, until=_d("2019-09-30"), source="§3.5 all types since"),
    # ---- blocks and restrictions (§3.6) ----
    Rule("blocked.error", (551, 1545041), source="§3.6, §4.2"),
    Rule("restriction.error", (368, None), until=_d("2026-06-25"), source="§3.6 error 368"),
    Rule(
        "restriction.error", (10, 1893063), since=_d("2026-06-25"), source="§3.6 added Jun 25 2026"
    ),
    # ---- content rules that changed with time (§2.2, §2.8, §2.9) ----
    Rule("message.quick_reply_location", True, until=_d("2019-10-29"), source="§2.9 removed v4.0"),
    Rule("message.multiple_images", 30, since=_d("2025-03-19"), source="§2.8"),
    Rule("message.sticker_id", True, since=_d("2026-06-01"), source="§2.8 Sticker API"),
    Rule("button.audio_call", True, since=_d("2026-02-11"), source="§2.10 Calling GA"),
    # Nested persistent menus were removed (v8.0, then all versions on 2022-08-04); the
    # current limit is 20 items (CONFLICT with the old 3 top-level items: §11 says use 20).
    Rule("profile.menu_nested", True, until=_d("2022-08-04"), source="§6.1"),
    Rule("profile.menu_items_max", 20, source="§6.1, §11"),
    # 320 (2016) -> 640 (2017) -> 2000: the old dates are not known precisely.
    Rule("message.text_max", 2000, source="§2.2"),
    # ---- Send API behaviour ----
    # CONFLICT (§11): messaging_type "required since May 7 2018" vs accepted when omitted;
    # the emulator treats an omitted messaging_type as RESPONSE.
    Rule("send.default_messaging_type", "RESPONSE", source="§11 use"),
    # [UNVERIFIED]: sender actions obey the window like other sends (§2.6, §3.7 assumption).
    Rule("send.sender_actions_need_window", True, source="§2.6 assumption"),
)

#: What opens (resets) the standard messaging window, and for how long. A person's action of
#: one of these kinds sets ``last_qualifying_action`` and the window length (reference §3.1).
#: Opting in to notifications, delivery and read receipts and the Page's own messages do not.
#: The window length itself is also a setting (``features.window_hours``); these are defaults.
WINDOW_OPENERS: tuple[Rule, ...] = tuple(
    rule for rule in RULES if rule.name.startswith("window.") and rule.name != "window.plus_one"
)

_BY_NAME: dict[str, tuple[Rule, ...]] = {}
for _rule in RULES:
    _BY_NAME[_rule.name] = (*_BY_NAME.get(_rule.name, ()), _rule)


def rule_at(name: str, at: datetime) -> Rule | None:
    """The rule called ``name`` that holds at ``at``, if any."""
    for rule in _BY_NAME.get(name, ()):
        if rule.holds_at(at):
            return rule
    return None


def value_at(name: str, at: datetime, default: Any = None) -> Any:
    """What the rule called ``name`` says at ``at``, or ``default`` when none holds."""
    rule = rule_at(name, at)
    return default if rule is None else rule.value


def tag_policy(tag: str, at: datetime) -> TagPolicy | None:
    """What ``tag`` allows at ``at``; None when the tag is not (or no longer) a valid value."""
    value = value_at(f"tag.{tag}", at)
    return value if isinstance(value, TagPolicy) else None


def within(start_ms: int | None, seconds: float, now_ms: int) -> bool:
    """Whether ``now_ms`` is at most ``seconds`` after ``start_ms``.

    The end is inclusive, as the reference's decision table reads (§3.7: "now - last action
    <= window length"): 24 h after the message the window is still open, a millisecond later
    it is closed. An action after ``now_ms`` (the clock was sent back) does not count.
    """
    if start_ms is None:
        return False
    elapsed = now_ms - start_ms
    return 0 <= elapsed <= seconds * 1000


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
