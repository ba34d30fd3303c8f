"""The inbox's reads and writes: the conversation list (folders, filters, search, keyset
pages on (last_activity_at, id)), what decorates its rows (contact, Page, assignee, labels,
last message, unread count), one conversation's messages, notes, labels, read marks and
saved replies. Every function takes the workspace id and never reads another's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.storage.inbox_search import matching_conversations
from comptoir.storage.tables import (
    automation_contacts,
    automation_threads,
    contacts,
    conversation_labels,
    conversation_notes,
    conversation_reads,
    conversations,
    messages,
    pages,
    saved_replies,
    users,
)

Folder = Literal["unassigned", "mine", "all"]
Status = Literal["open", "pending", "snoozed", "resolved"]
FOLDERS: tuple[Folder, ...] = ("unassigned", "mine", "all")
STATUSES: tuple[Status, ...] = ("open", "pending", "snoozed", "resolved")

c = conversations


@dataclass(frozen=True, slots=True)
class ListQuery:
    folder: Folder = "all"
    status: Status = "open"
    page_ref: int | None = None
    label: str | None = None
    assignee_id: int | None = None
    terms: tuple[str, ...] = ()
    limit: int = 25
    after: tuple[datetime, int] | None = None


def _snoozed(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        c.c.snoozed_until.is_not(None),
        c.c.snoozed_until > now,
        c.c.last_activity_at <= c.c.snoozed_at,
    )


def _folder(folder: Folder, user_id: int) -> list[sa.ColumnElement[bool]]:
    if folder == "unassigned":
        return [c.c.assignee_id.is_(None)]
    if folder == "mine":
        return [c.c.assignee_id == user_id]
    return []


def _status(status: Status, now: datetime) -> list[sa.ColumnElement[bool]]:
    if status == "snoozed":
        return [c.c.status != "resolved", _snoozed(now)]
    if status == "resolved":
        return [c.c.status == "resolved"]
    return [c.c.status == status, sa.not_(_snoozed(now))]


def list_ids(
    conn: Connection, workspace_id: int, user_id: int, query: ListQuery, now: datetime
) -> list[Any]:
    """One page of conversations (id, last_activity_at), newest activity first."""
    where: list[sa.ColumnElement[bool]] = [c.c.workspace_id == workspace_id]
    where += _folder(query.folder, user_id)
    where += _status(query.status, now)
    if query.page_ref is not None:
        where.append(c.c.page_ref == query.page_ref)
    if query.assignee_id is not None:
        where.append(c.c.assignee_id == query.assignee_id)
    if query.label is not None:
        where.append(
            c.c.id.in_(
                sa.select(conversation_labels.c.conversation_id).where(
                    conversation_labels.c.workspace_id == workspace_id,
                    conversation_labels.c.label == query.label,
                )
            )
        )
    if query.terms:
        where.append(matching_conversations(conn, workspace_id, list(query.terms)))
    if query.after is not None:
        at, last_id = query.after
        # A row-value comparison: both backends seek the index to it (an OR would scan).
        where.append(sa.tuple_(c.c.last_activity_at, c.c.id) < sa.tuple_(at, last_id))
    statement = (
        sa.select(c.c.id, c.c.last_activity_at)
        .where(*where)
        .order_by(c.c.last_activity_at.desc(), c.c.id.desc())
        .limit(query.limit)
    )
    return list(conn.execute(statement).all())


def count_folders(
    conn: Connection, workspace_id: int, user_id: int, now: datetime
) -> dict[str, dict[str, int]]:
    """Conversations per folder and status: one pass over the assignee index, then the few
    snoozed ones (their own index) moved from their status to ``snoozed``."""
    counts: dict[str, dict[str, int]] = {f: dict.fromkeys(STATUSES, 0) for f in FOLDERS}

    def add(status: str, assignee_id: int | None, n: int) -> None:
        counts["all"][status] += n
        if assignee_id is None:
            counts["unassigned"][status] += n
        elif assignee_id == user_id:
            counts["mine"][status] += n

    rows = conn.execute(
        sa.select(c.c.status, c.c.assignee_id, sa.func.count().label("n"))
        .where(c.c.workspace_id == workspace_id)
        .group_by(c.c.status, c.c.assignee_id)
    ).all()
    for row in rows:
        if row.status in counts["all"]:
            add(row.status, row.assignee_id, row.n)
    snoozed = conn.execute(
        sa.select(c.c.status, c.c.assignee_id, sa.func.count().label("n"))
        .where(c.c.workspace_id == workspace_id, c.c.status != "resolved", _snoozed(now))
        .group_by(c.c.status, c.c.assignee_id)
    ).all()
    for row in snoozed:
        if row.status in counts["all"]:
            add(row.status, row.assignee_id, -row.n)
            add("snoozed", row.assignee_id, row.n)
    return counts


def unread_conversations(
    conn: Connection, workspace_id: int, user_id: int, now: datetime
) -> dict[str, int]:
    """Open (not resolved, not snoozed) conversations with unread customer messages: their
    newest customer message (kept on the conversation) is above this user's read mark."""
    r = conversation_reads
    unassigned = c.c.assignee_id.is_(None)
    mine = c.c.assignee_id == user_id
    row = conn.execute(
        sa.select(
            sa.func.count().label("all"),
            sa.func.coalesce(sa.func.sum(sa.case((unassigned, 1), else_=0)), 0).label("free"),
            sa.func.coalesce(sa.func.sum(sa.case((mine, 1), else_=0)), 0).label("mine"),
        )
        .select_from(c.outerjoin(r, sa.and_(r.c.conversation_id == c.c.id, r.c.user_id == user_id)))
        .where(
            c.c.workspace_id == workspace_id,
            c.c.status != "resolved",
            sa.not_(_snoozed(now)),
            c.c.last_in_message_id > sa.func.coalesce(r.c.last_read_message_id, 0),
        )
    ).one()
    return {"unassigned": int(row.free), "mine": int(row.mine), "all": int(row.all)}


