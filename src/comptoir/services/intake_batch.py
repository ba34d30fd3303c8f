"""One intake transaction: the raw events of many requests and their normalised rows.

``write_batch`` runs in the intake's worker thread. It inserts the raw events first, skipping
those already stored (unique (page_ref, dedupe_key)), and processes ONLY the new ones, so a
replayed or retried delivery, in any batching and any order, writes nothing new. Every
update below is also written to be order-independent (marks and statuses move forward only,
reactions, edits and handovers keep the latest by event time), because Meta may deliver
events out of order.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from comptoir.channels.messenger import wire
from comptoir.crypto import SecretBox
from comptoir.domain.clock import Clock
from comptoir.services.consent import StopRequest
from comptoir.services.intake_audience import StoredInbound, apply_audience
from comptoir.services.intake_events import items_of
from comptoir.services.intake_item import QUALIFYING, Item
from comptoir.services.intake_rows import (
    NO_ACTIVITY_YET,
    is_usable,
    log_unknown,
    message_row,
    needs_new,
    source_of,
)
from comptoir.services.intake_updates import Updates
from comptoir.services.page_directory import KnownPage
from comptoir.services.profiles import ProfileResult, store_profiles
from comptoir.storage.contacts import (
    ContactKey,
    NewContact,
    ProfileTarget,
    advance_windows,
    ensure_contacts,
    find_contacts,
)
from comptoir.storage.conversations import (
    NewConversation,
    latest_conversations,
    open_conversations,
    touch_activity,
)
from comptoir.storage.events import insert_events, storable_key
from comptoir.storage.inbound import MAX_MID_LENGTH, insert_messages, messages_by_mid

log = logging.getLogger(__name__)

#: Kinds that store a message row (and so need a conversation).
_MESSAGE_KINDS = frozenset({"message", "postback", "echo"})


@dataclass(frozen=True, slots=True)
class PageEvents:
    """The entries of one verified request that belong to one Page; their events are
    still raw bytes (decoded in the writer's thread, ``intake_events.items_of``)."""

    page: KnownPage
    platform: str
    entries: list[wire.Entry]

    @property
    def size(self) -> int:
        return sum(
            len(entry.messaging or ()) + len(entry.standby or ()) + len(entry.changes or ())
            for entry in self.entries
        )


@dataclass(slots=True)
class BatchOutcome:
    """What a committed batch changed, for after-commit work."""

    #: (workspace_id, type, data) to publish on the live bus, in order.
    live: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    #: Contacts created by the batch: their profiles are fetched after commit.
    new_contacts: list[ProfileTarget] = field(default_factory=list)
    #: Whether ``container.on_commit`` hooks should run: an outgoing message's status
    #: moved (the relay waits for echoes) or outgoing webhooks were queued. New inbound
    #: messages alone do not wake them.
    messages_changed: bool = False
    #: Raw events stored (new ones only).
    stored: int = 0
    #: Stop requests recorded: their confirmations are sent after commit.
    stops: list[StopRequest] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.live or self.new_contacts or self.messages_changed or self.stops)


def write_batch(
    engine: Engine,
    clock: Clock,
    batches: Sequence[PageEvents],
    profiles: Sequence[ProfileResult] = (),
    box: SecretBox | None = None,
) -> BatchOutcome:
    """Store every event of ``batches`` (and fetched ``profiles``) in one transaction;
    returns what changed."""
    with engine.begin() as conn:
        return write_batch_in(conn, clock.now(), batches, profiles, box)


def write_batch_in(
    conn: Connection,
    now: datetime,
    batches: Sequence[PageEvents],
    profiles: Sequence[ProfileResult] = (),
    box: SecretBox | None = None,
) -> BatchOutcome:
    """``write_batch`` inside the caller's transaction (the app's ``WriteQueue``)."""
    entries = _unique_items(batches)
    if profiles:
        store_profiles(conn, profiles, now)
    new_keys = insert_events(conn, [_raw_row(page, item, now) for page, item in entries])
    fresh = [
        (page, item)
        for page, item in entries
        if (page.page_ref, storable_key(item.dedupe_key)) in new_keys
    ]
    outcome = BatchOutcome(stored=len(fresh))
    if fresh:
        fresh.sort(key=lambda entry: entry[1].at)
        _Writer(conn, now, outcome, box).apply(fresh)
    for result in profiles:
        target = result.target
        outcome.live.append(
            (
                target.workspace_id,
                "contact.updated",
                {"contact_id": target.contact_id, "profile_status": result.status},
            )
        )
    return outcome


def write_raw_only(
    engine: Engine, clock: Clock, batches: Sequence[PageEvents], error: BaseException
) -> None:
    """Keep the raw events of a request whose processing failed, marked with the error, so
    nothing Meta sent is lost and the request can still be acknowledged."""
    with engine.begin() as conn:
        write_raw_only_in(conn, clock.now(), batches, error)


