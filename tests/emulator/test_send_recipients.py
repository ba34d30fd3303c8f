"""Recipient forms other than a PSID (reference §2.3, §3.5, §9): tokens and private replies.

Each mechanism is checked at both sides of its time limit and for its single use.
"""

from __future__ import annotations

from typing import Any

import pytest

from comptoir.emulator.config import EmulatorConfig
from tests.emulator.factories import (
    give_token,
    graph_world,
    private_reply_right,
)

pytestmark = pytest.mark.anyio

HOUR = 3600
DAY = 24 * HOUR


def _to(form: str, value: str, text: str = "Votre colis est arrivé") -> dict[str, Any]:
    return {"recipient": {form: value}, "message": {"text": text}}


def _code(response: Any) -> tuple[int, int | None] | None:
    if response.status_code == 200:
        return None
    error = response.json()["error"]
    return error["code"], error.get("error_subcode")


def _otn_config(enabled: bool = True) -> EmulatorConfig:
    config = EmulatorConfig()
    config.features.one_time_notifications = enabled
    return config


# ---- one-time notifications (legacy, §9.1) --------------------------------------------------


async def test_one_time_token_is_single_use_and_outside_the_window() -> None:
    async with graph_world(_otn_config()) as world:
        world.at("2026-05-01T12:00:00")
        person = world.person()
        token = give_token(world.emulator, person, "one_time_notif")
        world.advance(30 * DAY)  # far outside the window
        first = await world.send(_to("one_time_notif_token", token.token))
        second = await world.send(_to("one_time_notif_token", token.token))
    assert first.status_code == 200
    assert first.json()["recipient_id"] == person.psid
    assert token.used_ms is not None
    assert _code(second) == (100, None)


@pytest.mark.parametrize(
    ("age", "ok"), [(365 * DAY, True), (365 * DAY + 1, False)], ids=["1-year", "1-year-and-1s"]
)
async def test_one_time_token_lasts_a_year(age: float, ok: bool) -> None:
    async with graph_world(_otn_config()) as world:
        world.at("2025-01-01T00:00:00")
        token = give_token(world.emulator, world.person(), "one_time_notif")
        world.advance(age)
        response = await world.send(_to("one_time_notif_token", token.token))
    assert (response.status_code == 200) is ok


async def test_one_time_notifications_are_off_unless_configured() -> None:
    async with graph_world(_otn_config(enabled=False)) as world:
        token = give_token(world.emulator, world.person(), "one_time_notif")
        response = await world.send(_to("one_time_notif_token", token.token))
    assert _code(response) == (100, None)


async def test_a_token_of_another_kind_or_page_is_invalid() -> None:
    async with graph_world(_otn_config()) as world:
        person = world.person()
        marketing = give_token(world.emulator, person, "notification_messages")
        as_otn = await world.send(_to("one_time_notif_token", marketing.token))
        unknown = await world.send(_to("notification_messages_token", "8700000000000000"))
    assert _code(as_otn) == (100, None)
    assert unknown.json()["error"]["message"] == "(#100) notification_messages_token is invalid"


# ---- marketing messages on the Send API (legacy recurring notifications, §9.2) --------------


@pytest.mark.parametrize(
    ("created", "gap", "expected"),
    [
        ("2025-06-01T00:00:00", 24 * HOUR, None),
        ("2025-06-01T00:00:00", 24 * HOUR - 1, (4, 2018354)),
        ("2025-10-01T00:00:00", 48 * HOUR, None),
        ("2025-10-01T00:00:00", 48 * HOUR - 1, (4, 2018354)),
    ],
    ids=["2025-daily-24h", "2025-daily-24h-minus-1s", "after-sep-2025-48h", "48h-minus-1s"],
)
async def test_marketing_token_minimum_interval(
    created: str, gap: float, expected: tuple[int, int] | None
) -> None:
    async with graph_world() as world:
        world.at(created)
        token = give_token(world.emulator, world.person())
        first = await world.send(_to("notification_messages_token", token.token))
        world.advance(gap)
        second = await world.send(_to("notification_messages_token", token.token))
    assert first.status_code == 200
    assert _code(second) == expected


@pytest.mark.parametrize(
    ("when", "ok"),
    [("2026-02-09T23:59:59", True), ("2026-02-10T00:00:00", False)],
    ids=["before-shutdown", "from-2026-02-10"],
)
async def test_marketing_tokens_on_the_send_api_stop_on_2026_02_10(when: str, ok: bool) -> None:
    async with graph_world() as world:
        world.at("2026-01-01T00:00:00")
        token = give_token(world.emulator, world.person())
        world.at(when)
        response = await world.send(_to("notification_messages_token", token.token))
    assert (response.status_code == 200) is ok


