"""Multi-row statements for the webhook intake's hot path, on SQLite and PostgreSQL.

SQLAlchemy Core processes every bound value of every row through its type system, which
costs more than the database work for the intake's small rows. ``Bulk`` writes the same
statements with values already in the driver's form, on the transaction's own DBAPI
connection:

- SQLite: every statement is a single step of the engine, because the sqlite3 module lets
  go of the GIL at each step and taking it back from the busy event loop is costly
  in a server: multi-row ``INSERT``/``UPDATE ... FROM (VALUES ...)`` in chunks of
  power-of-two sizes (a handful of statement texts, each prepared once per connection),
  query results aggregated into one JSON value, lists passed as one JSON parameter
  (``json_each``), new ids worked out instead of returned row by row;
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
from itertools import chain
from typing import Any, Literal

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.storage.types import UTCDateTime

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
_decode_json = msgspec.json.Decoder().decode
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


@functools.lru_cache(maxsize=4096)
def _sqlite_time(moment: datetime) -> str:
    """SQLAlchemy's SQLite storage format: "2026-06-01 10:00:00.000000" (UTC)."""
    return moment.isoformat(" ", "microseconds")[:26]


def columns(table: sa.Table, *names: str) -> tuple[tuple[str, Kind], ...]:
    """``names`` of ``table`` with the kind of each, read from the table's column types."""
    return tuple((name, _kind(table.c[name].type)) for name in names)


