"""The intake's part in consent, from Meta-shaped webhook fixtures: tokens stored sealed with
their kind, topic and expiry, STOP NOTIFICATIONS, and stop words in the same transaction as
the message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from comptoir.storage import tables
from tests.support.stack import WebhookHarness

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).parent.parent / "fixtures" / "messenger"
PAGE = "104000000000001"
PSID = "6100000000000001"


async def post(harness: WebhookHarness, name: str) -> None:
    response = await harness.post((FIXTURES / f"{name}.json").read_bytes())
    assert response.status_code == 200, response.text
    await harness.settle()


def tokens(harness: WebhookHarness) -> list[dict[str, Any]]:
    return harness.rows(tables.notification_tokens)


def states(harness: WebhookHarness) -> dict[str, str]:
    table = tables.contact_consents
    with harness.container.engine.connect() as conn:
        return dict(conn.execute(sa.select(table.c.topic, table.c.status)).all())


async def test_a_one_time_optin_is_a_single_use_token_for_a_year(
    webhook_harness: WebhookHarness,
) -> None:
    await post(webhook_harness, "optin_otn")
    (token,) = tokens(webhook_harness)
    assert token["kind"] == "one_time"
    assert token["topic"] == "BACK_IN_STOCK_SKU42"
    assert "5500000000000077" not in token["token_sealed"]
    created = datetime.fromtimestamp(1767226420.001, tz=UTC)
    assert token["created_at"] == created
    assert token["expires_at"] == created + timedelta(days=365)
    assert states(webhook_harness) == {"BACK_IN_STOCK_SKU42": "opted_in"}


async def test_meta_stop_notifications_stops_the_token_and_the_topic(
    webhook_harness: WebhookHarness,
) -> None:
    await post(webhook_harness, "optin_notification_messages")
    (token,) = tokens(webhook_harness)
    assert (token["kind"], token["topic"], token["status"]) == (
        "notification_messages",
        "OPTIN_DEALS",
        "active",
    )
    assert token["expires_at"] == datetime.fromtimestamp(1798761600, tz=UTC)
    await post(webhook_harness, "optin_stop")
    (token,) = tokens(webhook_harness)
    assert token["status"] == "stopped"
    assert states(webhook_harness) == {"OPTIN_DEALS": "opted_out"}
    events = webhook_harness.rows(tables.consent_events)
    assert [(e["channel"], e["action"]) for e in events] == [
        ("optin", "opt_in"),
        ("meta_stop", "opt_out"),
    ]


async def test_a_replayed_stop_message_is_recorded_once(webhook_harness: WebhookHarness) -> None:
    event = {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE},
        "timestamp": 1780308000000,
        "message": {"mid": "m_stop_1", "text": "Stop"},
    }
    body = webhook_harness.body(event)
    for _ in range(2):
        response = await webhook_harness.post(body)
        assert response.status_code == 200
    await webhook_harness.settle()
    assert states(webhook_harness) == {"*": "opted_out"}
    events = webhook_harness.rows(tables.consent_events)
    assert len(events) == 1
    inbound = webhook_harness.rows(tables.messages, tables.messages.c.direction == "in")
    assert events[0]["detail"]["message_id"] == inbound[0]["id"]
    # one confirmation, through the sending path
    (confirmation,) = webhook_harness.rows(tables.messages, tables.messages.c.direction == "out")
    assert confirmation["author_kind"] == "system"
    assert confirmation["text"].startswith("C'est noté")


async def test_a_stop_on_standby_counts_but_is_not_confirmed_by_us(
    webhook_harness: WebhookHarness,
) -> None:
    event = {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE},
        "timestamp": 1780308000000,
        "message": {"mid": "m_stop_2", "text": "ARRÊT"},
    }
    response = await webhook_harness.post(webhook_harness.body(event, standby=True))
    assert response.status_code == 200
    await webhook_harness.settle()
    assert states(webhook_harness) == {"*": "opted_out"}
    outgoing = webhook_harness.rows(tables.messages, tables.messages.c.direction == "out")
    assert outgoing == []
