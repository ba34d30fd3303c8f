"""The dated table itself: well formed, and read the way the reference says."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from comptoir.domain import policy_rules as rules
from comptoir.domain.policy_rules import GraphCode, QualifyingAction


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_every_rule_names_its_source_and_has_a_sane_span() -> None:
    for rule in rules.RULES:
        assert rule.source, rule.name
        if rule.since and rule.until:
            assert rule.since < rule.until, rule.name


def test_rows_of_one_name_never_overlap() -> None:
    by_name: dict[str, list[rules.Rule]] = {}
    for rule in rules.RULES:
        by_name.setdefault(rule.name, []).append(rule)
    for name, rows in by_name.items():
        rows.sort(key=lambda row: row.since or datetime.min.replace(tzinfo=UTC))
        for earlier, later in itertools.pairwise(rows):
            assert earlier.until is not None, name
            assert later.since is not None, name
            assert earlier.until <= later.since, name


def test_conflicting_facts_say_which_reading_is_used() -> None:
    noted = {rule.name for rule in rules.RULES if "CONFLICT" in rule.note}
    assert {"window.ad_message", "tag.ACCOUNT_UPDATE", "notification_messages.regions"} <= noted
    for rule in rules.RULES:
        if "UNVERIFIED" in rule.note or "CONFLICT" in rule.note:
            assert "used" in rule.note.lower() or "read as" in rule.note, rule.name


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2019-06-01", {"SHIPPING_UPDATE", "ISSUE_RESOLUTION", "HUMAN_AGENT"}),
        ("2021-06-01", {"POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE", "HUMAN_AGENT"}),
        ("2026-05-01", {"HUMAN_AGENT"}),
    ],
)
def test_tag_sets_by_era(moment: str, expected: set[str]) -> None:
    at = _at(moment)
    in_force = {tag for tag in rules.known_tags() if rules.tag_terms(tag, at) is not None}
    assert expected <= in_force
    if at >= rules.UPDATE_TAGS_RETIRED:
        assert not in_force & set(rules.UPDATE_TAGS_2020)
    if at >= rules.TAGS_2020:
        assert not in_force & (set(rules.LEGACY_TAGS) - set(rules.UPDATE_TAGS_2020))


def test_what_meta_answers_for_tags_out_of_force() -> None:
    after = _at("2026-05-01")
    assert rules.tag_out_of_force_error("ACCOUNT_UPDATE", after) == GraphCode(100, 1893061)
    assert rules.tag_out_of_force_error("SHIPPING_UPDATE", after) == GraphCode(100)
    assert rules.tag_out_of_force_error("NOT_A_TAG", after) == GraphCode(100)
    # ACCOUNT_UPDATE existed before 2020 too; in 2020 it answers as a 2020 tag.
    assert rules.tag_retired_on("ACCOUNT_UPDATE", after) == rules.UPDATE_TAGS_RETIRED


def test_window_openers() -> None:
    at = _at("2026-05-01")
    assert rules.window_opened_by(QualifyingAction.MESSAGE, at) == timedelta(hours=24)
    assert rules.window_opened_by(QualifyingAction.REACTION, at) == timedelta(hours=24)
    assert rules.window_opened_by(QualifyingAction.AD_MESSAGE, at) == timedelta(hours=24)
    assert rules.window_opened_by(
        QualifyingAction.AD_MESSAGE, at, long_ad_window=True
    ) == timedelta(days=7)
    for action in (QualifyingAction.OPTIN, QualifyingAction.READ, QualifyingAction.COMMENT):
        assert rules.window_opened_by(action, at) is None


@pytest.mark.parametrize(
    ("region", "send_api", "paid"),
    [
        ("US", False, True),
        ("FR", True, False),
        ("GB", True, False),
        ("JP", True, False),
        (None, False, True),
    ],
)
def test_regions_after_the_2026_shutdown(region: str | None, send_api: bool, paid: bool) -> None:
    at = _at("2026-03-01")
    assert rules.notification_region_allowed(region, at) is send_api
    assert rules.marketing_region_allowed(region, at) is paid


def test_before_the_shutdown_every_region_may_use_the_send_api() -> None:
    assert rules.notification_region_allowed("US", _at("2026-02-09"))
    assert rules.notification_region_allowed(None, _at("2026-02-09"))


def test_the_notification_gap_by_date() -> None:
    assert rules.duration("notification_messages.min_gap", _at("2025-08-31")) == timedelta(hours=24)
    assert rules.duration("notification_messages.min_gap", _at("2025-09-01")) == timedelta(hours=48)
    assert rules.duration("marketing_messages.min_gap", _at("2026-01-01")) == timedelta(hours=12)


def test_asking_for_a_rule_that_does_not_hold_is_an_error() -> None:
    with pytest.raises(LookupError, match=r"marketing_messages\.min_gap"):
        rules.duration("marketing_messages.min_gap", _at("2024-01-01"))
    with pytest.raises(TypeError, match="not a duration"):
        rules.duration("recipient.blocked_error", _at("2024-01-01"))
    with pytest.raises(TypeError, match="not a Graph error"):
        rules.graph_code("window.standard", _at("2024-01-01"))
