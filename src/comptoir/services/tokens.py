"""Notification tokens: use one for one message, within Meta's limits (reference §9).

``use_token`` reserves a token atomically (``storage.tokens.reserve_token``) with the limits
in force for its kind and the mechanism it goes through (``domain.token_limits``): a
one-time token once; a ``notification_messages`` token once per 24 h (48 h from 2025-09-01),
or per 12 h through the paid Marketing Message API. Call it in the transaction that writes
the message, after the message row (so the reservation names it); ``give_back`` undoes it
when the message is refused before it reaches Meta.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.domain.policy_model import Mechanism, TokenKind
from comptoir.domain.token_limits import limits
from comptoir.storage.tables import notification_tokens
from comptoir.storage.tokens import release_token, reserve_token

__all__ = ["give_back", "use_token"]


def use_token(
    conn: Connection,
    token_id: int,
    now: datetime,
    *,
    mechanism: Mechanism | None = None,
    message_id: int | None = None,
) -> bool:
    """Reserves the token for one message now; False when its limits do not allow it (used,
    too soon, stopped, expired) or it does not exist. ``mechanism`` defaults to the token's
    own path (one-time notification, or notification_messages through the Send API)."""
    row = conn.execute(
        sa.select(notification_tokens.c.kind, notification_tokens.c.frequency).where(
            notification_tokens.c.id == token_id
        )
    ).first()
    if row is None:
        return False
    kind = TokenKind(row.kind)
    if mechanism is None:
        mechanism = (
            Mechanism.ONE_TIME_NOTIFICATION
            if kind is TokenKind.ONE_TIME
            else Mechanism.NOTIFICATION_MESSAGES
        )
    return reserve_token(
        conn, token_id, now, limits(kind, row.frequency, mechanism, now), message_id=message_id
    )


def give_back(conn: Connection, token_id: int, message_id: int) -> bool:
    """Undoes the reservation made for ``message_id`` (the message never reached Meta)."""
    return release_token(conn, token_id, message_id)
