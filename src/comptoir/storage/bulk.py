"""Multi-row statements for the webhook intake's hot path, on SQLite and PostgreSQL.

SQLAlchemy Core processes every bound value of every row through its type system, which
costs more than the database work for the intake's small rows. ``Bulk`` writes the same
statements with values already in the driver's form, on the transaction's own DBAPI
connection:

- SQLite: the SQL text never depends on the number of rows (``executemany`` of one
  prepared statement; lists passed as one JSON parameter to ``json_each``), so SQLite
  prepares each statement once per connection;
- PostgreSQL: one ``INSERT ... VALUES (...), (...) ON CONFLICT DO NOTHING RETURNING`` or
  ``UPDATE ... FROM (VALUES ...)`` per chunk of rows, lists as arrays (``= ANY``).

Values are converted here the way the column types in ``types.py`` and ``tables.py`` store
them: aware datetimes as naive UTC text on SQLite (SQLAlchemy's storage format) and as
``timestamptz`` on PostgreSQL; JSON as text (cast to ``json`` on PostgreSQL).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec
from sqlalchemy.engine import Connection

Kind = Literal["int", "text", "bool", "time", "json"]

_PG_CASTS: dict[str, str] = {
    "int": "%s::bigint",
    "text": "%s::text",
    "bool": "%s::boolean",
    "time": "%s::timestamptz",
    "json": "%s::json",
}
#: Most bound values in one statement (SQLite allows 32766).
_MAX_VALUES = 30_000
_encode_json = msgspec.json.Encoder().encode
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


@functools.lru_cache(maxsize=4096)
def _sqlite_time(moment: datetime) -> str:
    """SQLAlchemy's SQLite storage format: "2026-06-01 10:00:00.000000" (UTC)."""
    return moment.isoformat(" ", "microseconds")[:26]


def _identifiers(*names: str) -> None:
    """Table and column names come from ``tables.py``; refuse anything else outright."""
    for name in names:
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"not a plain SQL identifier: {name!r}")


