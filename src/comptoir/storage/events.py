"""Raw webhook events: every ``messaging[]`` / ``standby[]`` item exactly as Meta sent it.

The unique key (page_ref, dedupe_key) makes a retried or replayed delivery insert nothing;
``insert_events`` reports which rows were new, and only those are processed further.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from comptoir.storage.bulk import Bulk, columns
from comptoir.storage.tables import webhook_events

#: Longest dedupe key the column holds; longer keys are replaced by their hash.
MAX_KEY_LENGTH = 300


def storable_key(key: str) -> str:
    """``key``, or a stable hash of it when it would not fit the column."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


_COLUMNS = columns(
    webhook_events,
    "page_ref",
    "dedupe_key",
    "kind",
    "standby",
    "payload",
    "received_at",
    "processed_at",
    "process_error",
)


def insert_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> set[tuple[int, str]]:
    """Insert raw events, skipping those already stored; return the (page_ref, dedupe_key)
    of the rows that were new.

    Each row: page_ref, dedupe_key, kind, standby, ``payload_json`` (the item's JSON text,
    stored as received, without a decode and re-encode), received_at, processed_at,
    process_error. Two rows with one key in ``rows`` store once.
    """
    if not rows:
        return set()
    bulk = Bulk(conn)
    times: dict[Any, Any] = {None: None}

    def time(moment: Any) -> Any:
        if moment not in times:
            times[moment] = bulk.time(moment)
        return times[moment]

    values = [
        (
            row["page_ref"],
            row["dedupe_key"],
            row["kind"],
            row["standby"],
            row["payload_json"],
            time(row["received_at"]),
            time(row["processed_at"]),
            row["process_error"],
        )
        for row in rows
    ]
    ids = bulk.insert(webhook_events.name, _COLUMNS, values, key=("page_ref", "dedupe_key"))
    return {(row[0], row[1]) for row, new_id in zip(values, ids, strict=True) if new_id is not None}