def conversation_rows(
    conn: Connection, workspace_id: int, ids: list[int]
) -> dict[int, dict[str, Any]]:
    """The conversations ``ids`` with their contact, Page, assignee and automation state."""
    if not ids:
        return {}
    rows = conn.execute(
        sa.select(
            c.c.id,
            c.c.status,
            c.c.assignee_id,
            c.c.snoozed_until,
            c.c.snoozed_at,
            c.c.last_activity_at,
            c.c.created_at,
            c.c.contact_id,
            c.c.page_ref,
            contacts.c.first_name,
            contacts.c.last_name,
            contacts.c.profile_pic,
            contacts.c.last_user_message_at,
            contacts.c.window_seconds,
            pages.c.name.label("page_name"),
            pages.c.timezone.label("page_timezone"),
            pages.c.human_agent_enabled,
            users.c.name.label("assignee_name"),
            automation_threads.c.taken_at,
            automation_threads.c.taken_by,
        )
        .join(contacts, contacts.c.id == c.c.contact_id)
        .join(pages, pages.c.id == c.c.page_ref)
        .outerjoin(users, users.c.id == c.c.assignee_id)
        .outerjoin(automation_threads, automation_threads.c.conversation_id == c.c.id)
        .where(c.c.workspace_id == workspace_id, c.c.id.in_(ids))
    ).all()
    return {int(row.id): dict(row._mapping) for row in rows}


