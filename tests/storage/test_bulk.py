"""``Bulk.insert``: the ids it reports for new rows, and None for the duplicates it skips;
the column kinds ``columns`` reads from the tables."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from comptoir.storage.bulk import Bulk, columns
from comptoir.storage.tables import contacts, messages


def test_sqlite_insert_reports_new_ids_when_a_trigger_writes_too(tmp_path: Path) -> None:
    # A trigger's writes count in SQLite's total of changes but are not rows of the table:
    # the ids must come from the rows the INSERT itself added.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'bulk.sqlite3'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE items (id INTEGER PRIMARY KEY, key TEXT UNIQUE)")
        conn.exec_driver_sql("CREATE TABLE audit (item_id INTEGER)")
        conn.exec_driver_sql(
            "CREATE TRIGGER items_audit AFTER INSERT ON items "
            "BEGIN INSERT INTO audit VALUES (new.id); END"
        )
        bulk = Bulk(conn)
        columns = (("key", "text"),)
        first = bulk.insert("items", columns, [("a",), ("b",), ("c",)], key=("key",))
        second = bulk.insert("items", columns, [("b",), ("d",), ("a",), ("e",)], key=("key",))
        stored = dict(conn.exec_driver_sql("SELECT key, id FROM items").all())
    assert first == [stored["a"], stored["b"], stored["c"]]
    assert second == [None, stored["d"], None, stored["e"]]
    engine.dispose()


def test_column_kinds_come_from_the_table_types() -> None:
    assert columns(messages, "id", "mid", "content", "created_at", "standby") == (
        ("id", "int"),
        ("mid", "text"),
        ("content", "json"),
        ("created_at", "time"),
        ("standby", "bool"),
    )
    with pytest.raises(TypeError, match="Float"):
        columns(contacts, "timezone_offset")
