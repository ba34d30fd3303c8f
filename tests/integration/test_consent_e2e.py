"""Consent end to end through the emulator: a yes/no consent question in a flow, STOP and
its confirmation, opt-in tokens stored from the webhook, Meta's stop and resume."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from comptoir.domain.policy_model import BlockCode, Mechanism
from comptoir.services.sending import Attachment, SendError, SendMessage, send_message
from comptoir.storage import tables
from tests.automation.support import bot_texts, configure
from tests.automation.support import settle as settle_automation
from tests.support.stack import Stack, rows, wait_for

pytestmark = pytest.mark.anyio

CONSENT_FLOW = """
flow: promos
triggers:
  - keyword: [promo]
steps:
  - id: ask
    consent: promotions
    question:
      fr: Voulez-vous recevoir nos promotions par Messenger ?
      en: Would you like our offers on Messenger?
  - send:
      fr: Merci !
      en: Thanks!
"""

KEYWORD_STOP_FLOW = """
flow: trap
triggers:
  - keyword: [stop, arret, unsubscribe]
steps:
  - send: Ce message ne doit jamais partir.
"""


async def settle(stack: Stack) -> None:
    """Automation done, and every queued message (stop confirmations too) sent."""
    await settle_automation(stack)

    def none_queued() -> bool:
        return not stack.messages(tables.messages.c.status == "queued")

    await wait_for(none_queued, what="queued messages to leave the outbox")


def contact_id(stack: Stack, psid: str | None = None) -> int:
    (contact,) = stack.contacts(tables.contacts.c.psid == (psid or stack.customer))
    return int(contact["id"])


def consents(stack: Stack, psid: str | None = None) -> dict[str, str]:
    table = tables.contact_consents
    with stack.container.engine.connect() as conn:
        found = conn.execute(
            sa.select(table.c.topic, table.c.status).where(
                table.c.contact_id == contact_id(stack, psid)
            )
        ).all()
    return dict(found)


def events(stack: Stack) -> list[dict[str, Any]]:
    found = rows(
        stack.container,
        tables.consent_events,
        tables.consent_events.c.contact_id == contact_id(stack),
    )
    return sorted(found, key=lambda row: row["id"])


async def test_a_yes_no_consent_question_records_the_wording_and_the_answer(
    stack: Stack, tmp_path: Path
) -> None:
    (tmp_path / "promos.yaml").write_text(CONSENT_FLOW, encoding="utf-8")
    await configure(stack, {"flows_folder": str(tmp_path)})
    await stack.customer_says("promo")
    await settle(stack)
    question = [r["request"]["message"] for r in await stack.sent() if "message" in r["request"]][
        -1
    ]
    assert question["text"] == "Voulez-vous recevoir nos promotions par Messenger ?"
    assert [q["title"] for q in question["quick_replies"]] == ["Oui", "Non"]
    await stack.customer_says("Oui", quick_reply_payload=question["quick_replies"][0]["payload"])
    await settle(stack)
    assert (await bot_texts(stack))[-1] == "Merci !"
    assert consents(stack) == {"promotions": "opted_in"}
    (event,) = events(stack)
    assert (event["topic"], event["action"], event["channel"]) == ("promotions", "opt_in", "flow")
    assert event["wording"] == "Voulez-vous recevoir nos promotions par Messenger ?"
    assert event["answer"] == "Oui"
    assert event["detail"]["flow"] == "promos"

    # asked again, a typed "non" is an answer too: the opt-out is recorded the same way
    await stack.customer_says("promo")
    await settle(stack)
    await stack.customer_says("non")
    await settle(stack)
    assert consents(stack) == {"promotions": "opted_out"}
    assert [(e["action"], e["answer"]) for e in events(stack)] == [
        ("opt_in", "Oui"),
        ("opt_out", "non"),
    ]


async def test_stop_opts_out_of_everything_confirms_and_wins_over_keywords(
    stack: Stack, tmp_path: Path
) -> None:
    (tmp_path / "promos.yaml").write_text(CONSENT_FLOW, encoding="utf-8")
    (tmp_path / "trap.yaml").write_text(KEYWORD_STOP_FLOW, encoding="utf-8")
    await configure(stack, {"flows_folder": str(tmp_path)})
    await stack.customer_says("promo")
    await settle(stack)
    await stack.customer_says("Oui", quick_reply_payload="Oui")
    await settle(stack)
    assert consents(stack) == {"promotions": "opted_in"}

    await stack.customer_says("ARRÊT !")
    await settle(stack)
    assert consents(stack) == {"promotions": "opted_out", "*": "opted_out"}
    stops = [e for e in events(stack) if e["channel"] == "keyword"]
    assert {(e["topic"], e["action"], e["answer"]) for e in stops} == {
        ("promotions", "opt_out", "ARRÊT !"),
        ("*", "opt_out", "ARRÊT !"),
    }
    texts = await bot_texts(stack)
    assert texts[-1].startswith("C'est noté : vous ne recevrez plus")
    assert "Ce message ne doit jamais partir." not in texts
    # the confirmation went through the sending path, as a system message
    (confirmation,) = stack.messages(tables.messages.c.author_kind == "system")
    assert confirmation["status"] in ("sent", "delivered", "read")


async def test_an_english_stop_word_is_confirmed_in_english_even_without_automation(
    stack: Stack,
) -> None:
    await stack.customer_says("unsubscribe")
    await settle(stack)
    assert consents(stack) == {"*": "opted_out"}
    assert (await bot_texts(stack))[-1].startswith("Done: you will not receive")
    # "stop" inside a sentence is not a stop request
    other = await stack.add_customer("Lou", "Bernard")
    await stack.customer_says("please don't stop the offers", psid=other)
    await settle(stack)
    assert consents(stack, other) == {}


async def _optin_request(
    stack: Stack, title: str, payload: str, kind: str = "notification_messages"
) -> str:
    """Comptoir sends an opt-in request (``kind``: its template type); its mid once sent."""
    command = SendMessage(
        workspace_id=stack.workspace_id,
        contact_id=contact_id(stack),
        author_kind="bot",
        attachment=Attachment(
            "template",
            payload={
                "template_type": kind,
                "title": title,
                "payload": payload,
            },
        ),
    )
    outcome = await send_message(stack.container, command)
    assert outcome.accepted, outcome.explanation

    def sent() -> str | None:
        (row,) = stack.messages(tables.messages.c.id == outcome.message_id)
        return row["mid"] if row["status"] in ("sent", "delivered", "read") else None

    await wait_for(lambda: sent() is not None, what="the opt-in request to be sent")
    mid = sent()
    assert mid is not None
    return mid


async def test_an_optin_stores_its_token_sealed_and_stop_and_resume_are_honoured(
    stack: Stack,
) -> None:
    await stack.customer_says("Bonjour")
    mid = await _optin_request(stack, "Nos promotions", "promotions")
    answer = await stack.act({"type": "optin", "message_id": mid})
    await stack.settle()
    token = str(answer["token"])
    (stored,) = rows(stack.container, tables.notification_tokens)
    assert stored["kind"] == "notification_messages"
    assert stored["topic"] == "promotions"
    assert stored["status"] == "active"
    assert token not in stored["token_sealed"]
    assert stack.container.secrets.open(stored["token_sealed"]) == token
    assert consents(stack) == {"promotions": "opted_in"}
    (optin,) = events(stack)
    assert (optin["channel"], optin["wording"]) == ("optin", "Nos promotions")

    await stack.act({"type": "stop_marketing"})
    await stack.settle()
    (stopped,) = rows(stack.container, tables.notification_tokens)
    assert stopped["status"] == "stopped"
    assert consents(stack) == {"promotions": "opted_out"}
    assert events(stack)[-1]["channel"] == "meta_stop"

    await stack.act({"type": "resume_marketing"})
    await stack.settle()
    (resumed,) = rows(stack.container, tables.notification_tokens)
    assert resumed["status"] == "active"
    assert consents(stack) == {"promotions": "opted_in"}


async def test_stop_stops_every_token_of_the_person(stack: Stack) -> None:
    await stack.customer_says("Bonjour")
    mid = await _optin_request(stack, "Nos promotions", "promotions")
    await stack.act({"type": "optin", "message_id": mid})
    await stack.settle()
    await stack.customer_says("STOP")
    await settle(stack)
    with stack.container.engine.connect() as conn:
        statuses = conn.execute(sa.select(tables.notification_tokens.c.status)).scalars().all()
    assert statuses == ["stopped"]
    assert consents(stack) == {"promotions": "opted_out", "*": "opted_out"}


async def test_a_one_time_token_carries_one_message_even_when_asked_twice_at_once(
    stack: Stack,
) -> None:
    await stack.configure({"features": {"one_time_notifications": True}})
    with stack.container.engine.begin() as conn:
        conn.execute(
            tables.pages.update()
            .where(tables.pages.c.id == stack.page.page_ref)
            .values(one_time_notif_enabled=True)
        )
    await stack.customer_says("Bonjour")
    mid = await _optin_request(stack, "Retour en stock", "restock", "one_time_notif_req")
    token = str((await stack.act({"type": "optin", "message_id": mid}))["token"])
    await stack.settle()
    (stored,) = rows(stack.container, tables.notification_tokens)
    assert (stored["kind"], stored["topic"]) == ("one_time", "restock")
    await stack.advance(2 * 86400)  # the window is closed: only the token can reach them

    def command() -> SendMessage:
        return SendMessage(
            workspace_id=stack.workspace_id,
            contact_id=contact_id(stack),
            author_kind="bot",
            text="La robe Lina est de retour en stock.",
            mechanism=Mechanism.ONE_TIME_NOTIFICATION,
        )

    async def attempt() -> bool:
        try:
            return (await send_message(stack.container, command())).accepted
        except SendError:
            return False

    outcomes = await asyncio.gather(*(attempt() for _ in range(4)))
    assert sorted(outcomes) == [False, False, False, True]
    later = await send_message(stack.container, command())
    assert not later.accepted
    assert getattr(later.decision, "code", None) is BlockCode.TOKEN_USED
    await settle(stack)
    carried = [
        record
        for record in await stack.sent()
        if record["request"].get("recipient", {}).get("one_time_notif_token") == token
    ]
    assert len(carried) == 1, (
        [(m["id"], m["status"], m["error_reason"]) for m in stack.messages()],
        [r["request"].get("recipient") for r in await stack.sent()],
    )
    (used,) = rows(stack.container, tables.notification_tokens)
    assert (used["status"], used["uses"]) == ("used", 1)
