"""Meta's policy enforcement on a Page: ``block`` restricts sending, ``unblock`` lifts it.

Events may come out of order, so a change applies only if it is not older than the one
already recorded (``policy_changed_at``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.storage.tables import pages

#: ``restricted_until`` of a block without an end (Meta gives none).
INDEFINITELY = datetime(9999, 12, 31, tzinfo=UTC)


def record_policy_change(
    conn: Connection, page_ref: int, restricted_until: datetime | None, at: datetime
) -> bool:
    """Set the Page's restriction as of ``at``; returns whether it changed."""
    result = conn.execute(
        pages.update()
        .where(
            pages.c.id == page_ref,
            sa.or_(pages.c.policy_changed_at.is_(None), pages.c.policy_changed_at <= at),
        )
        .values(restricted_until=restricted_until, policy_changed_at=at)
    )
    return result.rowcount > 0
