"""Consent, notification tokens and segments as stored, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from comptoir.bootstrap import Container
from comptoir.domain.consent import ALL_TOPICS, ConsentAction, ConsentStatus
from comptoir.domain.policy_model import Mechanism, TokenKind, TokenStatus
from comptoir.domain.segments import parse_filter
from comptoir.domain.token_limits import limits
from comptoir.storage.consents import (
    ConsentEvent,
    consent_history,
    consent_states,
    opted_out_contacts,
    record_consent,
)
from comptoir.storage.segments import count_segment, segment_contacts
from comptoir.storage.tables import automation_contacts, notification_tokens
from comptoir.storage.tokens import (
    NewToken,
    release_token,
    reserve_token,
    stop_tokens,
    store_token,
    tokens_for,
)
from tests.support.inbox_rows import T0, Rows, make_container


@dataclass
class World:
    container: Container
    rows: Rows
    workspace_id: int
    page_ref: int


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[World]:
    container = make_container(tmp_path, database_url)
    rows = Rows(container.engine, container.secrets)
    workspace_id = rows.workspace()
    try:
        yield World(container, rows, workspace_id, rows.page(workspace_id))
    finally:
        container.engine.dispose()


def _event(
    world: World, contact: int, topic: str, action: ConsentAction, hours: int
) -> ConsentEvent:
    return ConsentEvent(
        workspace_id=world.workspace_id,
        contact_id=contact,
        topic=topic,
        action=action,
        at=T0 + timedelta(hours=hours),
        channel="api",
        wording="Recevoir nos promotions ?",
        answer="Oui",
    )


def test_the_newest_consent_wins_and_every_event_is_kept(world: World) -> None:
    contact = world.rows.contact(world.workspace_id, world.page_ref)
    with world.container.engine.begin() as conn:
        assert record_consent(conn, _event(world, contact, "promotions", ConsentAction.OPT_IN, 0))
        assert record_consent(conn, _event(world, contact, "promotions", ConsentAction.OPT_OUT, 2))
        # an older answer arriving late is kept in the history but changes nothing
        assert not record_consent(
            conn, _event(world, contact, "promotions", ConsentAction.OPT_IN, 1)
        )
        states = consent_states(conn, [contact])[contact]
        history = consent_history(conn, contact)
    assert states["promotions"].status is ConsentStatus.OPTED_OUT
    assert states["promotions"].changed_at == T0 + timedelta(hours=2)
    assert [(e.action, e.at) for e in history] == [
        ("opt_out", T0 + timedelta(hours=2)),
        ("opt_in", T0 + timedelta(hours=1)),
        ("opt_in", T0),
    ]
    assert history[0].wording == "Recevoir nos promotions ?"
    assert history[0].answer == "Oui"


def test_a_global_opt_out_counts_for_every_topic(world: World) -> None:
    stopped = world.rows.contact(world.workspace_id, world.page_ref)
    news_only = world.rows.contact(world.workspace_id, world.page_ref)
    with world.container.engine.begin() as conn:
        record_consent(conn, _event(world, stopped, ALL_TOPICS, ConsentAction.OPT_OUT, 0))
        record_consent(conn, _event(world, news_only, "news", ConsentAction.OPT_OUT, 0))
        assert opted_out_contacts(conn, [stopped, news_only], "promotions") == {stopped}
        assert opted_out_contacts(conn, [stopped, news_only], "news") == {stopped, news_only}
        assert opted_out_contacts(conn, [stopped, news_only], None) == {stopped}


def _token(world: World, contact: int, kind: TokenKind, value: str) -> int:
    with world.container.engine.begin() as conn:
        token_id, new = store_token(
            conn,
            world.container.secrets,
            NewToken(
                workspace_id=world.workspace_id,
                page_ref=world.page_ref,
                contact_id=contact,
                kind=kind,
                token=value,
                created_at=T0,
                topic="promotions",
            ),
        )
    assert new
    return token_id


def test_tokens_are_sealed_and_the_same_token_again_is_the_same_row(world: World) -> None:
    contact = world.rows.contact(world.workspace_id, world.page_ref)
    token_id = _token(world, contact, TokenKind.NOTIFICATION_MESSAGES, "tok-secret-1")
    box = world.container.secrets
    with world.container.engine.begin() as conn:
        assert stop_tokens(conn, T0, contact_id=contact) == 1
        again, new = store_token(
            conn,
            box,
            NewToken(
                world.workspace_id,
                world.page_ref,
                contact,
                TokenKind.NOTIFICATION_MESSAGES,
                "tok-secret-1",
                T0 + timedelta(days=1),
            ),
        )
        sealed = conn.execute(sa.select(notification_tokens.c.token_sealed)).scalar_one()
        found = tokens_for(conn, box, [contact])[contact]
    assert (again, new) == (token_id, False)
    assert "tok-secret-1" not in sealed
    assert [t.token for t in found] == ["tok-secret-1"]
    assert found[0].status == "active"  # a re-opt-in after a stop makes it usable again
    assert found[0].topic == "promotions"


def test_a_one_time_token_is_reserved_once_and_can_be_given_back(world: World) -> None:
    contact = world.rows.contact(world.workspace_id, world.page_ref)
    token_id = _token(world, contact, TokenKind.ONE_TIME, "otn-1")
    rules = limits(TokenKind.ONE_TIME, None, Mechanism.ONE_TIME_NOTIFICATION, T0)
    with world.container.engine.begin() as conn:
        assert reserve_token(conn, token_id, T0, rules, message_id=10)
        assert not reserve_token(conn, token_id, T0 + timedelta(days=30), rules, message_id=11)
        stored = tokens_for(conn, world.container.secrets, [contact])[contact][0]
        assert stored.status == "used"
        # the relay re-checks message 10 against the token as it was before its reservation
        assert stored.policy(for_message_id=10).used_at is None
        assert stored.policy().used_at == T0
        assert not release_token(conn, token_id, message_id=11)
        assert release_token(conn, token_id, message_id=10)
        assert reserve_token(conn, token_id, T0 + timedelta(days=1), rules, message_id=12)


def test_a_recurring_token_waits_its_gap_between_messages(world: World) -> None:
    contact = world.rows.contact(world.workspace_id, world.page_ref)
    token_id = _token(world, contact, TokenKind.NOTIFICATION_MESSAGES, "rn-1")
    rules = limits(TokenKind.NOTIFICATION_MESSAGES, None, Mechanism.MARKETING_MESSAGE, T0)
    assert rules.min_gap == timedelta(hours=12)
    with world.container.engine.begin() as conn:
        assert reserve_token(conn, token_id, T0, rules)
        assert not reserve_token(conn, token_id, T0 + timedelta(hours=11, minutes=59), rules)
        assert reserve_token(conn, token_id, T0 + timedelta(hours=12), rules)
        stored = tokens_for(conn, world.container.secrets, [contact])[contact][0]
        assert stored.uses == 2
        assert stored.policy().last_sent_at == T0 + timedelta(hours=12)
        stop_tokens(conn, T0, contact_id=contact)
        assert not reserve_token(conn, token_id, T0 + timedelta(days=5), rules)
        assert tokens_for(conn, None, [contact])[contact][0].policy().status is (
            TokenStatus.STOPPED
        )


def test_concurrent_reservations_never_use_a_token_twice(world: World) -> None:
    contact = world.rows.contact(world.workspace_id, world.page_ref)
    token_id = _token(world, contact, TokenKind.ONE_TIME, "otn-race")
    rules = limits(TokenKind.ONE_TIME, None, Mechanism.ONE_TIME_NOTIFICATION, T0)
    start = threading.Barrier(6)
    won: list[bool] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        start.wait()
        with world.container.engine.begin() as conn:
            result = reserve_token(conn, token_id, T0, rules, message_id=n)
        with lock:
            won.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 5 + [True]
    with world.container.engine.connect() as conn:
        uses = conn.execute(sa.select(notification_tokens.c.uses)).scalar_one()
    assert uses == 1


def test_segment_filters_select_exactly_the_matching_contacts(world: World) -> None:
    rows, ws, page = world.rows, world.workspace_id, world.page_ref
    now = T0
    vip_lyon = rows.contact(ws, page, locale="fr_FR", source="ad")
    vip_paris = rows.contact(
        ws, page, locale="en_GB", source="mme_ref", last_user_message_at=now - timedelta(days=40)
    )
    staff = rows.contact(ws, page, locale="fr_CA", source="message")
    plain = rows.contact(ws, page, locale=None, source="message", blocked_at=now)
    other_ws = rows.workspace("Other")
    rows.contact(other_ws, rows.page(other_ws), locale="fr_FR", source="ad")
    data = {
        vip_lyon: ({"city": "Lyon", "plan": "gold"}, ["vip", "lyon"]),
        vip_paris: ({"city": "Paris"}, ["vip"]),
        staff: ({"city": "Lyon 3e"}, ["staff"]),
    }
    with world.container.engine.begin() as conn:
        for contact, (fields, labels) in data.items():
            conn.execute(
                automation_contacts.insert().values(
                    contact_id=contact, fields=fields, labels=labels, consents=[], updated_at=now
                )
            )
        record_consent(conn, _event(world, vip_lyon, "promotions", ConsentAction.OPT_IN, -5))
        record_consent(conn, _event(world, vip_paris, "promotions", ConsentAction.OPT_IN, -5))
        record_consent(conn, _event(world, vip_paris, ALL_TOPICS, ConsentAction.OPT_OUT, -1))
        record_consent(conn, _event(world, staff, "promotions", ConsentAction.OPT_OUT, -1))

    def ids(spec: dict[str, object]) -> set[int]:
        with world.container.engine.connect() as conn:
            query = segment_contacts(parse_filter(spec), ws, now)
            found = {int(i) for i in conn.execute(query).scalars()}
            assert count_segment(conn, ws, parse_filter(spec), now) == len(found)
        return found

    assert ids({}) == {vip_lyon, vip_paris, staff, plain}
    assert ids({"labels_all": ["vip"]}) == {vip_lyon, vip_paris}
    assert ids({"labels_all": ["vip", "lyon"]}) == {vip_lyon}
    assert ids({"labels_any": ["lyon", "staff"]}) == {vip_lyon, staff}
    assert ids({"labels_none": ["staff"]}) == {vip_lyon, vip_paris, plain}
    assert ids({"fields": [{"name": "city", "op": "eq", "value": "Lyon"}]}) == {vip_lyon}
    assert ids({"fields": [{"name": "city", "op": "contains", "value": "lyon"}]}) == {
        vip_lyon,
        staff,
    }
    assert ids({"fields": [{"name": "plan", "op": "missing"}]}) == {vip_paris, staff, plain}
    assert ids({"fields": [{"name": "city", "op": "ne", "value": "Lyon"}]}) == {
        vip_paris,
        staff,
        plain,
    }
    assert ids({"topics_in": ["promotions"]}) == {vip_lyon}
    assert ids({"topics_not_out": ["promotions"]}) == {vip_lyon, plain}
    assert ids({"locales": ["fr"]}) == {vip_lyon, staff}
    assert ids({"locales": ["fr_FR", "en"]}) == {vip_lyon, vip_paris}
    assert ids({"sources": ["ad", "mme_ref"]}) == {vip_lyon, vip_paris}
    assert ids({"interacted_within_days": 30}) == {vip_lyon, staff, plain}
    assert ids({"not_interacted_within_days": 30}) == {vip_paris}
    assert ids({"blocked": False}) == {vip_lyon, vip_paris, staff}
    assert ids({"labels_all": ["vip"], "topics_not_out": ["promotions"]}) == {vip_lyon}
