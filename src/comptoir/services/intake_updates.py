"""The intake's updates to rows that already exist: echoes of our messages, receipts,
reactions, edits, referrals and opt-ins on the contact, handovers, policy enforcement; and
the outgoing-webhook rows for what changed, queued in the same transaction.

Each update is idempotent and order-independent: statuses move forward only, and reactions,
edits, opt-ins, referrals, handovers and restrictions keep the state of the latest event by
event time, whatever order the events arrive in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

from comptoir.services.intake_item import Item
from comptoir.services.outgoing import (
    MESSAGE_RECEIVED,
    MESSAGE_STATUS,
    enqueue_message_event,
)
from comptoir.services.page_directory import KnownPage
from comptoir.storage.contacts import ContactKey, contact_contents, save_contents
from comptoir.storage.conversations import set_thread_owner
from comptoir.storage.inbound import (
    StoredMessage,
    apply_delivery,
    apply_read,
    mark_sent_from_echo,
    messages_by_mid,
    update_message,
    wanted_outgoing_events,
)
from comptoir.storage.outbound import message_id_from_metadata
from comptoir.storage.page_restrictions import INDEFINITELY, record_policy_change
from comptoir.storage.tokens import hash_token

log = logging.getLogger(__name__)

Live = list[tuple[int, str, dict[str, Any]]]
Entry = tuple[KnownPage, Item]


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class _Receipt:
    """A receipt remembered on the contact, applied again to newly known messages."""

    kind: str
    watermark: datetime
    mids: tuple[str, ...] = ()


class Updates:
    def __init__(self, conn: Connection, now: datetime, live: Live) -> None:
        self.conn = conn
        self.now = now
        self.live = live
        #: Whether the on-commit hooks should run (see ``BatchOutcome.messages_changed``).
        self.messages_changed = False
        #: Contacts (-> their Page) whose outgoing messages became known as sent in this
        #: batch: a receipt stored earlier may cover them (receipts can precede the echo).
        self.new_outbound: dict[int, KnownPage] = {}
        self._endpoints: dict[int, set[str]] = {}

    # ---- echoes of the messages we sent ----------------------------------------------

    def echoes_of_ours(self, usable: list[Entry], contact_ids: dict[ContactKey, int]) -> set[int]:
        """Match echoes carrying ``cpt:<message id>`` to our messages: each one proves the
        message left (how the relay settles a send whose outcome it did not see). Returns
        the indexes of the echoes so handled."""
        handled: set[int] = set()
        for index, (page, item) in enumerate(usable):
            if item.kind != "echo" or not item.mid:
                continue
            message_id = message_id_from_metadata(item.metadata)
            if message_id is None:
                continue
            found, changed = mark_sent_from_echo(
                self.conn, page.page_ref, message_id, item.mid, item.at
            )
            if not found:
                continue
            handled.add(index)
            if changed:
                self._status_changed(page.workspace_id, message_id, "sent")
                contact_id = contact_ids.get((page.page_ref, item.psid or ""))
                if contact_id is not None:
                    self.new_outbound[contact_id] = page
        return handled

    # ---- edits that arrive before their message --------------------------------------

    def placeholder_from_edit(self, item: Item) -> dict[str, Any]:
        """Row values for a message first known through its edit."""
        return {
            "text": item.text,
            "content": {"edits": [_edit_entry(item)], "from_edit": True},
            "status": "received",
            "direction": "in",
            "author_kind": "customer",
        }

    def reconcile_with_edit_placeholder(
        self, page: KnownPage, item: Item, row: dict[str, Any]
    ) -> bool:
        """The message came after its edit: give the stored row its original text, content
        and time, keeping the edited text. Returns whether there was such a row."""
        if not item.mid:
            return False
        stored = messages_by_mid(self.conn, page.page_ref, [item.mid]).get(item.mid)
        if stored is None or not stored.content.get("from_edit"):
            return False
        content = {**row["content"], **stored.content, "original_text": item.text}
        content.pop("from_edit", None)
        update_message(self.conn, stored.id, content=content, created_at=item.at)
        self._content_changed(page.workspace_id, stored.id)
        return True

    # ---- everything else -------------------------------------------------------------

    def apply(
        self,
        usable: list[Entry],
        contact_ids: dict[ContactKey, int],
        conversation_ids: dict[int, int],
        *,
        skip_edits: set[int],
    ) -> None:
        """Apply every update of the batch (after its messages are inserted)."""
        new_outbound = self.new_outbound
        noted = _contacts_with_content(usable, contact_ids) | set(new_outbound)
        contents = contact_contents(self.conn, noted) if noted else {}
        for index, (page, item) in enumerate(usable):
            contact_id = contact_ids.get((page.page_ref, item.psid or ""))
            kind = item.kind
            if kind in ("delivery", "read") and contact_id is not None:
                self._receipt(page, item, contact_id)
            elif kind == "reaction":
                self._reaction(page, item)
            elif kind == "edit" and index not in skip_edits:
                self._edit(page, item)
            elif kind == "handover" and contact_id is not None:
                self._handover(page, item, conversation_ids.get(contact_id))
            elif kind == "policy":
                self._policy(page, item)
            elif kind == "referral" and contact_id is not None and not item.standby:
                # An m.me link or an ad opened an existing thread: automation may start a flow.
                referral = {"contact_id": contact_id, "referral": item.referral or {}}
                self.live.append((page.workspace_id, "contact.referral", referral))
            if contact_id is not None and contact_id in noted:
                _merge_contact_content(contents.setdefault(contact_id, {}), item)
        for contact_id, page in new_outbound.items():
            self._replay_receipts(page, contact_id, contents.get(contact_id, {}))
        changed = {cid: content for cid, content in contents.items() if content}
        if changed:
            save_contents(self.conn, changed)

    def _replay_receipts(self, page: KnownPage, contact_id: int, content: dict[str, Any]) -> None:
        """Apply the latest receipts already seen for the contact to its messages that just
        became known as sent."""
        receipts = content.get("receipts", {})
        for kind in ("delivery", "read"):
            mark = receipts.get(kind)
            if isinstance(mark, int):
                watermark = datetime.fromtimestamp(mark / 1000, tz=UTC)
                self._receipt(page, _Receipt(kind, watermark), contact_id)

    def _receipt(self, page: KnownPage, item: Item | _Receipt, contact_id: int) -> None:
        if item.watermark is None:
            return
        if item.kind == "delivery":
            changed = apply_delivery(
                self.conn, page.page_ref, contact_id, item.watermark, item.mids
            )
            status = "delivered"
        else:
            changed = apply_read(self.conn, contact_id, item.watermark)
            status = "read"
        for message_id in changed:
            self._status_changed(page.workspace_id, message_id, status)

    def _reaction(self, page: KnownPage, item: Item) -> None:
        reaction = item.reaction or {}
        target = self._target(page, str(reaction.get("mid") or ""))
        if target is None:
            return
        content = dict(target.content)
        entry = {
            "reaction": reaction.get("reaction"),
            "emoji": reaction.get("emoji"),
            "action": reaction.get("action", "react"),
            "by": "customer",
            "at": _ms(item.at),
        }
        history = list(content.get("reaction_history", []))
        if entry in history:
            return
        history.append(entry)
        history.sort(key=lambda e: e["at"])
        content["reaction_history"] = history
        latest = history[-1]
        content["reaction"] = latest if latest["action"] != "unreact" else None
        update_message(self.conn, target.id, content=content)
        self._content_changed(page.workspace_id, target.id)

    def _edit(self, page: KnownPage, item: Item) -> None:
        target = self._target(page, item.mid or "")
        if target is None:
            return
        content = dict(target.content)
        edits = list(content.get("edits", []))
        if any(e.get("num_edit") == item.num_edit for e in edits):
            return
        if not edits and "original_text" not in content:
            content["original_text"] = target.text
        edits.append(_edit_entry(item))
        edits.sort(key=lambda e: (e["num_edit"], e["at"]))
        content["edits"] = edits
        update_message(self.conn, target.id, content=content, text=edits[-1]["text"])
        self._content_changed(page.workspace_id, target.id)

    def _handover(self, page: KnownPage, item: Item, conversation_id: int | None) -> None:
        if conversation_id is None or item.handover not in ("pass", "take"):
            return
        owner = item.owner_app_id or None
        if owner is not None and page.app_id and owner == page.app_id:
            owner = None  # ours: the column keeps None for "us or idle"
        if set_thread_owner(self.conn, conversation_id, owner, item.at):
            self.live.append(
                (
                    page.workspace_id,
                    "conversation.updated",
                    {"conversation_id": conversation_id, "thread_owner_app_id": owner},
                )
            )

    def _policy(self, page: KnownPage, item: Item) -> None:
        action = item.action or ""
        log.warning(
            "Meta's policy enforcement on Page %s: %s (%s)",
            page.page_id,
            action,
            (item.reason or "no reason given")[:500],
        )
        if action not in ("block", "unblock"):
            return
        until = INDEFINITELY if action == "block" else None
        if record_policy_change(self.conn, page.page_ref, until, item.at):
            self.live.append(
                (
                    page.workspace_id,
                    "page.updated",
                    {"page_id": page.page_id, "restricted": action == "block"},
                )
            )

    def _target(self, page: KnownPage, mid: str) -> StoredMessage | None:
        if not mid:
            return None
        return messages_by_mid(self.conn, page.page_ref, [mid]).get(mid)

    # ---- notifications -----------------------------------------------------------------

    def notify_received(self, received: Iterable[tuple[int, int]]) -> None:
        """Queue ``message.received`` outgoing webhooks for new customer messages."""
        for workspace_id, message_id in received:
            if MESSAGE_RECEIVED in self._wanted(workspace_id):
                enqueue_message_event(self.conn, MESSAGE_RECEIVED, message_id, now=self.now)
                self.messages_changed = True

    def _status_changed(self, workspace_id: int, message_id: int, status: str) -> None:
        self.messages_changed = True
        self.live.append(
            (workspace_id, "message.updated", {"message_id": message_id, "status": status})
        )
        if MESSAGE_STATUS in self._wanted(workspace_id):
            enqueue_message_event(self.conn, MESSAGE_STATUS, message_id, now=self.now)

    def _content_changed(self, workspace_id: int, message_id: int) -> None:
        self.messages_changed = True
        self.live.append((workspace_id, "message.updated", {"message_id": message_id}))

    def _wanted(self, workspace_id: int) -> set[str]:
        wanted = self._endpoints.get(workspace_id)
        if wanted is None:
            wanted = wanted_outgoing_events(self.conn, workspace_id)
            self._endpoints[workspace_id] = wanted
        return wanted


def _edit_entry(item: Item) -> dict[str, Any]:
    return {"num_edit": item.num_edit, "text": item.text, "at": _ms(item.at)}


def _contacts_with_content(usable: list[Entry], contact_ids: dict[ContactKey, int]) -> set[int]:
    """Contacts whose ``content`` the batch changes: opt-ins, referrals, receipts."""
    found: set[int] = set()
    for page, item in usable:
        if item.optin is not None or item.referral is not None or item.watermark is not None:
            contact_id = contact_ids.get((page.page_ref, item.psid or ""))
            if contact_id is not None:
                found.add(contact_id)
    return found


def _merge_contact_content(content: dict[str, Any], item: Item) -> None:
    """Opt-ins by their token's SHA-256 (or type and payload), the latest referral (newest
    event wins), and the highest delivery and read watermarks."""
    at = _ms(item.at)
    if item.watermark is not None and item.kind in ("delivery", "read"):
        receipts = dict(content.get("receipts", {}))
        mark = _ms(item.watermark)
        if receipts.get(item.kind, 0) < mark:
            receipts[item.kind] = mark
            content["receipts"] = receipts
    if item.referral is not None:
        current = content.get("last_referral")
        if current is None or current.get("at", 0) <= at:
            content["last_referral"] = {**item.referral, "at": at}
    if item.optin is not None:
        optin = dict(item.optin)
        # A token is kept sealed in notification_tokens; here only its SHA-256 (the key).
        token = optin.pop("token", None)
        key = (
            hash_token(str(token))
            if token
            else f"{optin.get('type', 'plugin')}:{optin.get('payload') or optin.get('ref') or ''}"
        )
        optins = dict(content.get("optins", {}))
        current = optins.get(key)
        if current is None or current.get("at", 0) <= at:
            optins[key] = {**optin, "at": at}
        content["optins"] = optins
