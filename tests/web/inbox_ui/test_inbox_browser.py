"""The shared inbox in Chromium against a running Comptoir wired to the emulator: what an
agent does all day, end to end (the customer's side is the emulator's simulated person)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.web.inbox_ui.agent import PHONE, AgentTab
from tests.web.inbox_ui.live import LiveInbox

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOUR = 3600.0
DAY = 24 * HOUR


def eventually(check: Callable[[], bool], what: str, within: float = 15.0) -> None:
    """Poll ``check`` (a condition on the emulator or the database) until it holds."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def page_texts(inbox: LiveInbox) -> list[str]:
    return [str(item.get("text")) for item in inbox.thread() if item["from"] == "page"]


def test_an_agent_signs_in_sees_a_message_arrive_live_and_the_customer_gets_the_reply(
    inbox: LiveInbox, browser: Any
) -> None:
    from playwright.sync_api import expect

    agent = inbox.add_agent("Nadia", "nadia@example.com")
    tab = AgentTab.open(browser, inbox.base_url)
    page = tab.page
    tab.goto()
    tab.sign_in(agent)
    expect(page.locator("#live-state")).to_have_attribute("data-state", "on")
    expect(page).to_have_title("Comptoir inbox")

    # The customer writes while the agent looks at the list: the row appears by itself.
    inbox.customer_says("Bonjour ! Vous êtes ouverts samedi matin ?")
    expect(page).to_have_title("(1) Comptoir inbox")
    row = page.locator("#conversation-list .row", has_text="Camille Martin")
    expect(row).to_contain_text("Vous êtes ouverts samedi matin ?")
    expect(row.locator(".window")).to_have_text(re.compile(r"^2[34] h left$"))

    row.click()
    expect(page.locator("#conversation-title")).to_have_text("Camille Martin")
    thread = page.locator("#thread")
    expect(thread.locator(".msg.in")).to_contain_text("Vous êtes ouverts samedi matin ?")
    expect(page.locator("#allowance")).to_have_attribute("data-mode", "response")

    # A second message arrives in the open conversation without a reload (and is read out).
    inbox.customer_says("Et dimanche ?")
    expect(page.locator("#announce")).to_have_text("New message from Camille Martin: Et dimanche ?")
    expect(thread.locator(".msg.in .bubble").last).to_have_text("Et dimanche ?")

    # The agent answers (Ctrl+Enter sends); the customer gets it in Messenger.
    page.keyboard.press("r")
    expect(page.locator("#reply-text")).to_be_focused()
    page.keyboard.type("Oui, de 9 h à 13 h. Fermé le dimanche.")
    page.keyboard.press("Control+Enter")
    eventually(
        lambda: "Oui, de 9 h à 13 h. Fermé le dimanche." in page_texts(inbox),
        "the reply in the customer's Messenger thread",
    )
    mine = thread.locator(".msg.out", has_text="Oui, de 9 h à 13 h")
    expect(mine.locator(".by")).to_contain_text("Nadia")
    expect(mine).to_have_attribute("data-status", "delivered", timeout=15000)
    expect(page.locator("#reply-text")).to_have_value("")
    assert tab.dialogs == []
    assert tab.errors == []


def test_the_composer_follows_the_window_then_offers_nothing(
    inbox: LiveInbox, browser: Any
) -> None:
    from playwright.sync_api import expect

    agent = inbox.add_agent("Nadia", "nadia@example.com")
    inbox.customer_says("Ma commande 4521 est-elle partie ?")
    conversation_id = inbox.conversation_id()
    tab = AgentTab.open(browser, inbox.base_url)
    page = tab.page
    tab.goto(f"#/c/{conversation_id}")
    tab.sign_in(agent)
    allowance = page.locator("#allowance")
    expect(allowance).to_have_attribute("data-mode", "response")
    expect(page.get_by_role("button", name="Send")).to_be_visible()

    # 25 hours later the standard window is closed: only the human-agent reply is offered,
    # and the sentence says so before the agent types anything. (The idle session ended too.)
    inbox.advance(25 * HOUR)
    page.reload()
    tab.sign_in(agent)
    expect(page.locator("#conversation-title")).to_have_text("Camille Martin")
    expect(allowance).to_have_attribute("data-mode", "human_agent")
    expect(allowance).to_contain_text(re.compile(r"human.agent", re.IGNORECASE))
    expect(page.locator("#send-as")).to_contain_text("HUMAN_AGENT")
    page.locator("#reply-text").fill("Elle part demain, désolée du retard.")
    page.get_by_role("button", name="Send").click()
    eventually(
        lambda: "Elle part demain, désolée du retard." in page_texts(inbox),
        "the human-agent reply in the customer's thread",
    )
    bodies = [record["request"] for record in inbox.call(inbox.stack.sent())]
    reply = [b for b in bodies if (b.get("message") or {}).get("text", "").startswith("Elle part")]
    assert reply, bodies
    assert (reply[-1].get("messaging_type"), reply[-1].get("tag")) == ("MESSAGE_TAG", "HUMAN_AGENT")

    # After 8 days nothing is allowed: the sentence says why and there is no send button.
    inbox.advance(7 * DAY)
    page.reload()
    tab.sign_in(agent)
    expect(allowance).to_have_attribute("data-mode", "none")
    expect(allowance).not_to_be_empty()
    expect(page.locator("#reply-form")).to_be_hidden()
    expect(page.get_by_role("button", name="Send")).to_have_count(0)
    row = page.locator("#conversation-list .row", has_text="Camille Martin")
    expect(row.locator(".window")).to_have_text("window closed")
    assert tab.dialogs == []
    assert tab.errors == []


