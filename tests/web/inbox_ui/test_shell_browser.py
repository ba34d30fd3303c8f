"""The inbox page in Chromium, before signing in: the sign-in card, both languages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.inbox_ui.agent import AgentTab
from tests.web.inbox_ui.live import LiveInbox

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """These screens run on SQLite only: the inbox API tests (``tests/web/inbox_api``) and
    ``test_inbox_browser.py`` cover both databases, and a browser run costs a minute."""
    return sqlite_url


def test_the_sign_in_card_follows_the_browser_language(inbox: LiveInbox, browser: Any) -> None:
    from playwright.sync_api import expect

    french = AgentTab.open(browser, inbox.base_url, locale="fr-FR")
    french.goto()
    expect(french.page.get_by_role("button", name="Se connecter")).to_be_visible()
    expect(french.page.locator("html")).to_have_attribute("lang", "fr")
    french.page.get_by_label("Langue").select_option("en")
    expect(french.page.get_by_role("button", name="Sign in")).to_be_visible()
    french.page.reload()
    expect(french.page.get_by_role("button", name="Sign in")).to_be_visible()
    assert french.dialogs == []
    assert french.errors == []
