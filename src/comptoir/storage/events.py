"""Raw webhook events: every ``messaging[]`` / ``standby[]`` item exactly as Meta sent it.

The unique key (page_ref, dedupe_key) makes a retried or replayed delivery insert nothing;
``insert_events`` reports which rows were new, and only those are processed further.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.storage.tables import webhook_events
from comptoir.storage.upsert import insert_ignoring_duplicates

#: Longest dedupe key the column holds; longer keys are replaced by their hash.
MAX_KEY_LENGTH = 300


def storable_key(key: str) -> str:
    """``key``, or a stable hash of it when it would not fit the column."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def insert_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> set[tuple[int, str]]:
    """Insert raw events, skipping those already stored; return the (page_ref, dedupe_key)
    of the rows that were new.

    Each row: page_ref, dedupe_key, kind, standby, ``payload_json`` (the item's JSON text,
    stored as received, without a decode and re-encode), received_at, processed_at,
    process_error. Two rows with one key in ``rows`` store once.
    """
    if not rows:
        return set()
    text = sa.bindparam("payload_json", type_=sa.Text)
    payload = sa.cast(text, sa.JSON) if conn.dialect.name == "postgresql" else text
    statement = (
        insert_ignoring_duplicates(conn, webhook_events)
        .values(payload=payload)
        .returning(webhook_events.c.page_ref, webhook_events.c.dedupe_key)
    )
    result = conn.execute(statement, list(rows))
    return {(int(page_ref), str(key)) for page_ref, key in result}
