"""Contacts: one per (Page, PSID), created on first sight, never duplicated.

Window marks (``last_user_message_at``, ``last_qualifying_action_at``) only move forward:
events can arrive out of order, so each update keeps the later of the stored and the new time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.storage.tables import contacts
from comptoir.storage.types import UTCDateTime
from comptoir.storage.upsert import insert_ignoring_duplicates

#: Longest PSID the column holds (Meta's are 16-17 digits).
MAX_PSID_LENGTH = 64
MAX_SOURCE_REF_LENGTH = 2100

ContactKey = tuple[int, str]
"""(page_ref, psid)"""


@dataclass(frozen=True, slots=True)
class NewContact:
    """What is known about a person when they first appear."""

    workspace_id: int
    source: str = "message"
    source_ref: str | None = None


@dataclass(frozen=True, slots=True)
class ContactIds:
    ids: dict[ContactKey, int]
    #: Keys of the contacts this call created.
    created: frozenset[ContactKey]


def ensure_contacts(
    conn: Connection, wanted: Mapping[ContactKey, NewContact], now: datetime
) -> ContactIds:
    """The id of every contact in ``wanted``, creating the missing ones (unique key, no
    check-then-insert). On PostgreSQL the rows stay locked until commit, so two processes
    writing for one person take turns."""
    if not wanted:
        return ContactIds({}, frozenset())
    rows = [
        {
            "workspace_id": new.workspace_id,
            "page_ref": page_ref,
            "psid": psid,
            "source": new.source,
            "source_ref": new.source_ref[:MAX_SOURCE_REF_LENGTH] if new.source_ref else None,
            "created_at": now,
        }
        for (page_ref, psid), new in wanted.items()
    ]
    statement = insert_ignoring_duplicates(conn, contacts).returning(
        contacts.c.id, contacts.c.page_ref, contacts.c.psid
    )
    ids: dict[ContactKey, int] = {}
    for contact_id, page_ref, psid in conn.execute(statement, rows):
        ids[(int(page_ref), str(psid))] = int(contact_id)
    created = frozenset(ids)
    missing = [key for key in wanted if key not in ids]
    if missing:
        ids.update(find_contacts(conn, missing, lock=True))
    return ContactIds(ids, created)


def find_contacts(
    conn: Connection, keys: Sequence[ContactKey], *, lock: bool = False
) -> dict[ContactKey, int]:
    """Ids of the contacts with these keys that exist."""
    if not keys:
        return {}
    page_refs = {page_ref for page_ref, _ in keys}
    psids = {psid for _, psid in keys}
    statement = sa.select(contacts.c.id, contacts.c.page_ref, contacts.c.psid).where(
        contacts.c.page_ref.in_(page_refs), contacts.c.psid.in_(psids)
    )
    if lock:
        statement = statement.with_for_update()
    wanted = set(keys)
    found: dict[ContactKey, int] = {}
    for contact_id, page_ref, psid in conn.execute(statement):
        key = (int(page_ref), str(psid))
        if key in wanted:
            found[key] = int(contact_id)
    return found


def _move_forward_statement(column_name: str) -> sa.Update:
    """``UPDATE contacts SET <col> = :at WHERE id = :contact_id AND (<col> IS NULL OR
    <col> < :at)``: a mark never goes back."""
    column = contacts.c[column_name]
    at = sa.bindparam("at", type_=UTCDateTime)
    return (
        contacts.update()
        .where(contacts.c.id == sa.bindparam("contact_id"), sa.or_(column.is_(None), column < at))
        .values({column_name: at})
    )


def advance_windows(
    conn: Connection,
    user_messages: Mapping[int, datetime],
    qualifying_actions: Mapping[int, datetime],
) -> None:
    """Move ``last_user_message_at`` / ``last_qualifying_action_at`` forward (contact id ->
    time of the latest such event in this batch)."""
    for column_name, marks in (
        ("last_user_message_at", user_messages),
        ("last_qualifying_action_at", qualifying_actions),
    ):
        if marks:
            conn.execute(
                _move_forward_statement(column_name),
                [{"contact_id": contact_id, "at": at} for contact_id, at in marks.items()],
            )


def contact_contents(conn: Connection, contact_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    ids = set(contact_ids)
    if not ids:
        return {}
    result = conn.execute(
        sa.select(contacts.c.id, contacts.c.content).where(contacts.c.id.in_(ids))
    )
    return {int(row[0]): dict(row[1] or {}) for row in result}


def save_contents(conn: Connection, contents: Mapping[int, dict[str, Any]]) -> None:
    if contents:
        conn.execute(
            contacts.update()
            .where(contacts.c.id == sa.bindparam("contact_id"))
            .values(content=sa.bindparam("new_content", type_=contacts.c.content.type)),
            [{"contact_id": cid, "new_content": content} for cid, content in contents.items()],
        )


@dataclass(frozen=True, slots=True)
class ProfileTarget:
    """A contact whose profile is to be fetched."""

    contact_id: int
    workspace_id: int
    page_ref: int
    #: Meta's id of the Page (to find its token).
    page_id: str
    psid: str


def save_profile(
    conn: Connection,
    contact_id: int,
    *,
    status: str,
    now: datetime,
    first_name: str | None = None,
    last_name: str | None = None,
    profile_pic: str | None = None,
    locale: str | None = None,
    timezone_offset: float | None = None,
) -> None:
    """Record the outcome of a User Profile API call (fields left None stay as they are)."""
    values: dict[str, Any] = {"profile_status": status, "profile_fetched_at": now}
    if first_name is not None:
        values["first_name"] = first_name[:200]
    if last_name is not None:
        values["last_name"] = last_name[:200]
    if profile_pic is not None:
        values["profile_pic"] = profile_pic
    if locale is not None:
        values["locale"] = locale[:20]
    if timezone_offset is not None:
        values["timezone_offset"] = timezone_offset
    conn.execute(contacts.update().where(contacts.c.id == contact_id).values(**values))
