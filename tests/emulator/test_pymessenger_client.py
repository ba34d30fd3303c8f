"""A real Messenger client library from PyPI, pointed at the emulator over HTTP.

``pymessenger`` (tests only) builds its own requests with ``requests``: query-string token and
``appsecret_proof``, JSON bodies, Graph v2.6 paths. The emulator runs with uvicorn on a local
port; the client sends text, quick replies and templates, and the person's thread shows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pymessenger import Bot, Button, Element

from comptoir.emulator.app import create_app
from comptoir.emulator.core import Emulator, build_emulator
from comptoir.emulator.state import Page, Person
from tests.emulator.factories import make_page, make_person, user_writes
from tests.support.servers import serve_in_thread


@dataclass
class Served:
    emulator: Emulator
    page: Page
    person: Person
    bot: Bot


@pytest.fixture
def served() -> Iterator[Served]:
    emulator = build_emulator()
    page = make_page(emulator, name="Boulangerie Camille")
    person = make_person(emulator, page)
    user_writes(emulator, person, "Vous êtes ouverts dimanche ?")
    with serve_in_thread(create_app(emulator)) as base_url:
        bot = Bot(page.access_token, app_secret=page.app_secret)
        bot.graph_url = f"{base_url}/v2.6"
        yield Served(emulator, page, person, bot)


def _page_items(served: Served) -> list[object]:
    thread = served.emulator.state.thread(served.page.page_id, served.person.psid)
    return [item for item in thread if item.sender == "page"]


def test_pymessenger_sends_text(served: Served) -> None:
    result = served.bot.send_text_message(served.person.psid, "Oui, de 8 h à 13 h !")
    assert result["recipient_id"] == served.person.psid
    assert result["message_id"].startswith("m_")
    item = served.emulator.state.messages[result["message_id"]]
    assert (item.sender, item.text) == ("page", "Oui, de 8 h à 13 h !")


def test_pymessenger_sends_quick_replies(served: Served) -> None:
    message = {
        "text": "Que souhaitez-vous réserver ?",
        "quick_replies": [
            {"content_type": "text", "title": "Baguette", "payload": "BOOK_BAGUETTE"},
            {"content_type": "text", "title": "Croissants", "payload": "BOOK_CROISSANTS"},
            {"content_type": "user_phone_number"},
        ],
    }
    result = served.bot.send_message(served.person.psid, message)
    item = served.emulator.state.messages[result["message_id"]]
    assert item.quick_replies == message["quick_replies"]


def test_pymessenger_sends_a_button_template(served: Served) -> None:
    buttons = [
        Button(type="web_url", url="https://boulangerie.example.com/horaires", title="Horaires"),
        Button(type="postback", title="Réserver", payload="BOOK"),
    ]
    result = served.bot.send_button_message(served.person.psid, "Que voulez-vous faire ?", buttons)
    item = served.emulator.state.messages[result["message_id"]]
    assert item.attachment is not None
    assert item.attachment["payload"]["template_type"] == "button"
    assert [b["title"] for b in item.attachment["payload"]["buttons"]] == ["Horaires", "Réserver"]


def test_pymessenger_sends_a_generic_template(served: Served) -> None:
    elements = [
        Element(
            title="Tarte aux pommes",
            subtitle="6 parts, 18 €",
            image_url="https://boulangerie.example.com/tarte.jpg",
            buttons=[Button(type="postback", title="Commander", payload="ORDER_TART")],
        )
    ]
    result = served.bot.send_generic_message(served.person.psid, elements)
    assert "message_id" in result
    assert len(_page_items(served)) == 1


def test_pymessenger_sees_graph_errors(served: Served) -> None:
    result = served.bot.send_text_message("1234567", "Bonjour")
    assert result["error"]["code"] == 100
    assert result["error"]["error_subcode"] == 2018001
    too_long = served.bot.send_text_message(served.person.psid, "x" * 2001)
    assert too_long["error"]["code"] == 100
    assert _page_items(served) == []


def test_pymessenger_sender_action(served: Served) -> None:
    result = served.bot.send_action(served.person.psid, "typing_on")
    assert result == {"recipient_id": served.person.psid}
