"""``INSERT ... ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL alike.

Deduplication is the database's job (a unique key), never a check-then-insert: a statement
from ``insert_ignoring_duplicates`` skips the rows whose unique key already exists, and its
``RETURNING`` names the rows that were new.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def insert_ignoring_duplicates(
    conn: Connection, table: sa.Table
) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into ``table`` that silently skips rows violating a unique key."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()
