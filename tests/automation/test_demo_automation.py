"""The demo Page's automation, as a new user tries it from the phone page: Get Started, two
keywords, an FAQ question in French and in English, and a small flow."""

from __future__ import annotations

import pytest

from comptoir.cli.demo_automation import set_up_automation
from comptoir.storage import tables
from tests.automation.support import bot_texts, settle
from tests.support.stack import Stack, wait_for

pytestmark = pytest.mark.anyio


async def test_the_demo_page_answers_like_a_shop(stack: Stack) -> None:
    assert await set_up_automation(stack.container, stack.page.page_id)
    profile = stack.emulator.state.pages[stack.page.page_id].profile
    assert profile["get_started"] == {"payload": "GET_STARTED"}

    await stack.act({"type": "postback", "payload": "GET_STARTED", "title": "Get Started"})
    await settle(stack)
    texts = await bot_texts(stack)
    assert texts[0] == "Réponses automatiques de la Boutique du Comptoir."
    assert "Bienvenue à la Boutique du Comptoir" in texts[1]
    assert texts[-1] == "Que puis-je faire pour vous ?"

    for question, answer in (
        ("horaires ?", "Nous sommes ouverts du lundi au samedi"),
        ("frais de livraison", None),
        ("Puis-je être remboursé ?", "Vous avez 30 jours"),
        ("Can I get a refund?", "Vous avez 30 jours"),  # a French contact: French answer
    ):
        before = len(await stack.sent())
        await stack.customer_says(question)
        await settle(stack)
        assert len(await stack.sent()) > before, question
        if answer is not None:
            assert (await bot_texts(stack))[-1].startswith(answer), question

    english = await stack.add_customer("Amina", "Diallo", locale="en_GB")
    await stack.customer_says("Hi", psid=english)
    await settle(stack)
    await wait_for(
        lambda: stack.contacts(tables.contacts.c.psid == english)[0]["locale"] == "en_GB",
        what="the English customer's profile",
    )
    await stack.customer_says("How do I return an item?", psid=english)
    await settle(stack)
    assert (await bot_texts(stack, english))[-1].startswith("You have 30 days")

    await stack.customer_says("Un conseiller", quick_reply_payload="HUMAN")
    await settle(stack)
    assert (await bot_texts(stack))[-1] == "Un conseiller prend le relais et vous répond ici même."