def _kind(column_type: Any) -> Kind:
    if isinstance(column_type, UTCDateTime):
        return "time"
    if isinstance(column_type, sa.Boolean):
        return "bool"
    if isinstance(column_type, sa.JSON):
        return "json"
    if isinstance(column_type, sa.Integer):
        return "int"
    if isinstance(column_type, sa.String):
        return "text"
    raise TypeError(f"no bulk kind for a {type(column_type).__name__} column")


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

    def rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The rows of one statement, as the driver returns them."""
        return self._run(sql, params)

    def execute(self, sql: str, params: Sequence[Any]) -> int:
        """One statement; the number of rows it changed."""
        cursor = self._dbapi().cursor()
        try:
            cursor.execute(sql, tuple(params))
            return int(cursor.rowcount or 0)
        finally:
            cursor.close()

    def insert_one(
        self, table: str, columns: Sequence[tuple[str, Kind]], row: Sequence[Any]
    ) -> int:
        """Insert one row; its new id (SQLite: the cursor's ``lastrowid``, one statement)."""
        _identifiers(table, *(name for name, _ in columns))
        names = ", ".join(name for name, _ in columns)
        slots = ", ".join(self._slot(kind) for _, kind in columns)
        sql = f"INSERT INTO {table} ({names}) VALUES ({slots})"  # noqa: S608 (names checked)
        cursor = self._dbapi().cursor()
        try:
            if self._sqlite:
                cursor.execute(sql, tuple(row))
                return int(cursor.lastrowid)
            cursor.execute(sql + " RETURNING id", tuple(row))
            return int(cursor.fetchone()[0])
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

    def sql(self, template: str) -> str:
        """``template`` with its placeholders filled for this database: ``{int}``,
        ``{text}``, ``{time}``, ``{bool}``, ``{json}`` (one value of that kind) and
        ``{among}`` (``among("int")``). Cached: hot paths call it for every statement."""
        return _filled(template, self._sqlite)

    def among(self, kind: Kind) -> str:
        """``IN (<a list given as one parameter>)``, the same SQL text for any length, so
        the database's prepared statement is reused (pass ``listed(values)``)."""
        if self._sqlite:
            return "IN (SELECT value FROM json_each(?))"
        return "= ANY(%s::bigint[])" if kind == "int" else "= ANY(%s::text[])"

    def listed(self, values: Sequence[Any]) -> Any:
        return self.json(list(values)) if self._sqlite else list(values)

    def query(
        self, sql: str, params: Sequence[Any], columns: Sequence[str]
    ) -> list[tuple[Any, ...]]:
        """The rows of ``sql`` (whose output columns are ``columns``). On SQLite they come
        back aggregated into one JSON value: one step, one release of the GIL."""
        if not self._sqlite:
            return self._run(sql, params)
        _identifiers(*columns)
        wrapped = (
            f"SELECT json_group_array(json_array({', '.join(columns)})) "  # noqa: S608
            f"FROM ({sql})"
        )
        (found,) = self._run(wrapped, params)[0]
        return [tuple(row) for row in _decode_rows(found)]

    # ---- statements --------------------------------------------------------------------

    def insert(
        self,
        table: str,
        columns: Sequence[tuple[str, Kind]],
        rows: Sequence[Sequence[Any]],
        *,
        key: Sequence[str] = (),
    ) -> list[int | None]:
        """Insert ``rows`` (tuples in ``columns`` order), skipping any whose unique ``key``
        (column names; none: no skipping) exists. Returns the new id of each row, in order,
        or None for a row skipped as a duplicate."""
        if not rows:
            return []
        _identifiers(table, *(name for name, _ in columns), *key)
        names = ", ".join(name for name, _ in columns)
        slots = "(" + ", ".join(self._slot(kind) for _, kind in columns) + ")"
        conflict = " ON CONFLICT DO NOTHING" if key else ""
        positions = [[name for name, _ in columns].index(name) for name in key]
        if self._sqlite:
            return self._sqlite_insert(table, names, slots, conflict, rows, key, positions)
        tail = f"{conflict} RETURNING id" + "".join(f", {name}" for name in key)
        new: dict[tuple[Any, ...], int] = {}
        ids: list[int | None] = []
        per_chunk = max(1, _MAX_VALUES // len(columns))
        for start in range(0, len(rows), per_chunk):
            chunk = rows[start : start + per_chunk]
            values = ", ".join([slots] * len(chunk))
            sql = f"INSERT INTO {table} ({names}) VALUES {values}{tail}"  # noqa: S608 (names checked)
            returned = self._run(sql, list(chain.from_iterable(chunk)))
            if key:
                new.update({tuple(found[1:]): int(found[0]) for found in returned})
            else:
                ids.extend(int(found[0]) for found in returned)
        if key:
            return [new.pop(tuple(row[i] for i in positions), None) for row in rows]
        return ids

    def _sqlite_insert(
        self,
        table: str,
        names: str,
        slots: str,
        conflict: str,
        rows: Sequence[Sequence[Any]],
        key: Sequence[str],
        positions: Sequence[int],
    ) -> list[int | None]:
        """Multi-row INSERTs in chunks of power-of-two sizes (a handful of statement texts,
        each prepared once). The rows added are the ones with the highest ids: the
        transaction holds SQLite's only write lock and a new row's id is above every
        existing one, in insertion order."""
        cursor = self._dbapi().cursor()
        try:
            start = 0
            # The rows each statement added (the cursor's count leaves out what triggers
            # wrote, which the connection's ``total_changes`` includes).
            added = 0
            for size in _power_of_two_chunks(len(rows)):
                chunk = rows[start : start + size]
                start += size
                values = ", ".join([slots] * size)
                cursor.execute(
                    f"INSERT INTO {table} ({names}) VALUES {values}{conflict}",  # noqa: S608
                    tuple(chain.from_iterable(chunk)),
                )
                added += cursor.rowcount
            if not added:
                return [None] * len(rows)
            if added == len(rows):
                cursor.execute(f"SELECT max(id) FROM {table}")  # noqa: S608 (names checked)
                top = int(cursor.fetchone()[0])
                return list(range(top - added + 1, top + 1))
            cursor.execute(
                f"SELECT json_group_array(json_array(id, {', '.join(key)})) "  # noqa: S608
                f"FROM {table} WHERE id > (SELECT max(id) FROM {table}) - ?",
                (added,),
            )
            new = {tuple(found[1:]): int(found[0]) for found in _decode_rows(cursor.fetchone()[0])}
            return [new.pop(tuple(row[i] for i in positions), None) for row in rows]
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
        width = len(columns) + 1
        slot = "(" + ", ".join([self._slot("int")] + [self._slot("time")] * len(columns)) + ")"
        names = ", ".join(f"column{i}" for i in range(1, width + 1))
        alias = "v" if self._sqlite else f"v({names})"
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
        if self._sqlite:
            sizes = _power_of_two_chunks(len(rows))
        else:
            per_chunk = max(1, _MAX_VALUES // width)
            sizes = [min(per_chunk, len(rows) - s) for s in range(0, len(rows), per_chunk)]
        start = 0
        for size in sizes:
            chunk = rows[start : start + size]
            start += size
            values = ", ".join([slot] * size)
            sql = (
                f"UPDATE {table} AS t SET {sets} FROM (VALUES {values}) AS {alias} "  # noqa: S608
                f"WHERE t.id = v.column1 AND ({changed})"
            )
            self._run(sql, list(chain.from_iterable(chunk)))


@functools.lru_cache(maxsize=256)
def _filled(template: str, sqlite: bool) -> str:
    if sqlite:
        slots = dict.fromkeys(_PG_CASTS, "?")
        among = "IN (SELECT value FROM json_each(?))"
    else:
        slots = dict(_PG_CASTS)
        among = "= ANY(%s::bigint[])"
    return template.format(among=among, **slots)


def _power_of_two_chunks(count: int, largest: int = 128) -> list[int]:
    """``count`` as a sum of powers of two no larger than ``largest``, biggest first."""
    sizes = []
    while count:
        size = min(largest, 1 << (count.bit_length() - 1))
        sizes.append(size)
        count -= size
    return sizes


def _decode_rows(value: Any) -> list[list[Any]]:
    rows: list[list[Any]] = _decode_json(value) if value else []
    return rows