def labels_of(conn: Connection, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = conn.execute(
        sa.select(conversation_labels.c.conversation_id, conversation_labels.c.label)
        .where(conversation_labels.c.conversation_id.in_(ids))
        .order_by(conversation_labels.c.label)
    ).all()
    for row in rows:
        found[int(row.conversation_id)].append(str(row.label))
    return found


def last_messages(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    latest = (
        sa.select(sa.func.max(messages.c.id))
        .where(messages.c.conversation_id.in_(ids))
        .group_by(messages.c.conversation_id)
    )
    rows = conn.execute(
        sa.select(
            messages.c.conversation_id,
            messages.c.text,
            messages.c.direction,
            messages.c.author_kind,
            messages.c.created_at,
        ).where(messages.c.id.in_(latest))
    ).all()
    return {int(row.conversation_id): dict(row._mapping) for row in rows}


def unread_counts(conn: Connection, user_id: int, ids: list[int]) -> dict[int, int]:
    """Customer messages after this user's read mark, per conversation of ``ids``."""
    if not ids:
        return {}
    r = conversation_reads
    marks = dict(
        conn.execute(
            sa.select(r.c.conversation_id, r.c.last_read_message_id).where(
                r.c.user_id == user_id, r.c.conversation_id.in_(ids)
            )
        ).all()
    )
    read_up_to = (
        sa.case(
            *((messages.c.conversation_id == cid, mark) for cid, mark in marks.items()), else_=0
        )
        if marks
        else sa.literal(0)
    )
    rows = conn.execute(
        sa.select(messages.c.conversation_id, sa.func.count().label("n"))
        .where(
            messages.c.conversation_id.in_(ids),
            messages.c.direction == "in",
            messages.c.id > read_up_to,
        )
        .group_by(messages.c.conversation_id)
    ).all()
    return {int(row.conversation_id): int(row.n) for row in rows}


def conversation_exists(conn: Connection, workspace_id: int, conversation_id: int) -> bool:
    return (
        conn.execute(
            sa.select(c.c.id).where(c.c.id == conversation_id, c.c.workspace_id == workspace_id)
        ).first()
        is not None
    )


# -- one conversation --------------------------------------------------------------------------


def message_page(
    conn: Connection, conversation_id: int, *, before: int | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` messages older than ``before`` (newest first)."""
    where = [messages.c.conversation_id == conversation_id]
    if before is not None:
        where.append(messages.c.id < before)
    rows = conn.execute(
        sa.select(messages).where(*where).order_by(messages.c.id.desc()).limit(limit)
    ).all()
    return [dict(row._mapping) for row in rows]


def one_message(conn: Connection, message_id: int) -> dict[str, Any] | None:
    row = conn.execute(sa.select(messages).where(messages.c.id == message_id)).first()
    return dict(row._mapping) if row is not None else None


def contact_panel(conn: Connection, workspace_id: int, contact_id: int) -> dict[str, Any]:
    row = conn.execute(
        sa.select(
            contacts,
            automation_contacts.c.fields,
            automation_contacts.c.labels,
            automation_contacts.c.consents,
        )
        .outerjoin(automation_contacts, automation_contacts.c.contact_id == contacts.c.id)
        .where(contacts.c.id == contact_id, contacts.c.workspace_id == workspace_id)
    ).one()
    past = conn.execute(
        sa.select(c.c.id, c.c.status, c.c.last_activity_at)
        .where(c.c.contact_id == contact_id, c.c.workspace_id == workspace_id)
        .order_by(c.c.last_activity_at.desc(), c.c.id.desc())
        .limit(20)
    ).all()
    panel = dict(row._mapping)
    panel["past_conversations"] = [dict(p._mapping) for p in past]
    return panel


def notes_of(conn: Connection, conversation_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(conversation_notes)
        .where(conversation_notes.c.conversation_id == conversation_id)
        .order_by(conversation_notes.c.id)
    ).all()
    return [dict(row._mapping) for row in rows]


def insert_note(
    conn: Connection,
    workspace_id: int,
    conversation_id: int,
    author_id: int,
    author_name: str,
    text: str,
    now: datetime,
) -> dict[str, Any]:
    values = {
        "workspace_id": workspace_id,
        "conversation_id": conversation_id,
        "author_id": author_id,
        "author_name": author_name,
        "text": text,
        "created_at": now,
    }
    note_id = conn.execute(
        conversation_notes.insert().values(**values).returning(conversation_notes.c.id)
    ).scalar_one()
    return {"id": int(note_id), **values}


def replace_labels(
    conn: Connection, workspace_id: int, conversation_id: int, labels: list[str]
) -> None:
    conn.execute(
        conversation_labels.delete().where(conversation_labels.c.conversation_id == conversation_id)
    )
    if labels:
        conn.execute(
            conversation_labels.insert(),
            [
                {"conversation_id": conversation_id, "label": label, "workspace_id": workspace_id}
                for label in labels
            ],
        )


def labels_in_use(conn: Connection, workspace_id: int) -> list[str]:
    rows = conn.execute(
        sa.select(conversation_labels.c.label)
        .where(conversation_labels.c.workspace_id == workspace_id)
        .distinct()
        .order_by(conversation_labels.c.label)
        .limit(500)
    ).all()
    return [str(row.label) for row in rows]


def update_conversation(
    conn: Connection, workspace_id: int, conversation_id: int, values: dict[str, Any]
) -> None:
    conn.execute(
        c.update()
        .where(c.c.id == conversation_id, c.c.workspace_id == workspace_id)
        .values(**values)
    )


def mark_read(conn: Connection, conversation_id: int, user_id: int, now: datetime) -> None:
    latest = conn.execute(
        sa.select(sa.func.max(messages.c.id)).where(messages.c.conversation_id == conversation_id)
    ).scalar()
    if latest is None:
        return
    r = conversation_reads
    updated = conn.execute(
        r.update()
        .where(r.c.conversation_id == conversation_id, r.c.user_id == user_id)
        .values(
            last_read_message_id=sa.func.max(r.c.last_read_message_id, latest)
            if conn.dialect.name == "sqlite"
            else sa.func.greatest(r.c.last_read_message_id, latest),
            read_at=now,
        )
    ).rowcount
    if not updated:
        conn.execute(
            r.insert().values(
                conversation_id=conversation_id,
                user_id=user_id,
                last_read_message_id=latest,
                read_at=now,
            )
        )


def page_list(conn: Connection, workspace_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(pages.c.id, pages.c.name)
        .where(pages.c.workspace_id == workspace_id)
        .order_by(pages.c.name, pages.c.id)
    ).all()
    return [{"id": int(r.id), "name": r.name} for r in rows]


def page_in_workspace(conn: Connection, workspace_id: int, page_ref: int) -> bool:
    return (
        conn.execute(
            sa.select(pages.c.id).where(
                pages.c.id == page_ref, pages.c.workspace_id == workspace_id
            )
        ).first()
        is not None
    )


# -- saved replies -----------------------------------------------------------------------------


def saved_reply_list(conn: Connection, workspace_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(saved_replies.c.id, saved_replies.c.name, saved_replies.c.text)
        .where(saved_replies.c.workspace_id == workspace_id)
        .order_by(saved_replies.c.name, saved_replies.c.id)
    ).all()
    return [dict(r._mapping) for r in rows]


def saved_reply(conn: Connection, workspace_id: int, reply_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        sa.select(saved_replies.c.id, saved_replies.c.name, saved_replies.c.text).where(
            saved_replies.c.id == reply_id, saved_replies.c.workspace_id == workspace_id
        )
    ).first()
    return dict(row._mapping) if row is not None else None


def insert_saved_reply(
    conn: Connection, workspace_id: int, name: str, text: str, now: datetime
) -> int:
    return int(
        conn.execute(
            saved_replies.insert()
            .values(workspace_id=workspace_id, name=name, text=text, created_at=now, updated_at=now)
            .returning(saved_replies.c.id)
        ).scalar_one()
    )


def update_saved_reply(
    conn: Connection, workspace_id: int, reply_id: int, values: dict[str, Any]
) -> bool:
    return bool(
        conn.execute(
            saved_replies.update()
            .where(saved_replies.c.id == reply_id, saved_replies.c.workspace_id == workspace_id)
            .values(**values)
        ).rowcount
    )


def delete_saved_reply(conn: Connection, workspace_id: int, reply_id: int) -> bool:
    return bool(
        conn.execute(
            saved_replies.delete().where(
                saved_replies.c.id == reply_id, saved_replies.c.workspace_id == workspace_id
            )
        ).rowcount
    )
