"""join the two lines of migrations: the shared inbox (0006) and subscribers and
broadcasts (0007, 0008), written side by side; nothing to change

Revision ID: 0009
Revises: 0006, 0008
"""

from __future__ import annotations

revision = "0009"
down_revision = ("0006", "0008")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
