"""Broadcasts: a message to a segment, sent only to the people who may receive it.

* ``create_broadcast`` checks the message (as ``send_message`` would) and snapshots the
  segment's filter; the broadcast is a ``draft``.
* ``preview`` runs the eligibility (``domain.broadcasts``) over the audience now: how many
  get it through each mechanism, who does not and why, and the writing assistant's remarks.
* ``start`` sends now or schedules it (a time in the Page's time zone); ``pause``,
  ``resume`` and ``cancel`` change its state; ``status`` gives progress, ETA and totals.
* ``step`` is the worker's unit (``jobs.broadcasts``): take the next contacts in id order,
  decide for each, and write in ONE transaction their recipient rows, the messages and
  outbox rows of those who get it (at bulk priority) and the new cursor. The relay sends
  them through the shared per-Page limiter, behind live replies. A crash loses a whole
  batch or nothing; the unique (broadcast, contact) key and the outbox's own echo check
  mean nobody gets one broadcast twice. Only a window's worth of messages waits in the
  outbox at once, so pausing or cancelling takes effect within seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.bootstrap import Container
from comptoir.crypto import SecretBox
from comptoir.domain.broadcasts import (
    Audience,
    BroadcastSpec,
    ConsentAnswer,
    DeliveryMode,
    Eligibility,
    Eligible,
    Excluded,
    Exclusion,
    Person,
    eligibility,
    summarise,
)
from comptoir.domain.policy_model import Mechanism
from comptoir.services import broadcast_audience as audience_store
from comptoir.services.audience import AudienceFacts, audience_facts
from comptoir.services.broadcast_message import (
    BroadcastError,
    BroadcastMessage,
    InvalidBroadcastError,
    parse_message,
)
from comptoir.services.send_command import (
    policy_request,
    send_api_body,
    stored_content,
    wire_message,
)
from comptoir.services.send_policy import conversation_state, intent_json, page_capabilities
from comptoir.services.tokens import give_back, use_token
from comptoir.storage import broadcasts as store
from comptoir.storage.broadcasts import BroadcastRow, Totals
from comptoir.storage.outbound import SendTarget
from comptoir.storage.tables import pages, segments
from comptoir.threads import run_sync

log = logging.getLogger(__name__)

__all__ = [
    "BroadcastError",
    "BroadcastNotFoundError",
    "BroadcastStateError",
    "InvalidBroadcastError",
    "NewBroadcast",
    "Preview",
    "Status",
    "cancel",
    "create_broadcast",
    "pause",
    "preview",
    "resume",
    "start",
    "status",
    "step",
]

MAX_NAME = 200


class BroadcastNotFoundError(BroadcastError):
    code = "not_found"


class BroadcastStateError(BroadcastError):
    """The broadcast is not in a state that allows this (sending a cancelled one...)."""

    code = "invalid_state"


@dataclass(frozen=True, slots=True)
class NewBroadcast:
    workspace_id: int
    #: ``pages.id`` of the Page it goes from.
    page_ref: int
    name: str
    message: Any
    mode: str = DeliveryMode.WINDOW.value
    topic: str | None = None
    promotional: bool = False
    segment_id: int | None = None
    #: A filter given inline (``domain.segments``); None with a segment, or for everyone.
    audience: dict[str, Any] | None = None


def _spec(row: BroadcastRow, message: BroadcastMessage) -> BroadcastSpec:
    template = message.utility_template.template if message.utility_template else None
    return BroadcastSpec(
        mode=DeliveryMode(row.mode),
        topic=row.topic,
        promotional=row.promotional,
        content=message.content,
        template=template,
    )


def _check_mode(mode: str, message: BroadcastMessage) -> DeliveryMode:
    try:
        chosen = DeliveryMode(mode)
    except ValueError:
        modes = ", ".join(m.value for m in DeliveryMode)
        raise InvalidBroadcastError("mode", f"mode must be one of {modes}") from None
    if (chosen is DeliveryMode.UTILITY) != (message.utility_template is not None):
        raise InvalidBroadcastError(
            "mode", "mode 'utility' goes with a utility_template message, and only it"
        )
    return chosen


async def create_broadcast(container: Container, new: NewBroadcast) -> int:
    """Store a draft; raises ``InvalidBroadcastError`` naming the first wrong field."""
    message = parse_message(new.message)
    mode = _check_mode(new.mode, message)
    name = new.name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidBroadcastError("name", f"name must be 1 to {MAX_NAME} characters")
    topic = new.topic.strip() if new.topic else None
    if topic is not None and (len(topic) > 100 or topic == audience_store.ALL_TOPICS):
        raise InvalidBroadcastError("topic", "topic must be a topic name of at most 100 characters")

    def write() -> int:
        now = container.clock.now()
        with container.engine.begin() as conn:
            page = conn.execute(
                sa.select(pages.c.id, pages.c.timezone).where(
                    pages.c.id == new.page_ref, pages.c.workspace_id == new.workspace_id
                )
            ).first()
            if page is None:
                raise InvalidBroadcastError("page_id", "no such Page in this workspace")
            audience = dict(new.audience or {})
            if new.segment_id is not None:
                saved = conn.execute(
                    sa.select(segments.c.filter).where(
                        segments.c.id == new.segment_id,
                        segments.c.workspace_id == new.workspace_id,
                    )
                ).first()
                if saved is None:
                    raise InvalidBroadcastError("segment_id", "no such segment in this workspace")
                audience = dict(saved.filter or {})
            audience_store.audience_query(new.workspace_id, new.page_ref, audience, now)
            return store.insert_broadcast(
                conn,
                workspace_id=new.workspace_id,
                page_ref=new.page_ref,
                name=name,
                segment_id=new.segment_id,
                audience=audience,
                message=message.to_json(),
                mode=mode.value,
                topic=topic,
                promotional=new.promotional,
                state="draft",
                timezone=page.timezone or "UTC",
                created_at=now,
                updated_at=now,
            )

    return await run_sync(write)


def _load(conn: Connection, workspace_id: int, broadcast_id: int) -> BroadcastRow:
    row = store.get_broadcast(conn, workspace_id, broadcast_id)
    if row is None:
        raise BroadcastNotFoundError(f"no broadcast {broadcast_id} in this workspace")
    return row


# -- who gets it --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decided:
    target: SendTarget
    result: Eligibility
    #: The stored token the engine picked (token mechanisms only).
    token_id: int | None = None


def _decide_batch(
    conn: Connection,
    box: SecretBox,
    row: BroadcastRow,
    spec: BroadcastSpec,
    contact_ids: Sequence[int],
    now: datetime,
) -> list[Decided]:
    targets = store.load_targets(conn, row.workspace_id, contact_ids)
    facts = audience_facts(conn, box, contact_ids, row.topic, now)
    decided = []
    for target in targets:
        person = facts.get(target.contact_id) or AudienceFacts(target.contact_id, False, False)
        state = replace(conversation_state(target), tokens=person.policy_tokens)
        result = eligibility(spec, Person(state, _consent(person)), page_capabilities(target), now)
        token_id = None
        if isinstance(result, Eligible) and result.decision.recipient_value is not None:
            value = result.decision.recipient_value
            token_id = next((t.id for t in person.tokens if t.token == value), None)
        decided.append(Decided(target, result, token_id))
    return decided


def _consent(facts: AudienceFacts) -> ConsentAnswer:
    if facts.opted_out:
        return ConsentAnswer.NO
    return ConsentAnswer.YES if facts.opted_in else ConsentAnswer.UNKNOWN


@dataclass(frozen=True, slots=True)
class Preview:
    audience: Audience
    #: The writing assistant's findings on the text (None without text).
    writing: dict[str, Any] | None
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.audience.total,
            "eligible": self.audience.eligible,
            "by_mechanism": self.audience.by_mechanism,
            "excluded": self.audience.excluded,
            "writing": self.writing,
            "at": self.at.isoformat(),
        }


_WRITING_MECHANISM = {
    DeliveryMode.WINDOW: "update",
    DeliveryMode.TOKEN: "marketing",
    DeliveryMode.UTILITY: "utility",
}


def _writing(row: BroadcastRow, message: BroadcastMessage) -> dict[str, Any] | None:
    if not message.text:
        return None
    from comptoir.services import writing

    try:
        result = writing.check_message(
            message.text,
            mechanism=_WRITING_MECHANISM[DeliveryMode(row.mode)],
            quick_replies=[reply.title or None for reply in message.quick_replies],
        )
    except ValueError:
        log.exception("broadcast %s: the writing assistant could not check the text", row.id)
        return None
    return result.to_json()


def _audience_now(
    conn: Connection, box: SecretBox, row: BroadcastRow, now: datetime, batch: int = 1000
) -> Audience:
    message = parse_message(row.message)
    spec = _spec(row, message)
    results: list[Eligibility] = []
    after = 0
    while True:
        ids = audience_store.audience_ids(
            conn,
            row.workspace_id,
            row.page_ref,
            row.audience,
            row.started_at or now,
            after=after,
            limit=batch,
        )
        if not ids:
            break
        results.extend(d.result for d in _decide_batch(conn, box, row, spec, ids, now))
        after = ids[-1]
    return summarise(results)


async def preview(container: Container, workspace_id: int, broadcast_id: int) -> Preview:
    def run() -> Preview:
        now = container.clock.now()
        with container.engine.connect() as conn:
            row = _load(conn, workspace_id, broadcast_id)
            counted = _audience_now(conn, container.secrets, row, now)
        return Preview(counted, _writing(row, parse_message(row.message)), now)

    return await run_sync(run)


# -- state changes ------------------------------------------------------------------------


def local_time(value: str, timezone: str) -> datetime:
    """``value`` (ISO 8601) as an aware time; without an offset it is in ``timezone``."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidBroadcastError("at", "at must be an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        try:
            moment = moment.replace(tzinfo=ZoneInfo(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidBroadcastError("at", f"unknown time zone {timezone!r}") from None
    return moment


def _planned(audience: Audience) -> dict[str, Any]:
    return {
        "total": audience.total,
        "eligible": audience.eligible,
        "by_mechanism": audience.by_mechanism,
        "excluded": audience.excluded,
    }


def _begin_sending(conn: Connection, box: SecretBox, row: BroadcastRow, now: datetime) -> bool:
    planned = _planned(_audience_now(conn, box, row, now))
    return store.change_state(
        conn, row.id, ("draft", "scheduled"), "sending", now, started_at=now, planned=planned
    )


async def start(
    container: Container, workspace_id: int, broadcast_id: int, at: datetime | None = None
) -> BroadcastRow:
    """Send now (``at`` None or past) or at ``at``; only a draft or scheduled broadcast."""

    def run() -> BroadcastRow:
        now = container.clock.now()
        with container.engine.begin() as conn:
            row = _load(conn, workspace_id, broadcast_id)
            if row.state not in ("draft", "scheduled"):
                raise BroadcastStateError(f"the broadcast is {row.state}: it cannot be sent")
            if at is not None and at > now:
                store.change_state(
                    conn, row.id, ("draft", "scheduled"), "scheduled", now, scheduled_at=at
                )
            else:
                _begin_sending(conn, container.secrets, row, now)
            return _load(conn, workspace_id, broadcast_id)

    row = await run_sync(run)
    await _wake_worker(container)
    return row


_MOVES = {
    "pause": (("scheduled", "sending"), "paused"),
    "cancel": (("draft", "scheduled", "sending", "paused"), "cancelled"),
}


async def pause(container: Container, workspace_id: int, broadcast_id: int) -> BroadcastRow:
    return await _move(container, workspace_id, broadcast_id, "pause")


async def cancel(container: Container, workspace_id: int, broadcast_id: int) -> BroadcastRow:
    return await _move(container, workspace_id, broadcast_id, "cancel")


async def resume(container: Container, workspace_id: int, broadcast_id: int) -> BroadcastRow:
    def run() -> BroadcastRow:
        now = container.clock.now()
        with container.engine.begin() as conn:
            row = _load(conn, workspace_id, broadcast_id)
            target = "scheduled" if row.started_at is None else "sending"
            if not store.change_state(conn, row.id, ("paused",), target, now):
                raise BroadcastStateError(f"the broadcast is {row.state}, not paused")
            return _load(conn, workspace_id, broadcast_id)

    row = await run_sync(run)
    await _wake_worker(container)
    return row


async def _move(
    container: Container, workspace_id: int, broadcast_id: int, verb: str
) -> BroadcastRow:
    sources, target = _MOVES[verb]

    def run() -> BroadcastRow:
        now = container.clock.now()
        with container.engine.begin() as conn:
            row = _load(conn, workspace_id, broadcast_id)
            extra: dict[str, Any] = {"finished_at": now} if target == "cancelled" else {}
            if not store.change_state(conn, row.id, sources, target, now, **extra):
                raise BroadcastStateError(f"the broadcast is {row.state}: it cannot {verb}")
            if target == "cancelled":
                for message_id, token_id in store.cancel_queued(conn, row.id, now):
                    give_back(conn, token_id, message_id)  # the token was never spent
            return _load(conn, workspace_id, broadcast_id)

    return await run_sync(run)


async def _wake_worker(container: Container) -> None:
    from comptoir.jobs.broadcasts import worker_of

    worker = worker_of(container)
    if worker is not None:
        worker.wake()


# -- the worker's unit --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepResult:
    queued: int = 0
    examined: int = 0
    finished: bool = False


class _LostRaceError(Exception):
    """Another worker wrote this batch first: roll ours back."""


def step(container: Container, broadcast_id: int, *, batch: int, window: int) -> StepResult:
    """Hand the next batch of one sending broadcast to the relay (blocking: run in a thread)."""
    try:
        with container.engine.begin() as conn:
            return step_in(conn, container, broadcast_id, batch=batch, window=window)
    except (_LostRaceError, sa.exc.IntegrityError):
        # Another worker wrote this batch first (the unique key backs the cursor check).
        return StepResult()


async def run_step(
    container: Container, broadcast_id: int, *, batch: int, window: int
) -> StepResult:
    """``step`` through the app's write queue (its commit shared with the other writes)."""
    try:
        return await container.writes.run(
            lambda conn: step_in(conn, container, broadcast_id, batch=batch, window=window)
        )
    except (_LostRaceError, sa.exc.IntegrityError):
        return StepResult()


def step_in(
    conn: Connection, container: Container, broadcast_id: int, *, batch: int, window: int
) -> StepResult:
    """``step`` inside the caller's transaction; raises when another worker won the batch."""
    now = container.clock.now()
    current = store.broadcast_by_id(conn, broadcast_id)
    if current is None or current.state not in ("scheduled", "sending"):
        return StepResult()
    if current.state == "scheduled":
        if current.scheduled_at is None or current.scheduled_at > now:
            return StepResult()
        _begin_sending(conn, container.secrets, current, now)
        current = store.broadcast_by_id(conn, broadcast_id)
        if current is None or current.state != "sending":
            return StepResult()
    return _write_batch(conn, container.secrets, current, now, batch, window)


def _outbound(
    row: BroadcastRow, message: BroadcastMessage, wire: Any, target: SendTarget, result: Eligible
) -> store.Outbound:
    """The person's message as the sending path would write it (bulk priority)."""
    decision = result.decision
    command = message.command(
        row.workspace_id,
        target.contact_id,
        promotional=row.promotional,
        mechanism=decision.mechanism,
        token=decision.recipient_value,
    )
    return store.Outbound(
        target=target,
        content={**stored_content(command, decision), "broadcast_id": row.id},
        messaging_type=decision.messaging_type.value if decision.messaging_type else None,
        tag=decision.tag,
        request=send_api_body(wire, decision, target.psid),
        intent=intent_json(policy_request(command)),
    )


def _write_batch(
    conn: Connection, box: SecretBox, row: BroadcastRow, now: datetime, batch: int, window: int
) -> StepResult:
    room = min(batch, window - store.bulk_in_flight(conn, row.page_ref))
    if room <= 0:
        return StepResult()
    ids = audience_store.audience_ids(
        conn,
        row.workspace_id,
        row.page_ref,
        row.audience,
        row.started_at or now,
        after=row.cursor,
        limit=room,
    )
    if not ids:
        if store.still_queued(conn, row.id) == 0:
            store.change_state(conn, row.id, ("sending",), "done", now, finished_at=now)
            return StepResult(finished=True)
        return StepResult()
    if not store.claim_batch(conn, row, cursor=ids[-1], now=now):
        raise _LostRaceError
    message = parse_message(row.message)
    spec = _spec(row, message)
    wire = wire_message(message.command(row.workspace_id, 0))
    decided = _decide_batch(conn, box, row, spec, ids, now)
    eligible = [(d, r) for d in decided if isinstance(r := d.result, Eligible)]
    message_ids = store.insert_outbound_many(
        conn,
        [_outbound(row, message, wire, d.target, r) for d, r in eligible],
        author_name=row.name,
        text=message.text,
        now=now,
    )
    queued_for = {d.target.contact_id: m for (d, _), m in zip(eligible, message_ids, strict=True)}
    recipients: list[dict[str, Any]] = []
    queued = 0
    for item in decided:
        target, result = item.target, item.result
        base = {
            "broadcast_id": row.id,
            "contact_id": target.contact_id,
            "created_at": now,
            "mechanism": None,
            "reason": None,
            "message_id": None,
            "token_id": None,
        }
        if isinstance(result, Eligible):
            message_id = queued_for[target.contact_id]
            if item.token_id is not None and not use_token(
                conn, item.token_id, now, mechanism=result.mechanism, message_id=message_id
            ):
                # Spent since we looked (another sender): the message never existed.
                store.delete_queued(conn, message_id)
                one_time = result.mechanism is Mechanism.ONE_TIME_NOTIFICATION
                result = Excluded(Exclusion.TOKEN_USED if one_time else Exclusion.TOKEN_TOO_SOON)
            else:
                queued += 1
                recipients.append(
                    {
                        **base,
                        "state": "queued",
                        "mechanism": result.mechanism.value,
                        "message_id": message_id,
                        "token_id": item.token_id,
                    }
                )
                continue
        recipients.append({**base, "state": "excluded", "reason": result.reason.value})
    store.insert_recipients(conn, recipients)
    store.count_batch(
        conn,
        row.id,
        examined=len(recipients),
        queued=queued,
        excluded=len(recipients) - queued,
    )
    return StepResult(queued=queued, examined=len(recipients))


# -- status -------------------------------------------------------------------------------

SENT_STATUSES = ("sent", "delivered", "read")


@dataclass(frozen=True, slots=True)
class Status:
    broadcast: BroadcastRow
    totals: Totals
    audience_size: int
    at: datetime
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def sent(self) -> int:
        return sum(self.totals.by_status.get(s, 0) for s in SENT_STATUSES)

    @property
    def failed(self) -> int:
        return self.totals.by_status.get("failed", 0)

    @property
    def progress(self) -> float:
        """Share of the audience handled: sent, failed, excluded or cancelled."""
        if self.broadcast.state in ("done", "cancelled"):
            return 1.0
        if self.audience_size == 0:
            return 0.0
        waiting = self.totals.by_status.get("queued", 0)
        handled = self.broadcast.examined - waiting
        return max(0.0, min(1.0, handled / self.audience_size))

    @property
    def rate(self) -> float | None:
        """Messages per second since the first one left."""
        first, last = self.totals.first_sent_at, self.totals.last_sent_at
        if first is None or last is None or last <= first:
            return None
        return (self.sent - 1) / (last - first).total_seconds()

    @property
    def eta_seconds(self) -> float | None:
        row = self.broadcast
        if row.state in ("done", "cancelled"):
            return 0.0
        rate = self.rate
        if rate is None or rate <= 0:
            return None
        share = row.queued / row.examined if row.examined else 1.0
        remaining = self.totals.by_status.get("queued", 0) + share * max(
            0, self.audience_size - row.examined
        )
        return remaining / rate

    def to_json(self) -> dict[str, Any]:
        row, totals = self.broadcast, self.totals
        return {
            **broadcast_json(row),
            "audience_size": self.audience_size,
            "progress": round(self.progress, 4),
            "rate_per_second": None if self.rate is None else round(self.rate, 1),
            "eta_seconds": None if self.eta_seconds is None else round(self.eta_seconds, 1),
            "totals": {
                "queued": totals.by_status.get("queued", 0),
                "sent": self.sent,
                "delivered": sum(totals.by_status.get(s, 0) for s in ("delivered", "read")),
                "read": totals.by_status.get("read", 0),
                "failed": self.failed,
                "cancelled": totals.by_status.get("cancelled", 0),
                "excluded": sum(totals.excluded.values()),
                "replied": totals.replied,
                "quick_reply_taps": totals.quick_reply_taps,
                "opted_out": totals.opted_out,
            },
            "by_mechanism": totals.by_mechanism,
            "excluded": totals.excluded,
            "failed_by_reason": totals.failed,
            "at": self.at.isoformat(),
        }


def broadcast_json(row: BroadcastRow) -> dict[str, Any]:
    zone = _zone(row.timezone)
    return {
        "id": row.id,
        "name": row.name,
        "page_ref": row.page_ref,
        "segment_id": row.segment_id,
        "audience": row.audience,
        "message": row.message,
        "mode": row.mode,
        "topic": row.topic,
        "promotional": row.promotional,
        "state": row.state,
        "timezone": row.timezone,
        "scheduled_at": _iso(row.scheduled_at),
        "scheduled_at_local": _iso(row.scheduled_at.astimezone(zone) if row.scheduled_at else None),
        "planned": row.planned,
        "counters": {"examined": row.examined, "queued": row.queued, "excluded": row.excluded},
        "created_at": _iso(row.created_at),
        "started_at": _iso(row.started_at),
        "finished_at": _iso(row.finished_at),
    }


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _audience_size(conn: Connection, row: BroadcastRow, now: datetime) -> int:
    query = audience_store.audience_query(
        row.workspace_id, row.page_ref, row.audience, row.started_at or now
    )
    value = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()
    return int(value or 0)


async def status(container: Container, workspace_id: int, broadcast_id: int) -> Status:
    def run() -> Status:
        now = container.clock.now()
        with container.engine.connect() as conn:
            row = _load(conn, workspace_id, broadcast_id)
            payloads = parse_message(row.message).quick_reply_payloads
            return Status(
                row, store.totals(conn, row, payloads), _audience_size(conn, row, now), now
            )

    return await run_sync(run)


async def list_broadcasts(container: Container, workspace_id: int) -> list[BroadcastRow]:
    def run() -> list[BroadcastRow]:
        with container.engine.connect() as conn:
            return store.list_broadcasts(conn, workspace_id)

    return await run_sync(run)


async def recipients(
    container: Container,
    workspace_id: int,
    broadcast_id: int,
    *,
    after_id: int = 0,
    limit: int = 100,
) -> list[store.RecipientResult]:
    def run() -> list[store.RecipientResult]:
        with container.engine.connect() as conn:
            _load(conn, workspace_id, broadcast_id)
            return store.recipient_results(conn, broadcast_id, after_id=after_id, limit=limit)

    return await run_sync(run)


#: For the CLI: mechanisms in the order people read them.
MECHANISM_ORDER = tuple(m.value for m in Mechanism)
