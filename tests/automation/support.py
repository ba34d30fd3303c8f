"""Helpers for automation tests on the wired stack (emulator + Comptoir)."""

from __future__ import annotations

from typing import Any

import httpx

from comptoir.services.automation import automation_of
from comptoir.storage import tables
from comptoir.storage.pages import create_api_token
from tests.support.stack import Stack, wait_for

PARIS_HOURS = {
    "zone": "Europe/Paris",
    "weekly": {day: ["09:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
}

SETTINGS: dict[str, Any] = {
    "default_locale": "fr",
    "instant_reply": {"fr": "Bonjour !", "en": "Hello!"},
    "away_message": {
        "fr": "Nous sommes fermés. Une personne vous répondra {{next_opening}}.",
        "en": "We are closed. A person will answer {{next_opening}}.",
    },
    "hours": PARIS_HOURS,
    "disclosure": {"fr": "Réponses automatiques.", "en": "Automated answers."},
}


def headers(stack: Stack) -> dict[str, str]:
    with stack.container.engine.begin() as conn:
        token = create_api_token(conn, stack.workspace_id, "tests", stack.container.clock.now())
    return {"Authorization": f"Bearer {token}"}


async def configure(stack: Stack, settings: dict[str, Any] | None = None) -> dict[str, str]:
    """Set the Page's automation settings through the REST API; the API headers."""
    auth = headers(stack)
    answer = await stack.comptoir.put(
        f"/api/v1/pages/{stack.page.page_id}/automation",
        json=SETTINGS if settings is None else settings,
        headers=auth,
    )
    assert answer.status_code == 200, answer.text
    return auth


async def settle(stack: Stack) -> None:
    """Webhooks delivered, automation done, and its messages out of the outbox."""
    await stack.settle()
    await automation_of(stack.container).wait_idle()

    def sent_all() -> bool:
        queued = stack.messages(
            tables.messages.c.author_kind == "bot", tables.messages.c.status == "queued"
        )
        return not queued

    await wait_for(sent_all, what="automated messages to leave the outbox")


async def bot_texts(stack: Stack, psid: str | None = None) -> list[str]:
    """Texts the Page sent to the customer, as the emulator recorded the Send API calls."""
    wanted = psid or stack.customer
    texts = []
    for record in await stack.sent():
        request = record["request"]
        if str(request.get("recipient", {}).get("id")) != wanted:
            continue
        text = request.get("message", {}).get("text")
        if text:
            texts.append(str(text))
    return texts


async def post(stack: Stack, path: str, auth: dict[str, str], body: Any = None) -> httpx.Response:
    return await stack.comptoir.post(path, json=body, headers=auth)
