"""A person chats with a Page in the phone page, in a real browser (Debian's Chromium)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from comptoir.emulator.app import create_app
from comptoir.emulator.core import build_emulator
from tests.support.servers import serve_in_thread

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def browser_page() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true requires /usr/bin/chromium (make browser)", pytrace=False)
        pytest.skip("Chromium is not installed (make browser installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_a_person_chats_with_a_page_in_the_phone_page(browser_page: Any) -> None:
    from playwright.sync_api import expect

    emulator = build_emulator()
    with serve_in_thread(create_app(emulator)) as base, httpx.Client(base_url=base) as api:
        page = api.post("/_emulator/pages", json={"name": "Boulangerie Louise"}).json()
        auth = {"Authorization": f"Bearer {page['page_access_token']}"}
        profile = {"get_started": {"payload": "GET_STARTED"}}
        assert api.post("/v25.0/me/messenger_profile", json=profile, headers=auth).is_success
        psid = api.post(
            f"/_emulator/pages/{page['page_id']}/users",
            json={"first_name": "Camille", "last_name": "Martin", "locale": "fr_FR"},
        ).json()["psid"]

        def page_says(message: dict[str, Any]) -> None:
            body = {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": message}
            response = api.post("/v25.0/me/messages", json=body, headers=auth)
            assert response.status_code == 200, response.text

        def thread() -> list[dict[str, Any]]:
            path = f"/_emulator/pages/{page['page_id']}/users/{psid}/thread"
            items: list[dict[str, Any]] = api.get(path).json()["data"]
            return items

        phone = browser_page
        phone.goto(f"{base}/_emulator/ui/?page={page['page_id']}&psid={psid}")
        expect(phone.locator("#page-name")).to_have_text("Boulangerie Louise")

        # A new thread offers Get Started.
        phone.get_by_role("button", name="Get Started").click()
        expect(phone.locator("li.item.user")).to_have_count(1)
        assert thread()[0]["payload"] == "GET_STARTED"

        # The Page answers with quick replies; the person taps one.
        page_says(
            {
                "text": "Bonjour ! Une commande ?",
                "quick_replies": [
                    {"content_type": "text", "title": "Oui", "payload": "ORDER_YES"},
                    {"content_type": "text", "title": "Non", "payload": "ORDER_NO"},
                ],
            }
        )
        chip = phone.locator("#quick-replies button", has_text="Oui")
        chip.click()
        expect(phone.locator("li.item.user")).to_have_count(2)
        assert thread()[-1]["payload"] == "ORDER_YES"
        expect(phone.locator("#quick-replies button")).to_have_count(0)

        # The person types a message; text from the Page is shown as text, never as markup.
        phone.locator("#composer-text").fill("Deux croissants, merci")
        phone.locator("#composer-text").press("Enter")
        expect(phone.locator("li.item.user").last).to_contain_text("Deux croissants")
        page_says({"text": "<b>Noté</b> <img src=x onerror=alert(1)>"})
        expect(phone.locator("li.item.page").last).to_contain_text("<b>Noté</b>")
        assert phone.locator("li.item.page b").count() == 0

        # A button template: the postback button sends a postback.
        template = {
            "template_type": "button",
            "text": "Quand passez-vous ?",
            "buttons": [
                {"type": "postback", "title": "Demain matin", "payload": "PICKUP_AM"},
                {"type": "web_url", "title": "Plan", "url": "https://example.org/plan"},
            ],
        }
        page_says({"attachment": {"type": "template", "payload": template}})
        phone.get_by_role("button", name="Demain matin").click()
        expect(phone.locator("li.item.user").last).to_contain_text("Demain matin")
        assert thread()[-1]["payload"] == "PICKUP_AM"
        link = phone.get_by_role("link", name="Plan")
        assert link.get_attribute("href") == "https://example.org/plan"
        assert link.get_attribute("rel") == "noopener noreferrer"

        # An opt-in request: the person accepts marketing messages.
        optin = {"template_type": "notification_messages", "title": "Offres", "payload": "DEALS"}
        page_says({"attachment": {"type": "template", "payload": optin}})
        phone.get_by_role("button", name="Get messages").click()
        expect(phone.get_by_role("button", name="✓ You'll get these messages")).to_be_visible()
        tokens = api.get(f"/_emulator/pages/{page['page_id']}/tokens").json()["data"]
        assert [t["psid"] for t in tokens] == [psid]

        # The phone, open and visible, reads what the Page sent (polled every second).
        for _ in range(50):
            if all(i["read"] for i in thread() if i["from"] == "page"):
                break
            phone.wait_for_timeout(100)
        assert all(i["read"] for i in thread() if i["from"] == "page")

        # Finally the person blocks the Page.
        phone.locator("details.more summary").click()
        phone.get_by_role("button", name="Block", exact=True).click()
        expect(phone.locator("#blocked-note")).to_be_visible()
        person = api.get(f"/_emulator/pages/{page['page_id']}/users/{psid}").json()
        assert person["blocked"] is True
