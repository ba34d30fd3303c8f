"""automation: per-Page settings, per-conversation automation state (handover, flow,
wait), contact fields, labels and topic consents gathered by flows

Revision ID: 0005
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import comptoir.storage.types

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time() -> comptoir.storage.types.UTCDateTime:
    return comptoir.storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "automation_settings",
        sa.Column("page_ref", _id(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_ref"], ["pages.id"], name=op.f("fk_automation_settings_page_ref_pages")
        ),
        sa.PrimaryKeyConstraint("page_ref", name=op.f("pk_automation_settings")),
    )
    op.create_table(
        "automation_threads",
        sa.Column("conversation_id", _id(), nullable=False),
        sa.Column("taken_at", _time(), nullable=True),
        sa.Column("taken_by", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("greeted_at", _time(), nullable=True),
        sa.Column("away_sent_at", _time(), nullable=True),
        sa.Column("flow_name", sa.String(length=200), nullable=True),
        sa.Column("flow_step", sa.String(length=200), nullable=True),
        sa.Column("flow_data", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("wait_until", _time(), nullable=True),
        sa.Column("updated_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_automation_threads_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_automation_threads")),
    )
    op.create_index(op.f("ix_automation_threads_wait_until"), "automation_threads", ["wait_until"])
    op.create_table(
        "automation_contacts",
        sa.Column("contact_id", _id(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("labels", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
        sa.Column("consents", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
        sa.Column("updated_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_automation_contacts_contact_id_contacts"),
        ),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_automation_contacts")),
    )


def downgrade() -> None:
    op.drop_table("automation_contacts")
    op.drop_index(op.f("ix_automation_threads_wait_until"), table_name="automation_threads")
    op.drop_table("automation_threads")
    op.drop_table("automation_settings")
