"""broadcasts: a message to a segment, and one row per person it reached or left out

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import comptoir.storage.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time() -> comptoir.storage.types.UTCDateTime:
    return comptoir.storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("page_ref", _id(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("segment_id", _id(), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=True),
        sa.Column("promotional", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("state", sa.String(length=10), nullable=False, server_default="draft"),
        sa.Column("scheduled_at", _time(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False, server_default="UTC"),
        sa.Column("cursor", _id(), nullable=False, server_default="0"),
        sa.Column("examined", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("queued", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("excluded", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("planned", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("started_at", _time(), nullable=True),
        sa.Column("finished_at", _time(), nullable=True),
        sa.Column("updated_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_broadcasts_workspace_id_workspaces")
        ),
        sa.ForeignKeyConstraint(
            ["page_ref"], ["pages.id"], name=op.f("fk_broadcasts_page_ref_pages")
        ),
        sa.ForeignKeyConstraint(
            ["segment_id"], ["segments.id"], name=op.f("fk_broadcasts_segment_id_segments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_index(op.f("ix_broadcasts_workspace_id"), "broadcasts", ["workspace_id"])
    op.create_index("ix_broadcasts_state", "broadcasts", ["state", "scheduled_at"])
    op.create_table(
        "broadcast_recipients",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("broadcast_id", _id(), nullable=False),
        sa.Column("contact_id", _id(), nullable=False),
        sa.Column("mechanism", sa.String(length=30), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("message_id", _id(), nullable=True),
        sa.Column("token_id", _id(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_broadcast_recipients_broadcast_id_broadcasts"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_broadcast_recipients_contact_id_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_broadcast_recipients_message_id_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["notification_tokens.id"],
            name=op.f("fk_broadcast_recipients_token_id_notification_tokens"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_recipients")),
        sa.UniqueConstraint("broadcast_id", "contact_id", name="uq_broadcast_recipients_contact"),
        sa.UniqueConstraint("message_id", name=op.f("uq_broadcast_recipients_message_id")),
    )
    op.create_index(
        "ix_broadcast_recipients_state", "broadcast_recipients", ["broadcast_id", "state"]
    )


def downgrade() -> None:
    op.drop_index("ix_broadcast_recipients_state", table_name="broadcast_recipients")
    op.drop_table("broadcast_recipients")
    op.drop_index("ix_broadcasts_state", table_name="broadcasts")
    op.drop_index(op.f("ix_broadcasts_workspace_id"), table_name="broadcasts")
    op.drop_table("broadcasts")
