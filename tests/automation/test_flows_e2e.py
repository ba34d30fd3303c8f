"""Flows end to end through the emulator, with the shop's example flows: each trigger and
each step kind, an e-mail question that rejects a wrong answer, a handover, a wait."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from comptoir.domain.automation.keywords import KeywordRule
from comptoir.domain.automation.model import Flow, KeywordTrigger, SendTextStep, WaitStep
from comptoir.domain.automation.text import Localized
from comptoir.services.automation import automation_of
from comptoir.services.automation_waits import WaitPoller, run_due_waits
from comptoir.services.flow_files import FlowSet
from comptoir.storage import tables
from tests.automation.support import bot_texts, configure, settle
from tests.support.stack import Stack, wait_for

pytestmark = pytest.mark.anyio

SHOP = str(Path(__file__).resolve().parents[2] / "flows" / "examples" / "shop")


async def shop(stack: Stack) -> dict[str, str]:
    return await configure(stack, {"flows_folder": SHOP})


async def bot_requests(stack: Stack) -> list[dict[str, Any]]:
    return [
        record["request"]["message"]
        for record in await stack.sent()
        if str(record["request"].get("recipient", {}).get("id")) == stack.customer
        and "message" in record["request"]
    ]


def thread_row(stack: Stack) -> dict[str, Any]:
    (conversation,) = stack.conversations()
    with stack.container.engine.connect() as conn:
        row = conn.execute(
            sa.select(tables.automation_threads).where(
                tables.automation_threads.c.conversation_id == conversation["id"]
            )
        ).first()
    assert row is not None
    return dict(row._mapping)


def contact_data(stack: Stack) -> dict[str, Any]:
    (contact,) = stack.contacts(tables.contacts.c.psid == stack.customer)
    with stack.container.engine.connect() as conn:
        row = conn.execute(
            sa.select(tables.automation_contacts).where(
                tables.automation_contacts.c.contact_id == contact["id"]
            )
        ).first()
    return {} if row is None else dict(row._mapping)


def order_api(answers: list[tuple[int, Any]], seen: list[httpx.Request]) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status, body = answers.pop(0) if answers else (200, {"status": "expédiée"})
        return httpx.Response(status, json=body)

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def test_get_started_runs_the_welcome_with_quick_replies(stack: Stack) -> None:
    await shop(stack)
    await stack.act({"type": "postback", "payload": "GET_STARTED", "title": "Get Started"})
    await settle(stack)
    first, second = await bot_requests(stack)
    assert first["text"].startswith("Bonjour")
    assert "Bienvenue" in first["text"]
    assert second["text"] == "Que puis-je faire pour vous ?"
    assert [q["payload"] for q in second["quick_replies"]] == ["ORDER_STATUS", "HOURS", "HUMAN"]


async def test_keywords_answer_whatever_the_case_and_accents(stack: Stack) -> None:
    await shop(stack)
    await stack.customer_says("Quels sont vos HORAIRES ?")
    await settle(stack)
    await stack.customer_says("Et la livraïson ?")
    await settle(stack)
    hours, delivery = await bot_requests(stack)
    assert hours["text"] == "Nous sommes ouverts du lundi au samedi, de 10 h à 19 h."
    payload = delivery["attachment"]["payload"]
    assert payload["template_type"] == "button"
    assert payload["buttons"][0]["url"] == "https://shop.example.com/delivery"


async def test_a_quick_reply_payload_starts_its_flow(stack: Stack) -> None:
    await shop(stack)
    await stack.customer_says("Horaires", quick_reply_payload="HOURS")
    await settle(stack)
    assert await bot_texts(stack) == ["Nous sommes ouverts du lundi au samedi, de 10 h à 19 h."]


async def test_the_order_flow_rejects_a_wrong_email_then_calls_the_shop(stack: Stack) -> None:
    await shop(stack)
    seen: list[httpx.Request] = []
    automation_of(stack.container).http = order_api(
        [(503, {}), (200, {"status": "expédiée"})], seen
    )
    await stack.customer_says("Où en est ma commande ?")
    await settle(stack)
    await stack.customer_says("CMD1234")
    await settle(stack)
    await stack.customer_says("pas une adresse")
    await settle(stack)
    texts = await bot_texts(stack)
    assert texts[-2].startswith("Cette adresse ne semble pas valide")
    assert texts[-1] == "Et l'adresse e-mail utilisée pour la commande ?"
    await stack.customer_says("marie@example.com")
    await settle(stack)
    assert (await bot_texts(stack))[-1] == "Votre commande CMD1234 est au statut : expédiée."
    assert [str(r.url) for r in seen] == ["https://shop.example.com/api/orders/CMD1234"] * 2
    data = contact_data(stack)
    assert data["fields"]["email"] == "marie@example.com"
    assert data["fields"]["order_state"] == "expédiée"
    assert data["labels"] == ["order-question"]
    assert thread_row(stack)["flow_name"] is None


async def test_a_failing_shop_api_hands_over_and_silences_the_bot(stack: Stack) -> None:
    await shop(stack)
    seen: list[httpx.Request] = []
    automation_of(stack.container).http = order_api([(500, {})] * 2, seen)
    for text in ("suivi", "CMD9", "marie@example.com"):
        await stack.customer_says(text)
        await settle(stack)
    assert len(seen) == 2  # one retry
    assert (await bot_texts(stack))[-1].startswith("Je transmets votre demande")
    assert thread_row(stack)["taken_at"] is not None
    before = len(await bot_texts(stack))
    await stack.customer_says("horaires ?")
    await settle(stack)
    assert len(await bot_texts(stack)) == before


async def test_an_mme_ref_starts_the_newsletter_flow_and_consent_is_recorded(
    stack: Stack,
) -> None:
    await shop(stack)
    await stack.act(
        {
            "type": "message",
            "text": "Info",
            "referral": {"ref": "newsletter", "source": "SHORTLINK"},
        }
    )
    await settle(stack)
    assert (await bot_texts(stack))[-1].startswith("Voulez-vous recevoir nos nouveautés")
    await stack.customer_says("Oui", quick_reply_payload="Oui")
    await settle(stack)
    assert (await bot_texts(stack))[-1] == "C'est noté, à bientôt !"
    (consent,) = contact_data(stack)["consents"]
    assert (consent["topic"], consent["action"]) == ("news", "subscribe")


async def test_an_ad_click_starts_the_newsletter_flow(stack: Stack) -> None:
    await shop(stack)
    await stack.act({"type": "message", "text": "Info", "referral": {"source": "ADS"}})
    await settle(stack)
    assert (await bot_texts(stack))[-1].startswith("Voulez-vous recevoir nos nouveautés")
    await stack.customer_says("Non merci")
    await settle(stack)
    await stack.customer_says("Non")
    await settle(stack)
    assert (await bot_texts(stack))[-1] == "Très bien, nous ne vous écrirons pas."
    assert contact_data(stack)["fields"]["newsletter"] == "Non"


async def test_a_postback_button_starts_its_flow(stack: Stack) -> None:
    await shop(stack)
    await stack.act({"type": "postback", "payload": "HUMAN", "title": "Un conseiller"})
    await settle(stack)
    assert await bot_texts(stack) == ["Un conseiller prend le relais et vous répond ici même."]
    assert thread_row(stack)["taken_at"] is not None


async def stop_wait_poller(stack: Stack) -> None:
    """The tests resume waits themselves (``run_due_waits``), on the emulator's clock."""
    for worker in stack.container.workers:
        if isinstance(worker, WaitPoller):
            await worker.aclose()