def write_raw_only_in(
    conn: Connection, now: datetime, batches: Sequence[PageEvents], error: BaseException
) -> None:
    """``write_raw_only`` inside the caller's transaction."""
    problem = f"{type(error).__name__}: {error}"[:1000]
    rows = []
    for page, item in _unique_items(batches):
        row = _raw_row(page, item, now)
        row.update(processed_at=None, process_error=problem)
        rows.append(row)
    insert_events(conn, rows)


def _unique_items(batches: Sequence[PageEvents]) -> list[tuple[KnownPage, Item]]:
    """Every event of the group once (first copy wins), decoded Page by Page in one pass."""
    by_page: dict[tuple[int, str], tuple[KnownPage, list[wire.Entry]]] = {}
    for batch in batches:
        key = (batch.page.page_ref, batch.platform)
        if key in by_page:
            by_page[key][1].extend(batch.entries)
        else:
            by_page[key] = (batch.page, list(batch.entries))
    seen: dict[tuple[int, str], tuple[KnownPage, Item]] = {}
    for (_, platform), (page, entries) in by_page.items():
        for item in items_of(platform, entries):
            seen.setdefault((page.page_ref, storable_key(item.dedupe_key)), (page, item))
    return list(seen.values())


def _raw_row(page: KnownPage, item: Item, now: datetime) -> dict[str, Any]:
    return {
        "page_ref": page.page_ref,
        "dedupe_key": storable_key(item.dedupe_key),
        "kind": item.kind,
        "standby": item.standby,
        "payload_json": item.payload_json,
        "received_at": now,
        "processed_at": now,
        "process_error": None,
    }


