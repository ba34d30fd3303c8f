"""One agent's browser tab on the inbox page, recording what would betray a broken or
unsafe page: JavaScript dialogs (``alert``), uncaught errors and console errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.web.inbox_ui.live import Agent

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass
class AgentTab:
    page: Any
    base_url: str
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        browser: Any,
        base_url: str,
        *,
        viewport: dict[str, int] = DESKTOP,
        locale: str = "en-GB",
    ) -> AgentTab:
        context = browser.new_context(viewport=viewport, locale=locale)
        context.set_default_timeout(15_000)
        tab = cls(context.new_page(), base_url)
        tab.page.on("dialog", tab._dialog)
        tab.page.on("pageerror", lambda error: tab.errors.append(f"page error: {error}"))
        tab.page.on("console", tab._console)
        return tab

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message: Any) -> None:
        # A 401 or 404 answer is logged by Chromium as "Failed to load resource"; those are
        # answers the page handles. Anything else (a CSP refusal, a script error) counts.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")

    def goto(self, fragment: str = "") -> None:
        self.page.goto(f"{self.base_url}/inbox/{fragment}")

    def sign_in(self, agent: Agent) -> None:
        from playwright.sync_api import expect

        page = self.page
        form = page.locator("#sign-in-form")
        expect(form).to_be_visible()
        form.get_by_label("E-mail").fill(agent.email)
        form.get_by_label("Password").fill(agent.password)
        form.get_by_role("button", name="Sign in").click()
        expect(page.locator("#inbox-screen")).to_be_visible()
        expect(page.locator("#me-name")).to_have_text(agent.name)

    def fits_the_width(self) -> bool:
        """Nothing sticks out sideways (no horizontal scrolling)."""
        return bool(self.page.evaluate("() => document.documentElement.scrollWidth <= innerWidth"))

    def unlabelled_controls(self) -> list[str]:
        """Visible buttons, fields and menus that have no accessible name."""
        found: list[str] = self.page.evaluate(
            """() => [...document.querySelectorAll("button, input, select, textarea, a[href]")]
                .filter((el) => el.getClientRects().length > 0)
                .filter((el) => !(el.getAttribute("aria-label") || (el.labels && el.labels.length)
                                  || (el.tagName !== "INPUT" && el.tagName !== "SELECT"
                                      && el.tagName !== "TEXTAREA" && el.textContent.trim())))
                .map((el) => el.outerHTML.slice(0, 120))"""
        )
        return found

    def close(self) -> None:
        self.page.context.close()
