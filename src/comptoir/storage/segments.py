"""Segments: saved filters (``domain.segments``) and their compilation to one SQL query over
contacts, the same on SQLite and PostgreSQL (labels and fields live in JSON columns of
``automation_contacts``; consents in ``contact_consents``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from comptoir.domain.consent import ALL_TOPICS, ConsentStatus
from comptoir.domain.segments import FieldCondition, FieldOp, SegmentFilter, parse_filter
from comptoir.storage.tables import automation_contacts, contact_consents, contacts, segments
from comptoir.storage.upsert import insert_ignoring_duplicates

__all__ = [
    "StoredSegment",
    "count_segment",
    "create_segment",
    "delete_segment",
    "get_segment",
    "list_segments",
    "segment_contacts",
    "update_segment",
]


@dataclass(frozen=True, slots=True)
class StoredSegment:
    id: int
    workspace_id: int
    name: str
    filter: SegmentFilter
    created_at: datetime
    updated_at: datetime


def segment_contacts(
    spec: SegmentFilter, workspace_id: int, now: datetime
) -> sa.Select[tuple[int]]:
    """``SELECT contacts.id`` of the contacts matching ``spec``, with no order or limit of
    its own: callers add them, or use it as a sub-query or in ``INSERT ... SELECT``."""
    conditions: list[sa.ColumnElement[bool]] = [contacts.c.workspace_id == workspace_id]
    if spec.page_id is not None:
        conditions.append(contacts.c.page_ref == spec.page_id)
    labels = automation_contacts.c.labels
    for label in spec.labels_all:
        conditions.append(_has_label(label))
    if spec.labels_any:
        conditions.append(sa.or_(*(_has_label(label) for label in spec.labels_any)))
    for label in spec.labels_none:
        conditions.append(sa.or_(labels.is_(None), sa.not_(_has_label(label))))
    for condition in spec.fields:
        conditions.append(_field(condition))
    for topic in spec.topics_in:
        conditions.append(_consent(topic, ConsentStatus.OPTED_IN))
        conditions.append(sa.not_(_consent(ALL_TOPICS, ConsentStatus.OPTED_OUT)))
    for topic in spec.topics_not_out:
        conditions.append(sa.not_(_consent(topic, ConsentStatus.OPTED_OUT)))
        conditions.append(sa.not_(_consent(ALL_TOPICS, ConsentStatus.OPTED_OUT)))
    if spec.locales:
        conditions.append(sa.or_(*(_locale(locale) for locale in spec.locales)))
    if spec.sources:
        conditions.append(contacts.c.source.in_(spec.sources))
    if spec.interacted_within_days is not None:
        since = now - timedelta(days=spec.interacted_within_days)
        conditions.append(contacts.c.last_user_message_at >= since)
    if spec.not_interacted_within_days is not None:
        since = now - timedelta(days=spec.not_interacted_within_days)
        conditions.append(
            sa.or_(
                contacts.c.last_user_message_at.is_(None),
                contacts.c.last_user_message_at < since,
            )
        )
    if spec.blocked is not None:
        blocked = contacts.c.blocked_at
        conditions.append(blocked.is_not(None) if spec.blocked else blocked.is_(None))
    return (
        sa.select(contacts.c.id)
        .select_from(
            contacts.outerjoin(
                automation_contacts, automation_contacts.c.contact_id == contacts.c.id
            )
        )
        .where(*conditions)
    )


class _HasLabel(sa.sql.expression.ColumnElement[bool]):
    """``automation_contacts.labels`` (a JSON list) holds ``label``: ``@>`` on PostgreSQL,
    ``json_each`` on SQLite."""

    inherit_cache = True
    type = sa.Boolean()

    def __init__(self, label: str) -> None:
        self.wanted = sa.bindparam(None, label, type_=sa.String, unique=True)


@compiles(_HasLabel, "postgresql")
def _has_label_postgresql(element: _HasLabel, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(automation_contacts.c.labels, **kw)
    label = compiler.process(element.wanted, **kw)
    return f"(CAST({column} AS JSONB) @> jsonb_build_array(CAST({label} AS TEXT)))"


@compiles(_HasLabel)
def _has_label_sqlite(element: _HasLabel, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(automation_contacts.c.labels, **kw)
    label = compiler.process(element.wanted, **kw)
    # both parts are compiled SQL: a column name and a bound parameter, never a value
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {label})"  # noqa: S608


def _has_label(label: str) -> sa.ColumnElement[bool]:
    return _HasLabel(label)


def _field(condition: FieldCondition) -> sa.ColumnElement[bool]:
    value: sa.ColumnElement[str] = automation_contacts.c.fields[condition.name].as_string()
    match condition.op:
        case FieldOp.EXISTS:
            return value.is_not(None)
        case FieldOp.MISSING:
            return value.is_(None)
        case FieldOp.EQ:
            return value == condition.value
        case FieldOp.NE:
            return sa.or_(value.is_(None), value != condition.value)
        case FieldOp.CONTAINS:
            text = (condition.value or "").lower()
            return sa.func.lower(value).contains(text, autoescape=True)


def _consent(topic: str, status: ConsentStatus) -> sa.ColumnElement[bool]:
    return sa.exists(
        sa.select(sa.literal(1)).where(
            contact_consents.c.contact_id == contacts.c.id,
            contact_consents.c.topic == topic,
            contact_consents.c.status == status.value,
        )
    )


def _locale(locale: str) -> sa.ColumnElement[bool]:
    locale = locale.replace("-", "_")
    if "_" in locale:
        return contacts.c.locale == locale
    return sa.or_(
        contacts.c.locale == locale,
        contacts.c.locale.startswith(locale + "_", autoescape=True),
    )


def count_segment(conn: Connection, workspace_id: int, spec: SegmentFilter, now: datetime) -> int:
    query = segment_contacts(spec, workspace_id, now).subquery()
    return int(conn.execute(sa.select(sa.func.count()).select_from(query)).scalar_one())


# -- saved segments ---------------------------------------------------------------------------


def _segment(row: Any) -> StoredSegment:
    return StoredSegment(
        id=int(row.id),
        workspace_id=int(row.workspace_id),
        name=row.name,
        filter=parse_filter(row.filter),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def create_segment(
    conn: Connection, workspace_id: int, name: str, spec: SegmentFilter, now: datetime
) -> StoredSegment | None:
    """The new segment, or None when the workspace has one by that name already."""
    new_id = conn.execute(
        insert_ignoring_duplicates(conn, segments)
        .values(
            workspace_id=workspace_id,
            name=name,
            filter=spec.to_json(),
            created_at=now,
            updated_at=now,
        )
        .returning(segments.c.id)
    ).scalar_one_or_none()
    if new_id is None:
        return None
    return get_segment(conn, workspace_id, int(new_id))


def get_segment(conn: Connection, workspace_id: int, segment_id: int) -> StoredSegment | None:
    row = conn.execute(
        sa.select(segments).where(
            segments.c.id == segment_id, segments.c.workspace_id == workspace_id
        )
    ).first()
    return None if row is None else _segment(row)


def list_segments(conn: Connection, workspace_id: int) -> list[StoredSegment]:
    rows = conn.execute(
        sa.select(segments).where(segments.c.workspace_id == workspace_id).order_by(segments.c.id)
    )
    return [_segment(row) for row in rows]


def update_segment(
    conn: Connection,
    workspace_id: int,
    segment_id: int,
    now: datetime,
    *,
    name: str | None = None,
    spec: SegmentFilter | None = None,
) -> StoredSegment | None:
    """The updated segment; None when it does not exist. Raises ``sa.exc.IntegrityError``
    when the new name is taken."""
    values: dict[str, Any] = {"updated_at": now}
    if name is not None:
        values["name"] = name
    if spec is not None:
        values["filter"] = spec.to_json()
    conn.execute(
        segments.update()
        .where(segments.c.id == segment_id, segments.c.workspace_id == workspace_id)
        .values(**values)
    )
    return get_segment(conn, workspace_id, segment_id)


def delete_segment(conn: Connection, workspace_id: int, segment_id: int) -> bool:
    return bool(
        conn.execute(
            segments.delete().where(
                segments.c.id == segment_id, segments.c.workspace_id == workspace_id
            )
        ).rowcount
    )
