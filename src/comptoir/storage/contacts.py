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

from comptoir.storage.bulk import Bulk, columns
from comptoir.storage.tables import contacts

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


_NEW_CONTACT = columns(
    contacts,
    "workspace_id",
    "page_ref",
    "psid",
    "source",
    "source_ref",
    "created_at",
)


def ensure_contacts(
    conn: Connection, wanted: Mapping[ContactKey, NewContact], now: datetime
) -> ContactIds:
    """The id of every contact in ``wanted``, creating the missing ones. The insert skips a
    contact created meanwhile (unique key), which is then read back: never a duplicate. On
    PostgreSQL the rows stay locked until commit, so two processes writing for one person
    take turns."""
    if not wanted:
        return ContactIds({}, frozenset())
    ids = find_contacts(conn, list(wanted), lock=True)
    missing = [key for key in wanted if key not in ids]
    if not missing:
        return ContactIds(ids, frozenset())
    bulk = Bulk(conn)
    created_at = bulk.time(now)
    rows = []
    for key in missing:
        new = wanted[key]
        source_ref = new.source_ref[:MAX_SOURCE_REF_LENGTH] if new.source_ref else None
        rows.append((new.workspace_id, key[0], key[1], new.source, source_ref, created_at))
    created: set[ContactKey] = set()
    new_ids = bulk.insert(contacts.name, _NEW_CONTACT, rows, key=("page_ref", "psid"))
    for key, contact_id in zip(missing, new_ids, strict=True):
        if contact_id is not None:
            ids[key] = contact_id
            created.add(key)
    raced = [key for key in missing if key not in ids]
    if raced:
        ids.update(find_contacts(conn, raced, lock=True))
    return ContactIds(ids, frozenset(created))


def find_contacts(
    conn: Connection, keys: Sequence[ContactKey], *, lock: bool = False
) -> dict[ContactKey, int]:
    """Ids of the contacts with these keys that exist (locked on PostgreSQL if ``lock``)."""
    if not keys:
        return {}
    bulk = Bulk(conn)
    by_page: dict[int, list[str]] = {}
    for page_ref, psid in keys:
        by_page.setdefault(page_ref, []).append(psid)
    suffix = "" if bulk.sqlite or not lock else " FOR UPDATE"
    sql = (
        f"SELECT id, page_ref, psid FROM {contacts.name} "  # noqa: S608 (no input in it)
        f"WHERE page_ref = {bulk.slot('int')} AND psid {bulk.among('text')}{suffix}"
    )
    found: dict[ContactKey, int] = {}
    for page_ref, psids in by_page.items():
        unique = list(dict.fromkeys(psids))
        params = (page_ref, bulk.listed(unique))
        for contact_id, ref, psid in bulk.query(sql, params, ("id", "page_ref", "psid")):
            found[(int(ref), str(psid))] = int(contact_id)
    return found


def advance_windows(
    conn: Connection,
    user_messages: Mapping[int, datetime],
    qualifying_actions: Mapping[int, datetime],
) -> None:
    """Move ``last_user_message_at`` / ``last_qualifying_action_at`` forward (contact id ->
    time of the latest such event in this batch), never back."""
    ids = set(user_messages) | set(qualifying_actions)
    if not ids:
        return
    bulk = Bulk(conn)
    rows = [
        (
            contact_id,
            bulk.time(user_messages.get(contact_id)),
            bulk.time(qualifying_actions.get(contact_id)),
        )
        for contact_id in sorted(ids)
    ]
    bulk.move_forward(contacts.name, ("last_user_message_at", "last_qualifying_action_at"), rows)


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
