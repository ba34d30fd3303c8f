"""The Messenger Platform policy as dated data: Comptoir's one table of rules.

Each row holds from ``since`` (inclusive) to ``until`` (exclusive); ``None`` is open-ended.
``policy.decide`` asks this table for what holds at the moment of sending, so a test can run
any date: in 2019 ``SHIPPING_UPDATE`` is a tag, in 2021 ``POST_PURCHASE_UPDATE`` is, and from
2026-04-27 Meta refuses it with code 100 / subcode 1893061.

Sources are the keys of the reference (``messenger-platform.md`` §0.1). Where the reference
marks a fact CONFLICT or UNVERIFIED, ``note`` names the reading used. Change a rule here and
nowhere else.

Comptoir predicts Meta; the emulator (``comptoir.emulator.rules``) plays Meta. The two are
separate readings of the same reference and must not import each other.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# The table's vocabulary, re-exported: callers import it from here.
from comptoir.domain.policy_terms import Feature as Feature
from comptoir.domain.policy_terms import GraphCode as GraphCode
from comptoir.domain.policy_terms import QualifyingAction as QualifyingAction
from comptoir.domain.policy_terms import Rule as Rule
from comptoir.domain.policy_terms import RuleValue as RuleValue
from comptoir.domain.policy_terms import TagTerms as TagTerms


def _day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

#: Dates the table turns on, named so tests and messages can refer to them.
TAGS_2020 = _day("2020-03-04")
OTN_LAUNCH = _day("2020-02-04")
RN_TOKENS_STOP_EXPIRING = _day("2023-08-10")
RN_WIND_DOWN = _day("2025-09-01")
RN_SHUTDOWN = _day("2026-02-10")
UPDATE_TAGS_RETIRED = _day("2026-04-27")
UTILITY_FIRST_SEEN = _day("2025-09-29")
MM_API_LAUNCH = _day("2025-07-01")
RESTRICTION_SUBCODE = _day("2026-06-25")


INVALID_TAG = GraphCode(100)
OUTSIDE_WINDOW = GraphCode(10, 2018278)
RETIRED_UPDATE_TAG = GraphCode(100, 1893061)

#: The three update tags of 2020, their pre-2020 ancestors, and the tags that outlived them.
UPDATE_TAGS_2020 = ("CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE")
LEGACY_TAGS = (
    "BUSINESS_PRODUCTIVITY",
    "COMMUNITY_ALERT",
    "CONFIRMED_EVENT_REMINDER",
    "PAIRING_UPDATE",
    "APPLICATION_UPDATE",
    "ACCOUNT_UPDATE",
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

_HUMAN_AGENT = TagTerms(
    "HUMAN_AGENT",
    max_age=7 * DAY,
    human_only=True,
    feature=Feature.HUMAN_AGENT,
    # A tag the app may not use is an exception that does not apply: "outside of allowed
    # window ... or invalid exception" (reference §4.2, 10/2018278).
    missing_feature_error=OUTSIDE_WINDOW,
)
_NEWS = TagTerms(
    "NON_PROMOTIONAL_SUBSCRIPTION",
    feature=Feature.NEWS_MESSAGING,
    missing_feature_error=GraphCode(10, 2018065),
)

RULES: tuple[Rule, ...] = (
    # -- the standard window (reference §3.1) ----------------------------------------------
    Rule("window.standard", 24 * HOUR, source="SEND; POLICY"),
    Rule(
        "window.ad_message",
        7 * DAY,
        source="POLICY copy 'Updated Sep 28, 2026'",
        note="CONFLICT/single source: up to 7 days after the first message from a CTM ad. "
        "Used only when the long_ad_window setting is on; the default reading is 24 h.",
    ),
    Rule("window.closed_error", OUTSIDE_WINDOW, source="ERR; Appendix C"),
    # -- message tags by era (reference §2.5, §3.2, §11) ------------------------------------
    *(
        Rule(f"tag.{tag}", TagTerms(tag), until=TAGS_2020, source="SENDREF (rubydoc Bot::Tag)")
        for tag in LEGACY_TAGS
    ),
    Rule(
        "tag.HUMAN_AGENT",
        _HUMAN_AGENT,
        source="POLICY; SEND §2.5; CW human_agent_tag_helpers",
        note="Closed beta before 2020, App-Review feature after; one open-ended row. Used only "
        "outside the 24 h window (Chatwoot's reading): inside it the message goes as RESPONSE.",
    ),
    Rule("tag.NON_PROMOTIONAL_SUBSCRIPTION", _NEWS, source="POLICY 'News messaging'; ERR"),
    *(
        Rule(
            f"tag.{tag}",
            TagTerms(tag, out_of_force_error=RETIRED_UPDATE_TAG),
            since=TAGS_2020,
            until=UPDATE_TAGS_RETIRED,
            source="CHLOG Mar 27 2026; SEND; CW #14669",
            note="CONFLICT on the end date (Jan 12 / Feb 10 / Apr 27 2026): Apr 27 2026 used, "
            "as the reference's §11 says; Meta answers 100/1893061 from then.",
        )
        for tag in UPDATE_TAGS_2020
    ),
    Rule(
        "tag.CUSTOMER_FEEDBACK",
        TagTerms("CUSTOMER_FEEDBACK", max_age=7 * DAY),
        since=TAGS_2020,
        source="SENDREF copies",
        note="UNVERIFIED status in 2026; reading used: open-ended, within 7 days of the last "
        "message.",
    ),
    # -- utility templates (reference §2.11, §9.4) -------------------------------------------
    Rule(
        "utility.available",
        True,
        since=UTILITY_FIRST_SEEN,
        source="UTIL; CHLOG Sep 29 2025",
        note="UNVERIFIED launch date: the earliest dated mention (images, Sep 29 2025) is used. "
        "UNVERIFIED outside the window: read as allowed, since they replace the update tags.",
    ),
    Rule("utility.missing_permission_error", GraphCode(10), source="GERR (permission denied)"),
    Rule(
        "utility.template_error",
        GraphCode(100),
        source="ERR (invalid parameter)",
        note="UNVERIFIED: no documented error for an unapproved or non-utility template; 100 used.",
    ),
    # -- one-time notifications (reference §9.1) ---------------------------------------------
    Rule(
        "otn.available",
        True,
        since=OTN_LAUNCH,
        source="OTN; POLICY",
        note="UNVERIFIED whether sends still work in 2026; reading used: they do, for Pages "
        "with the feature.",
    ),
    Rule("otn.max_age", 365 * DAY, since=OTN_LAUNCH, source="POLICY ('expires within 1 year')"),
    Rule(
        "otn.token_error",
        GraphCode(100),
        source="reference §4.2",
        note="UNVERIFIED: no source for reuse/expiry; 100 'Invalid parameter' used, as "
        "the reference suggests.",
    ),
    Rule(
        "otn.missing_feature_error",
        GraphCode(100),
        source="reference §4.2, §9.1",
        note="UNVERIFIED: without the feature no token can have been issued, so the token "
        "is invalid: 100 used, as for a spent token.",
    ),
    # -- notification_messages tokens, Send-API path (reference §9.2) ------------------------
    Rule("notification_messages.min_gap", 24 * HOUR, until=RN_WIND_DOWN, source="RN (DAILY)"),
    Rule("notification_messages.min_gap", 48 * HOUR, since=RN_WIND_DOWN, source="CHLOG; RN"),
    Rule(
        "notification_messages.tokens_expire",
        True,
        until=RN_TOKENS_STOP_EXPIRING,
        source="CHLOG Aug 10 2023",
    ),
    Rule(
        "notification_messages.regions",
        frozenset({"AU", "EU", "JP", "KR", "UK"}),
        since=RN_SHUTDOWN,
        source="RN; MM-FAQ",
        note="CONFLICT Jan 12 vs Feb 10 2026: Feb 10 2026 used. Geography kept simple: a "
        "token carries one region code (AU, EU, JP, KR, UK, or any other code); EU member "
        "codes count as EU and GB as UK; a token with no region is outside.",
    ),
    Rule("notification_messages.too_soon_error", GraphCode(4, 2018354), source="ERR"),
    Rule("notification_messages.stopped_error", GraphCode(10, 1893015), source="ERR"),
    Rule(
        "notification_messages.shut_down_error",
        GraphCode(100),
        since=RN_SHUTDOWN,
        source="RN ('the API starts erroring')",
        note="UNVERIFIED code: 100 used.",
    ),
    # -- Marketing Message API, paid (reference §9.3): same token namespace --------------------
    Rule("marketing_messages.available", True, since=MM_API_LAUNCH, source="MM-*"),
    Rule("marketing_messages.min_gap", 12 * HOUR, since=MM_API_LAUNCH, source="MM-FAQ"),
    Rule(
        "marketing_messages.excluded_regions",
        frozenset({"AU", "EU", "JP", "KR", "UK"}),
        since=MM_API_LAUNCH,
        source="MM overview",
        note="Recipients anywhere except these; same simple region codes as above.",
    ),
    Rule("marketing_messages.missing_feature_error", GraphCode(10), source="GERR"),
    Rule(
        "marketing_messages.too_soon_error",
        GraphCode(4, 2018354),
        source="ERR ('Marketing Messages - minimum delay between 2 notifications')",
        note="UNVERIFIED for the paid API: the Send-API frequency error is used.",
    ),
    Rule(
        "marketing_messages.region_error",
        GraphCode(2300052),
        source="MM-changelog ('This person is not available right now')",
        note="UNVERIFIED: the documented 'not available' MM error is used for excluded regions.",
    ),
    # -- private replies (reference §3.5) ----------------------------------------------------
    Rule("private_reply.max_age", 7 * DAY, source="PR"),
    Rule("private_reply.used_error", GraphCode(10900), source="PAGEMSG"),
    Rule(
        "private_reply.expired_error",
        GraphCode(10903),
        source="PAGEMSG",
        note="UNVERIFIED: 10903 'This user cant reply to this activity' read as the age limit.",
    ),
    # -- blocks, restrictions, routing (reference §3.6, §6.3) --------------------------------
    Rule("recipient.blocked_error", GraphCode(551, 1545041), source="ERR; courier #421"),
    Rule(
        "page.restricted_error",
        GraphCode(368),
        until=RESTRICTION_SUBCODE,
        source="PAGEMSG; GERR ('temporarily blocked for policies violations')",
    ),
    Rule(
        "page.restricted_error",
        GraphCode(10, 1893063),
        since=RESTRICTION_SUBCODE,
        source="ERR; CHLOG Jun 25 2026",
    ),
    Rule(
        "thread.controlled_elsewhere_error",
        GraphCode(10, 2018300),
        source="ERR; CR",
        note="UNVERIFIED code: the reference prints 2018300 alone; read as a subcode of 10, "
        "like the other routing errors (2018321, 2018171) of the same table.",
    ),
)

# fmt: off
_EU_MEMBERS = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
})
# fmt: on


def rules_named(name: str) -> tuple[Rule, ...]:
    return tuple(rule for rule in RULES if rule.name == name)


def rule_at(name: str, at: datetime) -> Rule | None:
    """The row called ``name`` in force at ``at``, if any."""
    for rule in RULES:
        if rule.name == name and rule.holds_at(at):
            return rule
    return None


def in_force(name: str, at: datetime) -> bool:
    rule = rule_at(name, at)
    return rule is not None and rule.value is True


def duration(name: str, at: datetime) -> timedelta:
    value = _value(name, at)
    if not isinstance(value, timedelta):
        raise TypeError(f"policy rule {name!r} is not a duration")
    return value


def graph_code(name: str, at: datetime) -> GraphCode:
    value = _value(name, at)
    if not isinstance(value, GraphCode):
        raise TypeError(f"policy rule {name!r} is not a Graph error")
    return value


def _value(name: str, at: datetime) -> RuleValue:
    rule = rule_at(name, at)
    if rule is None:
        raise LookupError(f"no policy rule {name!r} holds at {at.isoformat()}")
    return rule.value


def standard_window(at: datetime) -> timedelta:
    return duration("window.standard", at)


def window_opened_by(
    action: QualifyingAction, at: datetime, *, long_ad_window: bool = False
) -> timedelta | None:
    """How long a window the person's ``action`` at ``at`` opens, or None if it opens none.

    Comments and visitor posts open no window: they grant one private reply (reference §3.5).
    Opt-ins, deliveries and reads open nothing. ``long_ad_window`` turns on the 7-day reading
    for the first message after a Click-to-Messenger ad (default off, see ``RULES``).
    """
    if action in (
        QualifyingAction.OPTIN,
        QualifyingAction.DELIVERY,
        QualifyingAction.READ,
        QualifyingAction.COMMENT,
        QualifyingAction.VISITOR_POST,
    ):
        return None
    if action is QualifyingAction.AD_MESSAGE and long_ad_window:
        return duration("window.ad_message", at)
    return standard_window(at)


def tag_terms(tag: str, at: datetime) -> TagTerms | None:
    """The terms of ``tag`` if it is in force at ``at``."""
    rule = rule_at(f"tag.{tag}", at)
    if rule is None or not isinstance(rule.value, TagTerms):
        return None
    return rule.value


def tag_out_of_force_error(tag: str, at: datetime) -> GraphCode:
    """What Meta answers for a tag not in force at ``at`` (retired, not yet, or unknown).

    A tag that was retired answers with the code of its last era before ``at``; a tag never
    known, or not yet introduced, answers ``(#100) Invalid tag``.
    """
    past = [
        (rule.until, rule.value)
        for rule in rules_named(f"tag.{tag}")
        if rule.until is not None and rule.until <= at and isinstance(rule.value, TagTerms)
    ]
    if not past:
        return INVALID_TAG
    _, terms = max(past, key=lambda row: row[0])
    return terms.out_of_force_error


def tag_retired_on(tag: str, at: datetime) -> datetime | None:
    """When ``tag`` went out of force, if it was in force at some time before ``at``."""
    ends = [
        rule.until
        for rule in rules_named(f"tag.{tag}")
        if rule.until is not None and rule.until <= at
    ]
    return max(ends) if ends else None


def known_tags() -> frozenset[str]:
    return frozenset(
        rule.name.removeprefix("tag.") for rule in RULES if rule.name.startswith("tag.")
    )


def notification_region_allowed(region: str | None, at: datetime) -> bool:
    """Whether a notification_messages token for a person in ``region`` may be used at ``at``
    through the Send API (only a few regions kept it after the 2026 shutdown)."""
    rule = rule_at("notification_messages.regions", at)
    if rule is None:
        return True
    return isinstance(rule.value, frozenset) and _region_code(region) in rule.value


def marketing_region_allowed(region: str | None, at: datetime) -> bool:
    """Whether the paid Marketing Message API may reach a person in ``region`` at ``at``.

    A token with no region is let through: the API, not Comptoir, knows where people are.
    """
    rule = rule_at("marketing_messages.excluded_regions", at)
    if rule is None or not isinstance(rule.value, frozenset):
        return False
    return region is None or _region_code(region) not in rule.value


def _region_code(region: str | None) -> str | None:
    if region is None:
        return None
    code = region.upper()
    if code in _EU_MEMBERS:
        return "EU"
    return "UK" if code == "GB" else code
