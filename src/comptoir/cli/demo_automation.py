"""The demo Page's automation: the shop's example flows (``flows/examples/shop``), a
disclosure line, an away message outside the shop's hours (Paris time), and its Messenger
profile (Get Started, greeting, ice breakers, menu) sent to the emulator."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from comptoir.bootstrap import Container
from comptoir.services.automation import automation_of
from comptoir.services.automation_settings import save_settings
from comptoir.services.messenger_profile import sync_profile
from comptoir.storage import tables

log = logging.getLogger(__name__)

#: The repository's example flows (present in a source checkout).
SHOP_FLOWS = Path(__file__).resolve().parents[3] / "flows" / "examples" / "shop"


def demo_settings(flows_folder: Path) -> dict[str, Any]:
    return {
        "default_locale": "fr",
        "disclosure": {
            "fr": "Réponses automatiques de la Boutique du Comptoir.",
            "en": "Automated answers from the Comptoir Shop.",
        },
        "away_message": {
            "fr": "La boutique est fermée : une personne vous répond {{next_opening}}.",
            "en": "The shop is closed: a person will answer {{next_opening}}.",
        },
        "hours": {
            "zone": "Europe/Paris",
            "weekly": {day: ["10:00-19:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat")},
        },
        "flows_folder": str(flows_folder),
        "profile": {
            "get_started": "GET_STARTED",
            "greeting": {
                "fr": "Bonjour {{user_first_name}} ! Posez-nous vos questions.",
                "en": "Hello {{user_first_name}}! Ask us anything.",
            },
            "ice_breakers": [
                {"question": {"fr": "Vos horaires ?", "en": "Opening hours?"}, "payload": "HOURS"},
                {
                    "question": {"fr": "Où est ma commande ?", "en": "Where is my order?"},
                    "payload": "ORDER_STATUS",
                },
                {"question": {"fr": "Un conseiller", "en": "A person"}, "payload": "HUMAN"},
            ],
            "persistent_menu": [
                {"title": {"fr": "Ma commande", "en": "My order"}, "payload": "ORDER_STATUS"},
                {"title": {"fr": "Un conseiller", "en": "A person"}, "payload": "HUMAN"},
            ],
        },
    }


async def set_up_automation(container: Container, page_id: str) -> bool:
    """Give the demo Page its automation and profile; False when the example flows are not
    there (an installed package without the repository)."""
    if not SHOP_FLOWS.is_dir():
        log.warning("example flows not found at %s: the demo Page has no automation", SHOP_FLOWS)
        return False
    settings = demo_settings(SHOP_FLOWS)
    with container.engine.begin() as conn:
        page_ref = conn.execute(
            sa.select(tables.pages.c.id).where(tables.pages.c.page_id == page_id)
        ).scalar_one()
        save_settings(conn, page_ref, settings, container.clock.now())
    automation_of(container).forget_settings(page_ref)
    await sync_profile(container, page_ref, settings["profile"], "fr")
    return True