@pytest.mark.parametrize(
    ("created", "after", "ok"),
    [
        ("2022-06-01T00:00:00", 183 * DAY, True),
        ("2022-06-01T00:00:00", 183 * DAY + 1, False),
        ("2023-06-01T00:00:00", 365 * DAY, True),
    ],
    ids=["6-months", "6-months-and-1s", "no-expiry-after-2023-08-10"],
)
async def test_marketing_tokens_expired_until_2023_08_10(
    created: str, after: float, ok: bool
) -> None:
    async with graph_world() as world:
        world.at(created)
        token = give_token(world.emulator, world.person())
        world.advance(after)
        response = await world.send(_to("notification_messages_token", token.token))
    assert (response.status_code == 200) is ok
    if not ok:
        assert (
            response.json()["error"]["message"] == "(#100) notification_messages_token has expired"
        )


@pytest.mark.parametrize("how", ["token-stopped", "person-stopped"])
async def test_a_stopped_token_is_10_1893015(how: str) -> None:
    async with graph_world() as world:
        world.at("2025-10-01T12:00:00")  # while the Send API path still worked
        person = world.person()
        token = give_token(world.emulator, person)
        if how == "token-stopped":
            token.status = "stopped"
        else:
            person.stopped_marketing = True
        response = await world.send(_to("notification_messages_token", token.token))
    assert _code(response) == (10, 1893015)


async def test_a_blocked_person_is_551_even_with_a_token() -> None:
    async with graph_world() as world:
        world.at("2025-10-01T12:00:00")
        person = world.person()
        token = give_token(world.emulator, person)
        person.blocked = True
        response = await world.send(_to("notification_messages_token", token.token))
    assert _code(response) == (551, 1545041)


# ---- private replies (§3.5) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "age", "expected"),
    [
        ("comment_id", 7 * DAY, None),
        ("comment_id", 7 * DAY + 1, (10903, None)),
        ("post_id", 7 * DAY, None),
        ("post_id", 7 * DAY + 1, (10903, None)),
    ],
    ids=["comment-7d", "comment-7d-and-1s", "post-7d", "post-7d-and-1s"],
)
async def test_private_reply_within_7_days(
    form: str, age: float, expected: tuple[int, None] | None
) -> None:
    async with graph_world() as world:
        world.at("2026-05-01T12:00:00")
        person = world.person(writes=False)
        object_id = private_reply_right(world.emulator, person)
        world.advance(age)
        response = await world.send(_to(form, object_id, "Merci pour votre commentaire"))
    assert _code(response) == expected
    if expected is None:
        assert response.json()["recipient_id"] == person.psid


async def test_private_reply_is_one_message_and_does_not_open_the_window() -> None:
    async with graph_world() as world:
        person = world.person(writes=False)
        comment = private_reply_right(world.emulator, person)
        reply = await world.send(_to("comment_id", comment))
        again = await world.send(_to("comment_id", comment))
        follow_up = await world.send(_to("id", person.psid))
    assert reply.status_code == 200
    assert _code(again) == (10900, None)
    assert _code(follow_up) == (10, 2018278)


async def test_unknown_comment_is_10903() -> None:
    async with graph_world() as world:
        response = await world.send(_to("comment_id", "123_456"))
    assert response.json()["error"]["message"] == "(#10903) This user cant reply to this activity"


# ---- other forms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recipient", "expected", "status"),
    [
        ({"user_ref": "abc"}, (100, 2018001), 400),
        ({"phone_number": "+33612345678"}, (230, None), 403),
        ({"id": "1", "user_ref": "abc"}, (100, None), 400),
        ({}, (100, None), 400),
    ],
    ids=["user-ref", "phone-number", "two-forms", "no-form"],
)
async def test_other_recipient_forms(
    recipient: dict[str, Any], expected: tuple[int, int | None], status: int
) -> None:
    async with graph_world() as world:
        response = await world.send({"recipient": recipient, "message": {"text": "x"}})
    assert response.status_code == status
    assert _code(response) == expected


async def test_numeric_psid_is_accepted_as_a_number() -> None:
    async with graph_world() as world:
        psid = world.person().psid
        response = await world.send({"recipient": {"id": int(psid)}, "message": {"text": "x"}})
    assert response.status_code == 200
    assert response.json()["recipient_id"] == psid
