"""Screenshots of the inbox for the user guide: ``python -m tests.web.inbox_ui.screenshots``.

Starts the emulator and Comptoir wired together (SQLite in a temporary folder), lets a few
customers write, and drives Chromium as an agent; writes PNG files into
``docs/screenshots/``. Not part of the test suite: run it by hand after changing the page.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.web.inbox_ui.agent import DESKTOP, PHONE, AgentTab
from tests.web.inbox_ui.conftest import CHROMIUM
from tests.web.inbox_ui.live import LiveInbox, live_inbox
from tests.web.inbox_ui.test_inbox_browser import eventually

OUT = Path(__file__).resolve().parents[3] / "docs" / "screenshots"

CUSTOMERS = (
    ("Camille", "Martin", "fr_FR", "Bonjour ! Vous êtes ouverts samedi matin ?"),
    ("Lucas", "Bernard", "fr_FR", "Est-ce que ma commande 4521 est partie ?"),
    ("Amina", "Diallo", "en_GB", "Hi! Do you ship to Belgium?"),
    ("Jonas", "Peeters", "en_GB", "The parcel arrived damaged, what can I do?"),
)


def seed(inbox: LiveInbox) -> list[str]:
    psids = [inbox.stack.customer]
    for first, last, locale, _ in CUSTOMERS[1:]:
        psids.append(inbox.add_customer(first, last, locale))
    for index, (psid, (*_, text)) in enumerate(zip(psids, CUSTOMERS, strict=True)):
        inbox.customer_says(text, psid)
        inbox.advance(600 + 60 * index)
    return psids


def main() -> int:
    if not CHROMIUM.exists():
        print("Chromium is missing (make browser)", file=sys.stderr)
        return 1
    from playwright.sync_api import expect, sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as data,
        live_inbox(f"sqlite:///{data}/c.db", Path(data)) as inbox,
    ):
        agent = inbox.add_agent("Nadia Roussel", "nadia@example.com", role="owner")
        inbox.add_agent("Hugo Lambert", "hugo@example.com")
        psids = seed(inbox)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox"]
            )
            tab = AgentTab.open(browser, inbox.base_url, viewport=DESKTOP)
            page = tab.page
            tab.goto()
            tab.sign_in(agent)
            rows = page.locator("#conversation-list .row")
            expect(rows).to_have_count(len(CUSTOMERS))

            # A conversation with a reply, quick replies offered, a label and a note.
            page.locator("#conversation-list .row", has_text="Camille Martin").click()
            page.locator("#reply-text").fill("Bonjour Camille ! Oui, de 9 h à 13 h. Vous passez ?")
            page.locator("#reply-extras summary").click()
            for title in ("Oui", "Non"):
                page.get_by_label("Add a quick-reply button").fill(title)
                page.get_by_role("button", name="Add", exact=True).first.click()
            page.get_by_role("button", name="Send").click()
            expect(page.locator("#thread .msg.out")).to_have_count(1)
            eventually(
                lambda: any(i["from"] == "page" for i in inbox.thread(psids[0])),
                "the reply in the customer's thread",
            )
            inbox.call(inbox.stack.act({"type": "message", "quick_reply_payload": "OUI"}, psids[0]))
            inbox.settle()
            expect(page.locator("#thread .msg.in")).to_have_count(2)
            page.get_by_label("Add a label").fill("pickup")
            page.get_by_label("Add a label").press("Enter")
            page.locator("#notes summary").click()
            page.locator("#note-text").fill("Regular customer, prefers Saturday pick-ups.")
            page.get_by_role("button", name="Save the note").click()
            expect(page.locator("#note-list li")).to_have_count(1)
            page.locator("#reply-extras summary").click()
            page.locator("#reply-text").fill("Parfait, à samedi !")
            page.mouse.move(0, 0)
            page.screenshot(path=str(OUT / "inbox-conversation.png"))
            page.locator("#reply-extras summary").click()
            page.get_by_label("Add a quick-reply button").fill("Oui, merci")
            page.get_by_label("Add a quick-reply button").press("Enter")
            page.locator("#reply-text").focus()
            page.set_viewport_size({"width": 1280, "height": 1100})  # the composer unfolded
            page.locator("#composer").screenshot(path=str(OUT / "inbox-composer.png"))
            page.set_viewport_size(DESKTOP)

            page.goto(f"{inbox.base_url}/inbox/#/")
            expect(rows).to_have_count(len(CUSTOMERS))
            page.screenshot(path=str(OUT / "inbox-list.png"))

            # Two days later: only the human-agent reply is left, and the phone layout.
            inbox.advance(2 * 24 * 3600)
            phone = AgentTab.open(browser, inbox.base_url, viewport=PHONE)
            phone.goto()
            phone.sign_in(agent)
            phone.page.locator("#conversation-list .row", has_text="Lucas Bernard").click()
            expect(phone.page.locator("#allowance")).to_have_attribute("data-mode", "human_agent")
            phone.page.screenshot(path=str(OUT / "inbox-phone.png"))
            browser.close()
    for name in sorted(OUT.glob("inbox-*.png")):
        print(name.relative_to(OUT.parents[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
