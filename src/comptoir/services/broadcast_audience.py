"""Who a broadcast is for: its audience (a segment filter, ``domain.segments``) on its Page.

``audience_ids`` takes the next contacts of the audience in id order, so a restart goes on
after the last one handled. The filter is evaluated at the broadcast's start time, so
"interacted within N days" means the same people in the first batch and the last.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.domain.segments import SegmentError, parse_filter
from comptoir.services.broadcast_message import InvalidBroadcastError
from comptoir.storage.segments import segment_contacts
from comptoir.storage.tables import contacts

#: The consent topic that stands for every topic (a global opt-out).
ALL_TOPICS = "*"


def audience_query(
    workspace_id: int, page_ref: int, audience: dict[str, Any], at: datetime
) -> sa.Select[Any]:
    """The contact ids of the audience on the Page (every contact for an empty filter)."""
    try:
        spec = parse_filter(audience)
    except SegmentError as exc:
        raise InvalidBroadcastError("audience", str(exc)) from None
    return segment_contacts(spec, workspace_id, at).where(contacts.c.page_ref == page_ref)


def audience_ids(
    conn: Connection,
    workspace_id: int,
    page_ref: int,
    audience: dict[str, Any],
    at: datetime,
    *,
    after: int,
    limit: int,
) -> list[int]:
    query: sa.Select[Any] = (
        audience_query(workspace_id, page_ref, audience, at)
        .where(contacts.c.id > after)
        .order_by(contacts.c.id)
        .limit(limit)
    )
    return [int(value) for value in conn.execute(query).scalars()]