def test_take_over_from_the_bot_and_hand_back(inbox: LiveInbox, browser: Any) -> None:
    from playwright.sync_api import expect

    from comptoir.storage.automation import load_thread

    agent = inbox.add_agent("Nadia", "nadia@example.com")
    inbox.customer_says("Je voudrais parler à quelqu'un.")
    conversation_id = inbox.conversation_id()

    def taken_by() -> str | None:
        with inbox.stack.container.engine.connect() as conn:
            thread = load_thread(conn, conversation_id)
        if thread is None or thread.taken_at is None:
            return None
        return str(thread.taken_by)

    tab = AgentTab.open(browser, inbox.base_url)
    page = tab.page
    tab.goto(f"#/c/{conversation_id}")
    tab.sign_in(agent)
    expect(page.locator("#handover-state")).to_have_text("The bot answers this conversation.")
    page.get_by_role("button", name="Take over from the bot").click()
    expect(page.locator("#handover-state")).to_contain_text("Taken over by Nadia")
    expect(page.get_by_role("button", name="Take over from the bot")).to_be_hidden()
    eventually(lambda: taken_by() is not None, "the conversation marked as taken")

    page.get_by_role("button", name="Hand back to the bot").click()
    expect(page.locator("#handover-state")).to_have_text("The bot answers this conversation.")
    expect(page.get_by_role("button", name="Take over from the bot")).to_be_visible()
    eventually(lambda: taken_by() is None, "the conversation handed back")
    assert tab.dialogs == []
    assert tab.errors == []


def test_a_hostile_name_and_text_show_as_literal_text(inbox: LiveInbox, browser: Any) -> None:
    from playwright.sync_api import expect

    name = "<img src=x onerror=alert(1)>"
    text = "<script>alert(1)</script>"
    agent = inbox.add_agent("Nadia", "nadia@example.com")
    # The emulator wants a first and a last name: together they make the hostile name.
    psid = inbox.add_customer("<img", "src=x onerror=alert(1)>", "en_GB")
    inbox.customer_says(text, psid)
    tab = AgentTab.open(browser, inbox.base_url)
    page = tab.page
    tab.goto()
    tab.sign_in(agent)

    row = page.locator("#conversation-list .row").filter(has_text=name)
    expect(row.locator(".name")).to_have_text(name)
    expect(row.locator(".snippet")).to_have_text(text)
    row.click()
    expect(page.locator("#conversation-title")).to_have_text(name)
    expect(page.locator("#thread .msg.in .bubble")).to_have_text(text)
    expect(page.locator("#contact-profile")).to_contain_text(name)
    page.keyboard.press("Escape")
    page.get_by_label("Search").fill("alert")
    page.get_by_label("Search").press("Enter")
    expect(page.locator("#conversation-list .row .name")).to_have_text([name])
    assert page.locator("#inbox-screen img, #inbox-screen script").count() == 0
    assert page.evaluate("() => window.__xss === undefined")
    assert tab.dialogs == []
    assert tab.errors == []


