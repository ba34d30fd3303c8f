"""Where each subscriber came from, through the emulator: the first event decides, later
ones never change it; a segment selects by source."""

from __future__ import annotations

from typing import Any

import pytest

from comptoir.domain.segments import parse_filter
from comptoir.storage import tables
from comptoir.storage.segments import count_segment
from tests.support.stack import Stack

pytestmark = pytest.mark.anyio

FIRST_ACTIONS: list[tuple[str, dict[str, Any], tuple[str, str | None]]] = [
    ("plain", {"type": "message", "text": "Bonjour"}, ("message", None)),
    (
        "button",
        {"type": "postback", "payload": "GET_STARTED", "title": "Get Started"},
        ("get_started", None),
    ),
    (
        "link",
        {"type": "message", "text": "Hi", "referral": {"ref": "summer", "source": "SHORTLINK"}},
        ("mme_ref", "summer"),
    ),
    (
        "ad",
        {"type": "message", "text": "Info", "referral": {"ref": "ad-42", "source": "ADS"}},
        ("ad", "ad-42"),
    ),
    (
        "code",
        {"type": "message", "text": "Hey", "referral": {"ref": "till", "source": "MESSENGER_CODE"}},
        ("qr", "till"),
    ),
]


async def test_the_first_event_sets_the_source_and_segments_select_by_it(stack: Stack) -> None:
    people = {}
    for name, action, _ in FIRST_ACTIONS:
        psid = await stack.add_customer(name.capitalize())
        await stack.act(action, psid)
        people[name] = psid
    await stack.settle()
    # a later referral does not rewrite where the person came from
    await stack.act(
        {"type": "message", "text": "Re", "referral": {"ref": "late", "source": "ADS"}},
        people["plain"],
    )
    await stack.settle()
    for name, _, expected in FIRST_ACTIONS:
        (contact,) = stack.contacts(tables.contacts.c.psid == people[name])
        assert (contact["source"], contact["source_ref"]) == expected, name
    now = stack.container.clock.now()
    with stack.container.engine.connect() as conn:
        paid = parse_filter({"sources": ["ad", "qr"]})
        assert count_segment(conn, stack.workspace_id, paid, now) == 2
