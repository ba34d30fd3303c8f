"""An agent's working day in Chromium: notes, labels, assignment, snooze, resolve and reopen,
saved replies, quick replies and attachments, a colleague seeing it live, a failed send,
"show more", French, and the password-reset link."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest

from tests.support.inbox_rows import Rows
from tests.web.inbox_ui.agent import AgentTab
from tests.web.inbox_ui.live import LiveInbox
from tests.web.inbox_ui.test_inbox_browser import eventually

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """These screens run on SQLite only: the inbox API tests (``tests/web/inbox_api``) and
    ``test_inbox_browser.py`` cover both databases, and a browser run costs a minute."""
    return sqlite_url


def sent_bodies(inbox: LiveInbox) -> list[dict[str, Any]]:
    return [record["request"] for record in inbox.call(inbox.stack.sent())]


def csrf(tab: AgentTab) -> dict[str, str]:
    me = tab.page.request.get(f"{tab.base_url}/inbox/api/me").json()
    return {"X-CSRF-Token": me["csrf_token"]}


def test_an_agent_works_a_conversation(inbox: LiveInbox, browser: Any) -> None:
    from playwright.sync_api import expect

    agent = inbox.add_agent("Nadia", "nadia@example.com")
    inbox.customer_says("Bonjour, vous livrez à Lyon ?")
    tab = AgentTab.open(browser, inbox.base_url)
    page = tab.page
    tab.goto()
    tab.sign_in(agent)
    saved = page.request.post(
        f"{inbox.base_url}/inbox/api/saved-replies",
        headers=csrf(tab),
        data={"name": "Delivery", "text": "Bonjour {first_name}, nous livrons partout."},
    )
    assert saved.status == 201, saved.text()
    rows = page.locator("#conversation-list .row")
    rows.filter(has_text="Camille Martin").click()

    # A private note and a label.
    page.get_by_text("Private notes").click()
    page.get_by_label("Add a note").fill("Asks about Lyon; check with the courier.")
    page.get_by_role("button", name="Save the note").click()
    expect(page.locator("#note-list li")).to_contain_text("Asks about Lyon")
    expect(page.locator("#note-count")).to_have_text("(1)")
    page.get_by_label("Add a label").fill("Delivery")
    page.get_by_label("Add a label").press("Enter")
    expect(page.locator("#label-list")).to_contain_text("delivery")
    expect(rows.first.locator(".tags")).to_contain_text("delivery")

    # A saved reply, filled for this customer, sent with two quick-reply buttons.
    page.locator("#reply-extras summary").click()
    page.get_by_label("Insert a saved reply").select_option(label="Delivery")
    expect(page.locator("#reply-text")).to_have_value("Bonjour Camille, nous livrons partout.")
    for title in ("Oui", "Non merci"):
        page.get_by_label("Add a quick-reply button").fill(title)
        page.get_by_label("Add a quick-reply button").press("Enter")
    expect(page.locator("#quick-reply-editor .chip")).to_have_count(2)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#thread .msg.out .offer")).to_have_text(["Oui", "Non merci"])
    eventually(
        lambda: any(
            (b.get("message") or {}).get("text") == "Bonjour Camille, nous livrons partout."
            and [q["title"] for q in b["message"].get("quick_replies", [])] == ["Oui", "Non merci"]
            for b in sent_bodies(inbox)
        ),
        "the reply with its quick replies at the emulator",
    )
    # The customer taps one: the conversation shows which.
    inbox.call(inbox.stack.act({"type": "message", "quick_reply_payload": "OUI"}))
    inbox.settle()
    expect(page.locator("#thread .msg.in .tapped")).to_have_text("Tapped “Oui”")

    # An attachment by URL: a link to it, opened in a new tab, never through our server.
    page.get_by_label("Attachment (URL)").fill("https://example.org/tarifs.pdf")
    page.get_by_label("Kind").select_option("file")
    page.get_by_role("button", name="Send").click()
    link = page.locator("#thread .msg.out .attachments a").last
    expect(link).to_have_attribute("href", "https://example.org/tarifs.pdf")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")

    # Assign it to oneself: it is in "Mine"; filter by label.
    page.get_by_label("Assigned to").select_option(label="Nadia")
    page.get_by_role("button", name=re.compile("^Mine")).click()
    expect(rows).to_have_count(1)
    page.get_by_role("button", name=re.compile("^Unassigned")).click()
    expect(rows).to_have_count(0)
    page.get_by_role("button", name=re.compile("^All")).click()
    page.locator("#filter-label").select_option("delivery")
    expect(rows).to_have_count(1)
    page.locator("#filter-label").select_option("")

    # Snooze: it leaves Open for Snoozed. Resolve, then reopen.
    page.get_by_label("Snooze").select_option(label="1 day")
    expect(page.locator("#conversation-meta")).to_contain_text("Snoozed until")
    expect(rows).to_have_count(0)
    page.locator("#status-list").get_by_role("button", name=re.compile("^Snoozed")).click()
    expect(rows).to_have_count(1)
    page.get_by_label("Snooze").select_option(label="Not snoozed")
    page.get_by_role("button", name="Set pending").click()
    expect(page.locator("#conversation-meta")).to_contain_text("Pending")
    page.locator("#status-list").get_by_role("button", name=re.compile("^Pending")).click()
    expect(rows).to_have_count(1)
    page.get_by_role("button", name="Resolve", exact=True).click()
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    page.locator("#status-list").get_by_role("button", name=re.compile("^Resolved")).click()
    expect(rows).to_have_count(1)
    page.get_by_role("button", name="Reopen").click()
    expect(rows).to_have_count(0)
    page.locator("#status-list").get_by_role("button", name=re.compile("^Open")).click()
    expect(rows).to_have_count(1)

    assert tab.unlabelled_controls() == []
    assert tab.fits_the_width()

    # The whole page in French, the composer's sentence included.
    english = page.locator("#allowance").inner_text()
    page.get_by_label("Language").select_option("fr")
    expect(
        page.get_by_role("button", name="Rouvrir").or_(page.get_by_role("button", name="Résoudre"))
    ).to_be_visible()
    expect(page.locator("#allowance")).not_to_have_text(english)
    expect(page.get_by_role("button", name=re.compile("^Toutes"))).to_be_visible()
    assert tab.dialogs == []
    assert tab.errors == []


def test_a_colleague_sees_typing_and_assignment_live(inbox: LiveInbox, browser: Any) -> None:
    from playwright.sync_api import expect

    nadia = inbox.add_agent("Nadia", "nadia@example.com")
    hugo = inbox.add_agent("Hugo", "hugo@example.com")
    inbox.customer_says("Quelqu'un est là ?")
    conversation_id = inbox.conversation_id()
    first = AgentTab.open(browser, inbox.base_url)
    first.goto(f"#/c/{conversation_id}")
    first.sign_in(nadia)
    second = AgentTab.open(browser, inbox.base_url)
    second.goto(f"#/c/{conversation_id}")
    second.sign_in(hugo)
    expect(second.page.locator("#live-state")).to_have_attribute("data-state", "on")

    first.page.locator("#reply-text").press_sequentially("Oui, je")
    expect(second.page.locator("#typing")).to_have_text("Nadia is typing…")
    eventually(
        lambda: any(b.get("sender_action") == "typing_on" for b in sent_bodies(inbox)),
        "typing_on sent to the customer",
    )
    first.page.get_by_label("Assigned to").select_option(label="Hugo")
    expect(second.page.get_by_label("Assigned to")).to_have_value(str(hugo.user_id))
    second.page.get_by_role("button", name=re.compile("^Mine")).click()
    expect(second.page.locator("#conversation-list .row")).to_have_count(1)
    first.page.locator("#reply-text").press("Control+Enter")
    expect(second.page.locator("#thread .msg.out .bubble")).to_have_text("Oui, je")
    assert first.errors == second.errors == []


def test_a_failed_send_says_why_in_plain_words(inbox: LiveInbox, browser: Any) -> None:
    from playwright.sync_api import expect

    agent = inbox.add_agent("Nadia", "nadia@example.com")
    inbox.customer_says("Au revoir")
    tab = AgentTab.open(browser, inbox.base_url)
    tab.goto(f"#/c/{inbox.conversation_id()}")
    tab.sign_in(agent)
    # Meta answers the next send with "this person isn't receiving messages" (551).
    failures = inbox.stack.emulator.config.failures
    failures.errors_for_psid = {inbox.stack.customer: {"code": 551, "error_subcode": 1545041}}
    # (An attachment: typing a text would send the typing indicator first, which Meta would
    # refuse the same way, and the composer would then refuse the message before queuing it.)
    tab.page.locator("#reply-extras summary").click()
    tab.page.get_by_label("Attachment (URL)").fill("https://example.org/au-revoir.png")
    tab.page.get_by_role("button", name="Send").click()
    failed = tab.page.locator("#thread .msg.out .status.failed")
    expect(failed).to_have_text(
        "Not sent: The customer isn't reachable (blocked the Page or deactivated)."
    )
    assert tab.errors == []


def test_more_conversations_load_on_demand(inbox: LiveInbox, browser: Any) -> None:
    from playwright.sync_api import expect

    stack = inbox.stack
    rows = Rows(stack.container.engine, stack.container.secrets, stack.container.clock.now())
    newest = 0
    for minutes in range(30):
        _, conversation_id = rows.thread(
            stack.workspace_id, stack.page.page_ref, minutes_ago=minutes
        )
        rows.message(conversation_id, text=f"Message {minutes}")
        newest = newest or conversation_id
    agent = inbox.add_agent("Nadia", "nadia@example.com")
    tab = AgentTab.open(browser, inbox.base_url)
    tab.goto()
    tab.sign_in(agent)
    listed = tab.page.locator("#conversation-list .row")
    expect(listed).to_have_count(25)
    tab.page.get_by_role("button", name="Show more").click()
    expect(listed).to_have_count(30)
    expect(tab.page.get_by_role("button", name="Show more")).to_be_hidden()

    # A long conversation opens on its last messages; earlier ones load on demand.
    for number in range(1, 60):
        rows.message(newest, text=f"Suite {number}")
    listed.first.click()
    thread = tab.page.locator("#thread .msg")
    expect(thread).to_have_count(50)
    expect(thread.last).to_contain_text("Suite 59")
    tab.page.get_by_role("button", name="Show earlier messages").click()
    expect(thread).to_have_count(60)
    expect(thread.first).to_contain_text("Message 0")
    expect(tab.page.get_by_role("button", name="Show earlier messages")).to_be_hidden()
    assert tab.errors == []


def test_a_forgotten_password_is_reset_through_the_link(
    inbox: LiveInbox, browser: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from playwright.sync_api import expect

    agent = inbox.add_agent("Nadia", "nadia@example.com")
    tab = AgentTab.open(browser, inbox.base_url)
    page = tab.page
    tab.goto()
    with caplog.at_level(logging.WARNING, logger="comptoir.services.account_mail"):
        page.get_by_role("link", name="Forgot your password?").click()
        page.locator("#forgot-form").get_by_label("E-mail").fill(agent.email)
        page.get_by_role("button", name="Send the link").click()
        expect(page.locator("#auth-message")).to_have_text(
            "If this e-mail belongs to an account, a link is on its way."
        )
    tokens = [
        m.group(1) for r in caplog.records if (m := re.search(r"#reset=([\w.~-]+)", r.getMessage()))
    ]
    assert len(tokens) == 1
    tab.goto(f"#reset={tokens[0]}")
    expect(page.locator("#auth-title")).to_have_text("Choose a new password")
    assert "reset=" not in page.url  # the token left the address bar
    page.get_by_label("New password").fill("a new and long passphrase")
    page.get_by_role("button", name="Save the password").click()
    expect(page.locator("#inbox-screen")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#sign-in-form")).to_be_visible()
    form = page.locator("#sign-in-form")
    form.get_by_label("E-mail").fill(agent.email)
    form.get_by_label("Password").fill(agent.password)
    form.get_by_role("button", name="Sign in").click()
    expect(page.locator("#auth-message")).to_have_text("Wrong e-mail or password.")
    assert tab.errors == []


def test_an_owner_keeps_saved_replies_and_invites_an_agent(
    inbox: LiveInbox, browser: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from playwright.sync_api import expect

    owner = inbox.add_agent("Nadia", "nadia@example.com", role="owner")
    inbox.customer_says("Vous avez des croissants ?")
    tab = AgentTab.open(browser, inbox.base_url)
    page = tab.page
    tab.goto()
    tab.sign_in(owner)
    page.get_by_role("button", name="Team and saved replies").click()
    dialog = page.get_by_role("dialog", name="Team and saved replies")
    dialog.get_by_label("Name").fill("Croissants")
    dialog.get_by_label("Text").fill("Oui {first_name}, tous les matins dès 7 h.")
    dialog.get_by_role("button", name="Add the saved reply").click()
    expect(dialog.locator("#saved-list li")).to_contain_text("Croissants")
    expect(dialog.locator("#member-list li")).to_have_text(["Nadia <nadia@example.com> · owner"])
    with caplog.at_level(logging.WARNING, logger="comptoir.services.account_mail"):
        dialog.get_by_label("Invite by e-mail").fill("hugo@example.com")
        dialog.get_by_role("button", name="Send the invitation").click()
        expect(dialog.locator("#settings-message")).to_have_text(
            "Invitation sent to hugo@example.com."
        )
    expect(dialog.locator("#invitation-list li")).to_contain_text("hugo@example.com (agent)")
    dialog.get_by_role("button", name="Close").click()

    # The saved reply is offered in the composer, filled for this customer.
    page.locator("#conversation-list .row").first.click()
    page.locator("#reply-extras summary").click()
    page.get_by_label("Insert a saved reply").select_option(label="Croissants")
    expect(page.locator("#reply-text")).to_have_value("Oui Camille, tous les matins dès 7 h.")

    # The invited agent follows the link, chooses a name and a password, and is in.
    links = [
        m.group(1)
        for record in caplog.records
        if (m := re.search(r"#invite=([\w.~-]+)", record.getMessage()))
    ]
    assert len(links) == 1
    newcomer = AgentTab.open(browser, inbox.base_url)
    newcomer.goto(f"#invite={links[0]}")
    expect(newcomer.page.locator("#auth-title")).to_have_text("Join Test shop as agent")
    newcomer.page.get_by_label("Your name").fill("Hugo")
    newcomer.page.get_by_label("New password").fill("a long enough passphrase")
    newcomer.page.get_by_role("button", name="Save the password").click()
    expect(newcomer.page.locator("#me-name")).to_have_text("Hugo")
    expect(newcomer.page.locator("#conversation-list .row")).to_have_count(1)
    newcomer.page.get_by_role("button", name="Team and saved replies").click()
    expect(newcomer.page.locator("#invite-form")).to_be_hidden()
    assert tab.errors == newcomer.errors == []


def test_the_contact_panel_shows_fields_consents_and_past_conversations(
    inbox: LiveInbox, browser: Any
) -> None:
    from playwright.sync_api import expect

    from comptoir.storage.tables import automation_contacts

    stack = inbox.stack
    inbox.customer_says("Bonjour, c'est encore moi")
    contact = next(c for c in stack.contacts() if c["psid"] == stack.customer)
    now = stack.container.clock.now()
    with stack.container.engine.begin() as conn:
        conn.execute(
            automation_contacts.insert().values(
                contact_id=contact["id"],
                fields={"city": "<b>Lyon</b>", "order": "4521"},
                labels=["vip"],
                consents=[{"topic": "promotions", "action": "subscribe", "at": now.isoformat()}],
                updated_at=now,
            )
        )
    rows = Rows(stack.container.engine, stack.container.secrets, now - timedelta(days=30))
    past = rows.conversation(
        stack.workspace_id, stack.page.page_ref, contact["id"], status="resolved"
    )
    rows.message(past, text="Une ancienne question")

    agent = inbox.add_agent("Nadia", "nadia@example.com")
    tab = AgentTab.open(browser, inbox.base_url)
    page = tab.page
    tab.goto(f"#/c/{inbox.conversation_id()}")
    tab.sign_in(agent)
    panel = page.locator("#contact-panel")
    expect(panel.locator("#contact-fields")).to_contain_text("city<b>Lyon</b>")
    expect(panel.locator("#contact-fields")).to_contain_text("order4521")
    expect(panel.locator("#contact-profile")).to_contain_text("Contact labelsvip")
    expect(panel.locator("#contact-consents li")).to_contain_text("promotions: subscribe")
    assert panel.locator("b").count() == 0
    panel.locator("#contact-history a").click()
    expect(page).to_have_url(re.compile(f"#/c/{past}$"))
    expect(page.locator("#thread .msg.in .bubble")).to_have_text(["Une ancienne question"])
    expect(page.locator("#conversation-meta")).to_contain_text("Resolved")
    assert tab.errors == []