def test_an_agent_of_another_workspace_gets_404(inbox: LiveInbox, browser: Any) -> None:
    from playwright.sync_api import expect

    inbox.customer_says("Bonjour")
    conversation_id = inbox.conversation_id()
    elsewhere = inbox.other_workspace()
    stranger = inbox.add_agent("Eve", "eve@example.org", workspace_id=elsewhere, role="owner")
    tab = AgentTab.open(browser, inbox.base_url)
    page = tab.page
    tab.goto(f"#/c/{conversation_id}")
    tab.sign_in(stranger)
    expect(page.locator("#not-found")).to_be_visible()
    expect(page.locator("#conversation")).to_be_hidden()
    expect(page.locator("#list-empty")).to_be_visible()

    api = f"{inbox.base_url}/inbox/api/conversations/{conversation_id}"
    for path in ("", "/composer", "/messages"):
        answer = page.request.get(api + path)
        assert answer.status == 404, (path, answer.status)
        assert answer.json()["error"]["code"] == "not_found"
    assert tab.dialogs == []
    assert tab.errors == []


def test_a_phone_sized_screen_shows_one_pane_at_a_time(inbox: LiveInbox, browser: Any) -> None:
    from playwright.sync_api import expect

    agent = inbox.add_agent("Nadia", "nadia@example.com")
    inbox.customer_says("Bonjour depuis mon téléphone")
    tab = AgentTab.open(browser, inbox.base_url, viewport=PHONE)
    page = tab.page
    tab.goto()
    tab.sign_in(agent)

    row = page.locator("#conversation-list .row", has_text="Camille Martin")
    expect(row).to_be_visible()
    assert tab.fits_the_width()
    row.click()
    expect(page.locator("#thread .msg.in .bubble")).to_have_text("Bonjour depuis mon téléphone")
    expect(page.locator("#list-pane")).to_be_hidden()
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    assert tab.fits_the_width()
    assert tab.unlabelled_controls() == []
    page.get_by_role("button", name="Back").click()
    expect(page.locator("#list-pane")).to_be_visible()
    expect(page.locator("#conversation-pane")).to_be_hidden()
    assert tab.errors == []


def test_the_keyboard_drives_the_list_and_the_help_lists_the_shortcuts(
    inbox: LiveInbox, browser: Any
) -> None:
    from playwright.sync_api import expect

    agent = inbox.add_agent("Nadia", "nadia@example.com")
    inbox.customer_says("Premier message")
    second = inbox.add_customer("Lucas", "Bernard", "fr_FR")
    inbox.customer_says("Second message", second)
    tab = AgentTab.open(browser, inbox.base_url)
    page = tab.page
    tab.goto()
    tab.sign_in(agent)
    rows = page.locator("#conversation-list .row")
    expect(rows).to_have_count(2)

    page.keyboard.press("j")
    selected = re.compile(r"\bselected\b")
    expect(rows.first).to_have_class(selected)
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(selected)
    expect(rows.first).not_to_have_class(selected)
    page.keyboard.press("k")
    page.keyboard.press("Enter")
    expect(page.locator("#conversation-title")).to_have_text("Lucas Bernard")
    page.keyboard.press("Escape")
    expect(page.locator("#conversation-placeholder")).to_be_visible()
    page.keyboard.press("/")
    expect(page.get_by_label("Search")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Send the reply")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    assert tab.errors == []


def test_nothing_is_missed_across_a_reconnect(inbox: LiveInbox, browser: Any) -> None:
    from playwright.sync_api import expect

    agent = inbox.add_agent("Nadia", "nadia@example.com")
    inbox.customer_says("Premier message")
    tab = AgentTab.open(browser, inbox.base_url)
    page = tab.page
    tab.goto(f"#/c/{inbox.conversation_id()}")
    tab.sign_in(agent)
    live = page.locator("#live-state")
    bubbles = page.locator("#thread .msg.in .bubble")

    def cut_while(*texts: str) -> None:
        """The connection drops and cannot come back until the customer has written."""
        expect(live).to_have_attribute("data-state", "on")
        page.route("**/inbox/api/events*", lambda route: route.abort())
        assert inbox.drop_connections() >= 1
        expect(live).to_have_attribute("data-state", "off")
        shown = bubbles.count()
        for text in texts:
            inbox.customer_says(text)
        expect(bubbles).to_have_count(shown)
        page.unroute("**/inbox/api/events*")

    # A cut before any event reached the page, then a cut after some did (the page then
    # resumes after the last event id it saw).
    expect(bubbles).to_have_text(["Premier message"])
    cut_while("Écrit pendant la coupure")
    expect(bubbles).to_have_text(["Premier message", "Écrit pendant la coupure"])
    inbox.customer_says("En direct")
    expect(bubbles.last).to_have_text("En direct")
    cut_while("Encore une coupure", "Et un autre")
    expect(live).to_have_attribute("data-state", "on")
    expect(bubbles).to_have_text(
        [
            "Premier message",
            "Écrit pendant la coupure",
            "En direct",
            "Encore une coupure",
            "Et un autre",
        ]
    )
    assert tab.dialogs == []