def reminder_flow() -> Flow:
    return Flow(
        "reminder",
        (KeywordTrigger(KeywordRule(("rappel",))),),
        (
            SendTextStep("first", Localized.of("Je vous rappelle dans une heure.")),
            WaitStep("pause", timedelta(hours=1)),
            SendTextStep("later", Localized.of("Voici votre rappel.")),
        ),
    )


async def test_a_wait_step_resumes_when_its_time_comes(stack: Stack) -> None:
    await configure(stack, {})
    await stop_wait_poller(stack)
    flow = reminder_flow()
    automation = automation_of(stack.container)
    automation.flows.use(stack.page.page_ref, FlowSet((flow,)))
    await stack.customer_says("Un rappel svp")
    await settle(stack)
    assert await bot_texts(stack) == ["Je vous rappelle dans une heure."]
    assert thread_row(stack)["flow_step"] == "pause"
    assert await automation.run_due_waits() == 0
    await stack.advance(3601)
    assert await automation.run_due_waits() == 1
    await settle(stack)
    assert await bot_texts(stack) == ["Je vous rappelle dans une heure.", "Voici votre rappel."]
    assert thread_row(stack)["wait_until"] is None
    assert thread_row(stack)["flow_name"] is None


async def test_faq_questions_are_answered_in_french_and_in_english(stack: Stack) -> None:
    await shop(stack)
    await stack.customer_says("comment je retourne un article")
    await settle(stack)
    assert (await bot_texts(stack))[-1].startswith("Vous avez 30 jours pour retourner")
    english = await stack.add_customer("Alex", "Smith", locale="en_US")
    await stack.customer_says("Hello", psid=english)
    await settle(stack)
    await wait_for(
        lambda: stack.contacts(tables.contacts.c.psid == english)[0]["locale"] == "en_US",
        what="the English customer's profile",
    )
    await stack.customer_says("What payment methods do you accept?", psid=english)
    await settle(stack)
    sent = [
        record["request"]["message"]
        for record in await stack.sent()
        if str(record["request"]["recipient"]["id"]) == english
    ]
    assert sent[-1]["text"] == "We accept cards, PayPal and gift vouchers."
    assert sent[-1]["quick_replies"][0]["title"] == "A person"


