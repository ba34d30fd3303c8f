"""The dated rules, at both sides of each date and duration, through the Send API.

Each row freezes the emulator's clock, sets the person's last message, moves the clock, sends
once and expects either success or the given (code, subcode).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from comptoir.emulator import rules
from tests.emulator.factories import (
    GraphWorld,
    graph_world,
    instant,
    private_reply_right,
    text_to,
    user_writes,
)

pytestmark = pytest.mark.anyio

HOUR = 3600
DAY = 24 * HOUR
OK = None
WINDOW = (10, 2018278)
RETIRED = (100, 1893061)
INVALID_TAG = (100, None)


@dataclass(frozen=True)
class Case:
    id: str
    #: When the person writes.
    wrote_at: str
    #: Seconds between the person's message and the send.
    after: float
    body: dict[str, Any]
    expected: tuple[int, int | None] | None
    features: frozenset[str] = frozenset({"human_agent", "utility_messaging"})


def _tagged(tag: str) -> dict[str, Any]:
    return {"messaging_type": "MESSAGE_TAG", "tag": tag}


CASES = [
    # the standard window: 24 h, inclusive end (§3.1, §3.7)
    Case("window-23h59", "2026-05-01T12:00:00", DAY - 60, {}, OK),
    Case("window-24h-exactly", "2026-05-01T12:00:00", DAY, {}, OK),
    Case("window-24h+1s", "2026-05-01T12:00:00", DAY + 1, {}, WINDOW),
    Case("window-25h", "2026-05-01T12:00:00", 25 * HOUR, {}, WINDOW),
    Case("update-type-in-window", "2026-05-01T12:00:00", HOUR, {"messaging_type": "UPDATE"}, OK),
    Case("update-type-after", "2026-05-01T12:00:00", DAY + 1, {"messaging_type": "UPDATE"}, WINDOW),
    # HUMAN_AGENT: 7 days after the person's last message, with the feature (§2.5, §3.4)
    Case("human-agent-6d", "2026-05-01T12:00:00", 6 * DAY, _tagged("HUMAN_AGENT"), OK),
    Case("human-agent-7d-exactly", "2026-05-01T12:00:00", 7 * DAY, _tagged("HUMAN_AGENT"), OK),
    Case("human-agent-7d+1s", "2026-05-01T12:00:00", 7 * DAY + 1, _tagged("HUMAN_AGENT"), WINDOW),
    Case(
        "human-agent-no-feature",
        "2026-05-01T12:00:00",
        2 * DAY,
        _tagged("HUMAN_AGENT"),
        WINDOW,
        features=frozenset(),
    ),
    # the three update tags: work until 2026-04-26 23:59:59, refused from 2026-04-27 (§2.5)
    Case("account-update-2026-04-26", "2026-04-20T00:00:00", 6 * DAY + DAY - 1,
         _tagged("ACCOUNT_UPDATE"), OK),
    Case("account-update-2026-04-27", "2026-04-20T00:00:00", 7 * DAY, _tagged("ACCOUNT_UPDATE"),
         RETIRED),
    Case("post-purchase-before", "2026-04-20T00:00:00", 7 * DAY - 1,
         _tagged("POST_PURCHASE_UPDATE"), OK),
    Case("post-purchase-after", "2026-04-20T00:00:00", 7 * DAY, _tagged("POST_PURCHASE_UPDATE"),
         RETIRED),
    Case("confirmed-event-before", "2026-04-20T00:00:00", 7 * DAY - 1,
         _tagged("CONFIRMED_EVENT_UPDATE"), OK),
    Case("confirmed-event-after", "2026-04-20T00:00:00", 7 * DAY,
         _tagged("CONFIRMED_EVENT_UPDATE"), RETIRED),
    # in 2020 the update tags still work, long after the window
    Case("account-update-in-2020", "2020-06-01T00:00:00", 30 * DAY, _tagged("ACCOUNT_UPDATE"), OK),
    # the 2020-03-04 change: old tags until the day before, new tags from that day
    Case("old-tag-2020-03-03", "2020-02-20T00:00:00", 13 * DAY - 1, _tagged("SHIPPING_UPDATE"),
         OK),
    Case("old-tag-2020-03-04", "2020-02-20T00:00:00", 13 * DAY, _tagged("SHIPPING_UPDATE"),
         INVALID_TAG),
    Case("new-tag-2020-03-03", "2020-02-20T00:00:00", 13 * DAY - 1,
         _tagged("POST_PURCHASE_UPDATE"), INVALID_TAG),
    Case("new-tag-2020-03-04", "2020-02-20T00:00:00", 13 * DAY, _tagged("POST_PURCHASE_UPDATE"),
         OK),
    Case("customer-feedback-6d", "2026-05-01T12:00:00", 6 * DAY, _tagged("CUSTOMER_FEEDBACK"), OK),
    Case("customer-feedback-8d", "2026-05-01T12:00:00", 8 * DAY, _tagged("CUSTOMER_FEEDBACK"),
         WINDOW),
    Case("unknown-tag", "2026-05-01T12:00:00", HOUR, _tagged("BLACK_FRIDAY"), INVALID_TAG),
    Case("news-tag-without-npi", "2026-05-01T12:00:00", HOUR,
         _tagged("NON_PROMOTIONAL_SUBSCRIPTION"), (10, 2018065)),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_rule_at_both_sides(case: Case) -> None:
    async with graph_world(features=set(case.features)) as world:
        world.at(case.wrote_at)
        person = world.person()
        world.advance(case.after)
        response = await world.send(text_to(person, **case.body))
    if case.expected is None:
        assert response.status_code == 200, response.text
        assert set(response.json()) == {"recipient_id", "message_id"}
    else:
        assert response.status_code == 400
        error = response.json()["error"]
        assert (error["code"], error.get("error_subcode")) == case.expected


async def _closed_window_send(world: GraphWorld, person_wrote: str, after: float) -> Any:
    world.at(person_wrote)
    person = world.person()
    world.advance(after)
    return person


async def test_a_new_message_restarts_the_window() -> None:
    async with graph_world() as world:
        world.at("2026-05-01T12:00:00")
        person = world.person()
        world.advance(20 * HOUR)
        user_writes(world.emulator, person)
        world.advance(20 * HOUR)  # 40 h after the first message, 20 h after the second
        response = await world.send(text_to(person))
    assert response.status_code == 200


async def test_the_window_length_is_the_persons() -> None:
    # The people side sets window_seconds (e.g. 7 days after a Click-to-Messenger ad).
    async with graph_world() as world:
        world.at("2026-10-01T12:00:00")
        person = world.person()
        person.window_seconds = 7 * DAY
        world.advance(6 * DAY)
        inside = await world.send(text_to(person))
        world.advance(DAY + 1)
        outside = await world.send(text_to(person))
    assert inside.status_code == 200
    assert outside.json()["error"]["error_subcode"] == 2018278


async def test_a_person_who_never_wrote_cannot_be_messaged() -> None:
    async with graph_world() as world:
        person = world.person(writes=False)
        response = await world.send(text_to(person))
    assert response.json()["error"]["error_subcode"] == 2018278


@pytest.mark.parametrize(
    ("wrote_at", "plus_one_allowed"),
    [("2020-03-02T00:00:00", True), ("2020-03-04T00:00:00", False)],
    ids=["before-2020-03-04", "from-2020-03-04"],
)
async def test_the_24_plus_1_rule(wrote_at: str, plus_one_allowed: bool) -> None:
    async with graph_world() as world:
        person = await _closed_window_send(world, wrote_at, DAY + HOUR)
        first = await world.send(text_to(person))
        second = await world.send(text_to(person))
    assert (first.status_code == 200) is plus_one_allowed
    assert second.status_code == 400
    assert second.json()["error"]["error_subcode"] == 2018278


@pytest.mark.parametrize(
    ("when", "expected"),
    [("2026-06-24T23:59:59", (368, None)), ("2026-06-25T00:00:00", (10, 1893063))],
    ids=["before-2026-06-25", "from-2026-06-25"],
)
async def test_a_restricted_page_gets_the_error_of_its_time(
    when: str, expected: tuple[int, int | None]
) -> None:
    async with graph_world() as world:
        world.at(when)
        person = world.person()
        world.page.restricted_until_ms = world.emulator.clock.now_ms() + DAY * 1000
        refused = await world.send(text_to(person))
        world.advance(DAY)
        user_writes(world.emulator, person)
        accepted = await world.send(text_to(person))
    error = refused.json()["error"]
    assert (error["code"], error.get("error_subcode")) == expected
    assert accepted.status_code == 200


@pytest.mark.parametrize(
    ("when", "text_only_refused"),
    [("2019-09-29T00:00:00", True), ("2019-09-30T00:00:00", False)],
    ids=["before-2019-09-30", "from-2019-09-30"],
)
async def test_private_replies_carry_templates_since_2019_09_30(
    when: str, text_only_refused: bool
) -> None:
    async with graph_world() as world:
        world.at(when)
        person = world.person(writes=False)
        comment = private_reply_right(world.emulator, person)
        image = {
            "attachment": {"type": "image", "payload": {"url": "https://cdn.example.com/a.png"}}
        }
        response = await world.send({"recipient": {"comment_id": comment}, "message": image})
    assert (response.status_code == 400) is text_only_refused


# ---- the table itself -----------------------------------------------------------------------


def test_every_rule_names_its_source_and_a_sane_interval() -> None:
    for rule in rules.RULES:
        assert rule.source, rule.name
        if rule.since is not None and rule.until is not None:
            assert rule.since < rule.until, rule.name


def test_rules_with_one_name_do_not_overlap() -> None:
    by_name: dict[str, list[rules.Rule]] = {}
    for rule in rules.RULES:
        by_name.setdefault(rule.name, []).append(rule)
    for name, group in by_name.items():
        ordered = sorted(group, key=lambda r: r.since or instant("1970-01-01T00:00:00"))
        for earlier, later in itertools.pairwise(ordered):
            assert earlier.until is not None, name
            assert later.since is not None, name
            assert earlier.until <= later.since, name


@pytest.mark.parametrize(
    ("name", "when", "value"),
    [
        ("rn.min_interval", "2025-08-31T23:59:59", 24 * HOUR),
        ("rn.min_interval", "2025-09-01T00:00:00", 48 * HOUR),
        ("rn.available", "2026-02-09T23:59:59", True),
        ("rn.available", "2026-02-10T00:00:00", False),
        ("rn.token_lifetime", "2023-08-09T23:59:59", 183 * DAY),
        ("rn.token_lifetime", "2023-08-10T00:00:00", None),
        ("mm.available", "2025-06-30T23:59:59", None),
        ("mm.available", "2025-07-01T00:00:00", True),
        ("otn.available", "2020-02-03T23:59:59", None),
        ("otn.available", "2020-02-04T00:00:00", True),
        ("message.quick_reply_location", "2019-10-28T23:59:59", True),
        ("message.quick_reply_location", "2019-10-29T00:00:00", None),
    ],
)
def test_dated_values(name: str, when: str, value: Any) -> None:
    assert rules.value_at(name, instant(when)) == value


def test_window_openers_keep_their_public_shape() -> None:
    at = instant("2026-05-01T00:00:00")
    assert rules.window_opened_by("message", at) == 24 * HOUR
    assert rules.window_opened_by("optin", at) is None
    assert rules.window_opened_by("read", at) is None