class _Writer:
    """Turns the batch's new items into rows, in dependency order."""

    def __init__(
        self, conn: Connection, now: datetime, outcome: BatchOutcome, box: SecretBox | None
    ) -> None:
        self.conn = conn
        self.now = now
        self.outcome = outcome
        self.box = box
        self.inbound: list[StoredInbound] = []
        self.updates = Updates(conn, now, outcome.live)

    def apply(self, fresh: list[tuple[KnownPage, Item]]) -> None:
        usable = [(page, item) for page, item in fresh if is_usable(item)]
        contact_ids = self._contacts(usable)
        self._windows(usable, contact_ids)
        ours = self.updates.echoes_of_ours(usable, contact_ids)
        placeholders = self._edits_without_message(usable)
        rows = [
            (index, page, item)
            for index, (page, item) in enumerate(usable)
            if ((item.kind in _MESSAGE_KINDS and index not in ours) or index in placeholders)
            and self._storable(page, item)
        ]
        conversation_ids = self._conversations(usable, rows, contact_ids)
        self._messages(rows, contact_ids, conversation_ids, placeholders)
        self.updates.apply(usable, contact_ids, conversation_ids, skip_edits=placeholders)
        self.outcome.messages_changed = self.updates.messages_changed
        self.outcome.stops = apply_audience(self.conn, self.box, usable, contact_ids, self.inbound)
        for page, item in fresh:
            if item.kind == "unknown":
                log_unknown(page, item)

    # ---- contacts and windows ------------------------------------------------------------

    def _contacts(self, usable: list[tuple[KnownPage, Item]]) -> dict[ContactKey, int]:
        wanted: dict[ContactKey, NewContact] = {}
        receipts_only: set[ContactKey] = set()
        for page, item in usable:
            if item.psid is None:
                continue
            key = (page.page_ref, item.psid)
            if item.kind in ("delivery", "read"):
                receipts_only.add(key)
            elif key not in wanted:
                source, source_ref = source_of(item)
                wanted[key] = NewContact(page.workspace_id, source, source_ref)
        result = ensure_contacts(self.conn, wanted, self.now)
        ids = dict(result.ids)
        ids.update(find_contacts(self.conn, [k for k in receipts_only if k not in ids]))
        pages = {page.page_ref: page for page, _ in usable}
        for page_ref, psid in sorted(result.created):
            contact_id = ids[(page_ref, psid)]
            workspace_id = pages[page_ref].workspace_id
            self.outcome.new_contacts.append(
                ProfileTarget(contact_id, workspace_id, page_ref, pages[page_ref].page_id, psid)
            )
            self.outcome.live.append(
                (workspace_id, "contact.created", {"contact_id": contact_id, "psid": psid})
            )
        return ids

    def _windows(
        self, usable: list[tuple[KnownPage, Item]], contact_ids: dict[ContactKey, int]
    ) -> None:
        user: dict[int, datetime] = {}
        qualifying: dict[int, datetime] = {}
        for page, item in usable:
            if item.psid is None or item.kind not in QUALIFYING:
                continue
            if item.kind == "reaction" and (item.reaction or {}).get("action") == "unreact":
                continue
            contact_id = contact_ids.get((page.page_ref, item.psid))
            if contact_id is None:
                continue
            qualifying[contact_id] = max(item.at, qualifying.get(contact_id, item.at))
            if item.kind == "message":
                user[contact_id] = max(item.at, user.get(contact_id, item.at))
        advance_windows(self.conn, user, qualifying)

    # ---- conversations and messages ------------------------------------------------------

    def _edits_without_message(self, usable: list[tuple[KnownPage, Item]]) -> set[int]:
        """Indexes of edits whose message is neither stored nor in this batch: the edit
        arrived first, so it creates the message (reconciled when the message comes)."""
        edits = [i for i, (_, item) in enumerate(usable) if item.kind == "edit" and item.mid]
        if not edits:
            return set()
        in_batch = {
            (page.page_ref, item.mid)
            for page, item in usable
            if item.kind == "message" and item.mid
        }
        missing: set[int] = set()
        by_page: dict[int, list[int]] = {}
        for index in edits:
            page, item = usable[index]
            if (page.page_ref, item.mid) not in in_batch:
                by_page.setdefault(page.page_ref, []).append(index)
        for page_ref, indexes in by_page.items():
            stored = messages_by_mid(self.conn, page_ref, [usable[i][1].mid or "" for i in indexes])
            first_per_mid: dict[str, int] = {}
            for index in indexes:
                mid = usable[index][1].mid or ""
                if mid not in stored:
                    first_per_mid.setdefault(mid, index)
            missing.update(first_per_mid.values())
        return missing

    def _storable(self, page: KnownPage, item: Item) -> bool:
        if item.mid is not None and len(item.mid) > MAX_MID_LENGTH:
            log.warning("message id longer than %d characters not stored", MAX_MID_LENGTH)
            return False
        return True

    def _conversations(
        self,
        usable: list[tuple[KnownPage, Item]],
        rows: list[tuple[int, KnownPage, Item]],
        contact_ids: dict[ContactKey, int],
    ) -> dict[int, int]:
        """Contact id -> the conversation its messages (and handovers) go to."""
        starts: dict[int, NewConversation] = {}
        handover_only: dict[int, NewConversation] = {}
        for _, page, item in rows:
            contact_id = contact_ids.get((page.page_ref, item.psid or ""))
            if contact_id is not None and contact_id not in starts:
                # Activity is set from the batch's messages (``touch_activity``), not from an
                # edit that came before its message.
                starts[contact_id] = NewConversation(
                    page.workspace_id, page.page_ref, NO_ACTIVITY_YET
                )
        for page, item in usable:
            if item.kind != "handover":
                continue
            contact_id = contact_ids.get((page.page_ref, item.psid or ""))
            if contact_id is not None and contact_id not in starts:
                handover_only[contact_id] = NewConversation(
                    page.workspace_id, page.page_ref, NO_ACTIVITY_YET
                )
        latest = latest_conversations(self.conn, [*starts, *handover_only])
        to_open = {
            contact_id: new
            for contact_id, new in starts.items()
            if needs_new(latest.get(contact_id))
        }
        to_open.update({cid: new for cid, new in handover_only.items() if cid not in latest})
        opened = open_conversations(self.conn, to_open, latest, self.now)
        for contact_id, conversation_id in opened.items():
            new = to_open[contact_id]
            self.outcome.live.append(
                (
                    new.workspace_id,
                    "conversation.created",
                    {"conversation_id": conversation_id, "contact_id": contact_id},
                )
            )
        chosen = {contact_id: ref.id for contact_id, ref in latest.items()}
        chosen.update(opened)
        return chosen

    def _messages(
        self,
        rows: list[tuple[int, KnownPage, Item]],
        contact_ids: dict[ContactKey, int],
        conversation_ids: dict[int, int],
        placeholders: set[int],
    ) -> None:
        prepared: list[tuple[KnownPage, Item, dict[str, Any]]] = []
        for index, page, item in rows:
            contact_id = contact_ids.get((page.page_ref, item.psid or ""))
            if contact_id is None:
                continue
            row = message_row(page, item, contact_id, conversation_ids[contact_id])
            if index in placeholders:
                row.update(self.updates.placeholder_from_edit(item))
            prepared.append((page, item, row))
        ids = insert_messages(self.conn, [row for _, _, row in prepared])
        activity: dict[int, datetime] = {}
        received: list[tuple[int, int]] = []
        for (page, item, row), message_id in zip(prepared, ids, strict=True):
            conversation_id = row["conversation_id"]
            if message_id is None:
                if item.kind == "message" and self.updates.reconcile_with_edit_placeholder(
                    page, item, row
                ):
                    activity[conversation_id] = max(item.at, activity.get(conversation_id, item.at))
                continue
            if item.kind != "edit":
                activity[conversation_id] = max(item.at, activity.get(conversation_id, item.at))
            self.outcome.live.append(
                (
                    page.workspace_id,
                    "message.created",
                    {
                        "message_id": message_id,
                        "page_ref": page.page_ref,
                        "conversation_id": conversation_id,
                        "contact_id": row["contact_id"],
                        "direction": row["direction"],
                        "standby": row["standby"],
                    },
                )
            )
            if row["direction"] == "in":
                received.append((page.workspace_id, message_id))
                if item.kind == "message":
                    self.inbound.append(
                        StoredInbound(page, item, row["contact_id"], conversation_id, message_id)
                    )
            else:
                self.updates.new_outbound[row["contact_id"]] = page
        touch_activity(self.conn, activity)
        self.updates.notify_received(received)
