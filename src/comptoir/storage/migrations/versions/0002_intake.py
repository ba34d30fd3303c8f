"""intake: contact content, standby messages, ordered handover and policy changes

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import comptoir.storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(
            sa.Column("content", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column("standby", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index("ix_messages_contact_status", ["contact_id", "status"])
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(
            sa.Column(
                "thread_owner_at", comptoir.storage.types.UTCDateTime(timezone=True), nullable=True
            )
        )
    with op.batch_alter_table("pages") as batch:
        batch.add_column(
            sa.Column(
                "policy_changed_at",
                comptoir.storage.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("policy_changed_at")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("thread_owner_at")
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_contact_status")
        batch.drop_column("standby")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("content")