async def test_a_message_nothing_matches_gets_no_answer(stack: Stack) -> None:
    await shop(stack)
    await stack.customer_says("merci")
    await settle(stack)
    assert await bot_texts(stack) == []


CATALOGUE = """\
flow: catalogue
triggers:
  - postback: CATALOGUE
steps:
  - add_label: curious
  - branch:
      - if: [{ label: curious }, { locale: fr }]
        goto: cards
    else: english
  - id: english
    send: Our dresses
  - id: cards
    template:
      - title: Robe Lina
        subtitle: { fr: "39 €, en lin", en: "39 €, linen" }
        image_url: https://shop.example.com/lina.jpg
        buttons:
          - title: { fr: Voir, en: See }
            url: https://shop.example.com/lina
  - remove_label: curious
  - add_label: seen-catalogue
  - unsubscribe: news
"""


async def test_templates_labels_and_unsubscribe_from_a_flow_file(
    stack: Stack, tmp_path: Path
) -> None:
    (tmp_path / "catalogue.yaml").write_text(CATALOGUE, encoding="utf-8")
    await configure(stack, {"flows_folder": str(tmp_path)})
    await stack.act({"type": "postback", "payload": "CATALOGUE", "title": "Catalogue"})
    await settle(stack)
    (message,) = await bot_requests(stack)
    payload = message["attachment"]["payload"]
    assert payload["template_type"] == "generic"
    (card,) = payload["elements"]
    assert card["title"] == "Robe Lina"
    assert card["subtitle"] == "39 €, en lin"
    assert card["buttons"] == [
        {"type": "web_url", "title": "Voir", "url": "https://shop.example.com/lina"}
    ]
    data = contact_data(stack)
    assert data["labels"] == ["seen-catalogue"]
    (consent,) = data["consents"]
    assert (consent["topic"], consent["action"]) == ("news", "unsubscribe")


async def test_a_wait_waits_for_hand_back_and_is_abandoned_when_resolved(stack: Stack) -> None:
    auth = await configure(stack, {})
    await stop_wait_poller(stack)
    automation = automation_of(stack.container)
    automation.flows.use(stack.page.page_ref, FlowSet((reminder_flow(),)))
    await stack.customer_says("rappel")
    await settle(stack)
    conversation_id = thread_row(stack)["conversation_id"]
    path = f"/api/v1/conversations/{conversation_id}"
    assert (await stack.comptoir.post(f"{path}/take", headers=auth)).status_code == 200
    await stack.advance(3601)
    assert await automation.run_due_waits() == 0  # a person has it
    assert (await stack.comptoir.post(f"{path}/hand-back", headers=auth)).status_code == 200
    assert await automation.run_due_waits() == 1
    await settle(stack)
    assert (await bot_texts(stack))[-1] == "Voici votre rappel."

    await stack.customer_says("encore un rappel")
    await settle(stack)
    resolved = await stack.comptoir.patch(path, json={"status": "resolved"}, headers=auth)
    assert resolved.status_code == 200
    await stack.advance(3601)
    assert await automation.run_due_waits() == 0
    row = thread_row(stack)
    assert (row["flow_name"], row["wait_until"]) == (None, None)


async def test_an_mme_link_opening_an_existing_thread_starts_its_flow(stack: Stack) -> None:
    await shop(stack)
    await stack.customer_says("merci")  # an existing thread; nothing matches
    await settle(stack)
    assert await bot_texts(stack) == []
    await stack.act({"type": "referral", "ref": "newsletter", "source": "SHORTLINK"})
    await settle(stack)
    assert (await bot_texts(stack))[-1].startswith("Voulez-vous recevoir nos nouveautés")


async def test_an_ad_opening_an_existing_thread_starts_its_flow(stack: Stack) -> None:
    await shop(stack)
    await stack.customer_says("merci")
    await settle(stack)
    await stack.act({"type": "referral", "source": "ADS"})
    await settle(stack)
    assert (await bot_texts(stack))[-1].startswith("Voulez-vous recevoir nos nouveautés")


async def test_a_due_wait_is_resumed_once_even_by_two_pollers(stack: Stack) -> None:
    await configure(stack, {})
    await stop_wait_poller(stack)
    automation = automation_of(stack.container)
    automation.flows.use(stack.page.page_ref, FlowSet((reminder_flow(),)))
    await stack.customer_says("rappel")
    await settle(stack)
    await stack.advance(3601)
    first, second = await asyncio.gather(run_due_waits(automation), run_due_waits(automation))
    assert first + second == 1
    await settle(stack)
    assert (await bot_texts(stack)).count("Voici votre rappel.") == 1
