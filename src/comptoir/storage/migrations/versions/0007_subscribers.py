"""subscribers: consent events and state per topic, notification tokens, segments; the
topic consents flows gathered before (``automation_contacts.consents``) copied in

Revision ID: 0007
Revises: 0005
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import comptoir.storage.types

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time() -> comptoir.storage.types.UTCDateTime:
    return comptoir.storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consent_events",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("contact_id", _id(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("at", _time(), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False, server_default=""),
        sa.Column("answer", sa.Text(), nullable=False, server_default=""),
        sa.Column("detail", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_consent_events_workspace_id_workspaces"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_consent_events_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
    )
    op.create_index(op.f("ix_consent_events_contact_id"), "consent_events", ["contact_id"])
    op.create_table(
        "contact_consents",
        sa.Column("contact_id", _id(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("changed_at", _time(), nullable=False),
        sa.Column("event_id", _id(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_consents_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["consent_events.id"],
            name=op.f("fk_contact_consents_event_id_consent_events"),
        ),
        sa.PrimaryKeyConstraint("contact_id", "topic", name=op.f("pk_contact_consents")),
    )
    op.create_index("ix_contact_consents_topic_status", "contact_consents", ["topic", "status"])
    op.create_table(
        "notification_tokens",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("page_ref", _id(), nullable=False),
        sa.Column("contact_id", _id(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("payload", sa.String(length=1000), nullable=False, server_default=""),
        sa.Column("token_sealed", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("frequency", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False, server_default="active"),
        sa.Column("region", sa.String(length=10), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("expires_at", _time(), nullable=True),
        sa.Column("stopped_at", _time(), nullable=True),
        sa.Column("last_used_at", _time(), nullable=True),
        sa.Column("previous_used_at", _time(), nullable=True),
        sa.Column("reserved_message_id", _id(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_notification_tokens_workspace_id_workspaces"),
        ),
        sa.ForeignKeyConstraint(
            ["page_ref"], ["pages.id"], name=op.f("fk_notification_tokens_page_ref_pages")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_notification_tokens_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_tokens")),
        sa.UniqueConstraint("page_ref", "token_hash", name="uq_notification_tokens_page_hash"),
    )
    op.create_index(
        op.f("ix_notification_tokens_contact_id"), "notification_tokens", ["contact_id"]
    )
    op.create_table(
        "segments",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("filter", sa.JSON(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_segments_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
        sa.UniqueConstraint("workspace_id", "name", name="uq_segments_workspace_name"),
    )
    _copy_flow_consents()


def _copy_flow_consents() -> None:
    """Each consent a flow recorded becomes an event (channel ``flow``); the newest event
    per (contact, topic) becomes the state."""
    conn = op.get_bind()
    events = sa.table(
        "consent_events",
        sa.column("id", _id()),
        sa.column("workspace_id", _id()),
        sa.column("contact_id", _id()),
        sa.column("topic", sa.String()),
        sa.column("action", sa.String()),
        sa.column("at", _time()),
        sa.column("channel", sa.String()),
        sa.column("detail", sa.JSON()),
    )
    states = sa.table(
        "contact_consents",
        sa.column("contact_id", _id()),
        sa.column("topic", sa.String()),
        sa.column("status", sa.String()),
        sa.column("changed_at", _time()),
        sa.column("event_id", _id()),
    )
    rows = conn.execute(
        sa.text(
            "SELECT a.contact_id, c.workspace_id, a.consents FROM automation_contacts a "
            "JOIN contacts c ON c.id = a.contact_id ORDER BY a.contact_id"
        ).columns(
            sa.column("contact_id", _id()),
            sa.column("workspace_id", _id()),
            sa.column("consents", sa.JSON()),
        )
    )
    for contact_id, workspace_id, consents in rows.all():
        newest: dict[str, tuple[datetime, str, int]] = {}
        for entry in consents if isinstance(consents, list) else []:
            parsed = _parse(entry)
            if parsed is None:
                continue
            topic, action, at, detail = parsed
            event_id = conn.execute(
                events.insert()
                .values(
                    workspace_id=workspace_id,
                    contact_id=contact_id,
                    topic=topic,
                    action=action,
                    at=at,
                    channel="flow",
                    detail=detail,
                )
                .returning(events.c.id)
            ).scalar_one()
            current = newest.get(topic)
            if current is None or current[0] <= at:
                newest[topic] = (at, action, event_id)
        for topic, (at, action, event_id) in newest.items():
            conn.execute(
                states.insert().values(
                    contact_id=contact_id,
                    topic=topic,
                    status="opted_in" if action == "opt_in" else "opted_out",
                    changed_at=at,
                    event_id=event_id,
                )
            )


def _parse(entry: Any) -> tuple[str, str, datetime, dict[str, Any]] | None:
    if not isinstance(entry, dict):
        return None
    topic = str(entry.get("topic") or "")[:100]
    action = {"subscribe": "opt_in", "unsubscribe": "opt_out"}.get(str(entry.get("action")))
    try:
        at = datetime.fromisoformat(str(entry.get("at")))
    except ValueError:
        return None
    if not topic or action is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    detail = {"migrated": "automation_contacts"}
    if entry.get("message_id"):
        detail["message_id"] = str(entry["message_id"])
    return topic, action, at, detail


def downgrade() -> None:
    op.drop_table("segments")
    op.drop_index(op.f("ix_notification_tokens_contact_id"), table_name="notification_tokens")
    op.drop_table("notification_tokens")
    op.drop_index("ix_contact_consents_topic_status", table_name="contact_consents")
    op.drop_table("contact_consents")
    op.drop_index(op.f("ix_consent_events_contact_id"), table_name="consent_events")
    op.drop_table("consent_events")