class Bulk:
    __slots__ = ("_conn", "_sqlite")

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._sqlite = conn.dialect.name == "sqlite"

    @property
    def sqlite(self) -> bool:
        return self._sqlite

    def _dbapi(self) -> Any:
        """The transaction's own DBAPI connection (no SQLAlchemy result machinery)."""
        return self._conn.connection.dbapi_connection

    def _run(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        cursor = self._dbapi().cursor()
        try:
            cursor.execute(sql, tuple(params))
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
        finally:
            cursor.close()

    # ---- values ------------------------------------------------------------------------

    def time(self, moment: datetime | None) -> Any:
        """An aware datetime as the database column holds it."""
        if moment is None:
            return None
        if moment.tzinfo is not UTC:
            if moment.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            moment = moment.astimezone(UTC)
        if self._sqlite:
            return _sqlite_time(moment)
        return moment

    def read_time(self, value: Any) -> datetime | None:
        """A time column's value as an aware UTC datetime."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @staticmethod
    def json(value: Any) -> str:
        return _encode_json(value).decode()

    def _slot(self, kind: Kind) -> str:
        return "?" if self._sqlite else _PG_CASTS[kind]

    def slot(self, kind: Kind) -> str:
        """One placeholder for a value of ``kind``."""
        return self._slot(kind)

    def among(self, kind: Kind) -> str:
        """``IN (<a list given as one parameter>)``, the same SQL text for any length, so
        the database's prepared statement is reused (pass ``listed(values)``)."""
        if self._sqlite:
            return "IN (SELECT value FROM json_each(?))"
        return "= ANY(%s::bigint[])" if kind == "int" else "= ANY(%s::text[])"

    def listed(self, values: Sequence[Any]) -> Any:
        return self.json(list(values)) if self._sqlite else list(values)

    def query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self._run(sql, params)

    # ---- statements --------------------------------------------------------------------

    def insert(
        self,
        table: str,
        columns: Sequence[tuple[str, Kind]],
        rows: Sequence[Sequence[Any]],
        *,
        ignore_duplicates: bool = False,
        returning: Sequence[str] = (),
    ) -> list[tuple[Any, ...]]:
        """Insert ``rows`` (tuples in ``columns`` order); the ``returning`` columns of the
        rows inserted (duplicates skipped with ``ignore_duplicates``)."""
        if not rows:
            return []
        _identifiers(table, *(name for name, _ in columns), *returning)
        names = ", ".join(name for name, _ in columns)
        slots = "(" + ", ".join(self._slot(kind) for _, kind in columns) + ")"
        conflict = " ON CONFLICT DO NOTHING" if ignore_duplicates else ""
        if self._sqlite:
            return self._sqlite_insert(table, names, slots + conflict, rows, returning)
        tail = conflict + (" RETURNING " + ", ".join(returning) if returning else "")
        found: list[tuple[Any, ...]] = []
        per_chunk = max(1, _MAX_VALUES // len(columns))
        for start in range(0, len(rows), per_chunk):
            chunk = rows[start : start + per_chunk]
            values = ", ".join([slots] * len(chunk))
            sql = f"INSERT INTO {table} ({names}) VALUES {values}{tail}"  # noqa: S608 (names checked)
            found.extend(self._run(sql, [value for row in chunk for value in row]))
        return found

    def _sqlite_insert(
        self,
        table: str,
        names: str,
        values: str,
        rows: Sequence[Sequence[Any]],
        returning: Sequence[str],
    ) -> list[tuple[Any, ...]]:
        """One prepared single-row INSERT run for every row. The rows it added are the
        ones with the highest ids: the transaction holds SQLite's only write lock, and a
        new row's id is above every existing one."""
        raw = self._dbapi()
        before = raw.total_changes
        cursor = raw.cursor()
        try:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES {values}", rows)  # noqa: S608
            added = raw.total_changes - before
            if not returning or not added:
                return []
            cursor.execute(
                f"SELECT {', '.join(returning)} FROM {table} "  # noqa: S608 (names checked)
                f"WHERE id > (SELECT max(id) FROM {table}) - ?",
                (added,),
            )
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def move_forward(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """For each row ``(id, value, ...)``, set each of ``columns`` to its value when the
        value is not NULL and later than the stored one (times only move forward)."""
        if not rows:
            return
        _identifiers(table, *columns)
        if self._sqlite:
            sets = ", ".join(
                f"{column} = CASE WHEN ?{i} IS NOT NULL AND ({column} IS NULL OR {column} < ?{i}) "
                f"THEN ?{i} ELSE {column} END"
                for i, column in enumerate(columns, start=2)
            )
            sql = f"UPDATE {table} SET {sets} WHERE id = ?1"  # noqa: S608 (names checked)
            cursor = self._dbapi().cursor()
            try:
                cursor.executemany(sql, rows)
            finally:
                cursor.close()
            return
        width = len(columns) + 1
        slot = "(" + ", ".join([self._slot("int")] + [self._slot("time")] * len(columns)) + ")"
        names = ", ".join(f"column{i}" for i in range(1, width + 1))
        sets = ", ".join(
            f"{column} = CASE WHEN v.column{i} IS NOT NULL AND "
            f"(t.{column} IS NULL OR t.{column} < v.column{i}) "
            f"THEN v.column{i} ELSE t.{column} END"
            for i, column in enumerate(columns, start=2)
        )
        changed = " OR ".join(
            f"(v.column{i} IS NOT NULL AND (t.{column} IS NULL OR t.{column} < v.column{i}))"
            for i, column in enumerate(columns, start=2)
        )
        per_chunk = max(1, _MAX_VALUES // width)
        for start in range(0, len(rows), per_chunk):
            chunk = rows[start : start + per_chunk]
            values = ", ".join([slot] * len(chunk))
            sql = (
                f"UPDATE {table} AS t SET {sets} FROM (VALUES {values}) AS v({names}) "  # noqa: S608
                f"WHERE t.id = v.column1 AND ({changed})"
            )
            self._run(sql, [value for row in chunk for value in row])
