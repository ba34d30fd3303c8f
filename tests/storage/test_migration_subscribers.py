"""Migration 0007 copies the topic consents flows gathered into the consent tables."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from comptoir.storage import tables
from comptoir.storage.engine import create_engine, upgrade

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_flow_consents_become_events_and_the_newest_is_the_state(database_url: str) -> None:
    engine = create_engine(database_url)
    upgrade(engine, "0005")
    with engine.begin() as conn:
        ws = conn.execute(
            tables.workspaces.insert().values(name="Salon", created_at=AT)
        ).inserted_primary_key[0]
        page = conn.execute(
            tables.pages.insert().values(
                workspace_id=ws,
                page_id="1",
                access_token_sealed="x",
                app_secret_sealed="x",
                verify_token_sealed="x",
                created_at=AT,
            )
        ).inserted_primary_key[0]
        contact = conn.execute(
            tables.contacts.insert().values(
                workspace_id=ws, page_ref=page, psid="p1", created_at=AT
            )
        ).inserted_primary_key[0]
        consents = [
            {"topic": "news", "action": "subscribe", "at": "2026-03-01T09:00:00+00:00"},
            {"topic": "news", "action": "unsubscribe", "at": "2026-03-02T09:00:00+00:00"},
            {
                "topic": "promotions",
                "action": "subscribe",
                "at": "2026-03-03T09:00:00+00:00",
                "message_id": "7",
            },
            {"topic": "bad", "action": "subscribe", "at": "not a time"},
        ]
        conn.execute(
            sa.text(
                "INSERT INTO automation_contacts (contact_id, fields, labels, consents, "
                "updated_at) VALUES (:c, '{}', '[]', :consents, :at)"
            ).bindparams(
                sa.bindparam("consents", type_=sa.JSON), sa.bindparam("at", type_=sa.DateTime)
            ),
            {"c": contact, "consents": consents, "at": AT.replace(tzinfo=None)},
        )
    upgrade(engine)
    with engine.connect() as conn:
        events = conn.execute(
            sa.select(tables.consent_events).order_by(tables.consent_events.c.id)
        ).all()
        states = {row.topic: row for row in conn.execute(sa.select(tables.contact_consents)).all()}
    assert [(e.topic, e.action, e.channel) for e in events] == [
        ("news", "opt_in", "flow"),
        ("news", "opt_out", "flow"),
        ("promotions", "opt_in", "flow"),
    ]
    assert events[2].detail["message_id"] == "7"
    assert states["news"].status == "opted_out"
    assert states["news"].changed_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert states["promotions"].status == "opted_in"
    assert set(states) == {"news", "promotions"}
    engine.dispose()
