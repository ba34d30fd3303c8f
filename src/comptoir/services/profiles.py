"""A new contact's public profile, from the User Profile API, after the intake commit.

``GET /{psid}?fields=first_name,last_name,profile_pic,locale,timezone`` with the Page token,
through the typed Graph client. Meta often has nothing to give, and that is not an error
for Comptoir: the outcome is recorded in ``contacts.profile_status`` and the contact stays
usable by its PSID:

    fetched      names (and whatever else Meta gave) stored
    empty        Meta answered ``{}`` or no name
    unavailable  Meta says no profile is available (2018218, 2018247)
    failed       any other Graph error, a timeout or a broken connection
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from comptoir.bootstrap import Container
from comptoir.channels.messenger.errors import GraphAPIError
from comptoir.channels.messenger.send_api import GetUserProfile, GraphClient
from comptoir.crypto import SecretBoxError
from comptoir.services.page_directory import PageDirectory
from comptoir.storage.contacts import ProfileTarget, save_profile

log = logging.getLogger(__name__)

#: What is asked of the User Profile API.
PROFILE_FIELDS = ("first_name", "last_name", "profile_pic", "locale", "timezone")
#: Graph codes / subcodes meaning "this person's profile is not available to you".
NO_PROFILE_CODES = frozenset({2018218, 2018247})


async def fetch_profile(container: Container, pages: PageDirectory, target: ProfileTarget) -> str:
    """Fetch and store ``target``'s profile; returns the ``profile_status`` recorded."""
    page = pages.cached(target.page_id) or (await pages.find([target.page_id]))[target.page_id]
    if page is None:  # disconnected since
        return "pending"
    try:
        token = container.secrets.open(page.access_token_sealed)
    except SecretBoxError:
        log.warning("profile not fetched: the Page token of Page %s cannot be opened", page.page_id)
        return await _record(container, target, "failed", {})
    client = GraphClient(
        container.settings.graph_url, container.graph_http, container.settings.api_version
    )
    try:
        profile = await client.call(GetUserProfile(psid=target.psid, fields=PROFILE_FIELDS), token)
    except GraphAPIError as exc:
        unavailable = exc.code in NO_PROFILE_CODES or exc.subcode in NO_PROFILE_CODES
        status = "unavailable" if unavailable else "failed"
        if not unavailable:
            log.info("profile of contact %d not fetched: %s", target.contact_id, exc)
        return await _record(container, target, status, {})
    except (httpx.HTTPError, TimeoutError) as exc:
        log.info("profile of contact %d not fetched: %s", target.contact_id, type(exc).__name__)
        return await _record(container, target, "failed", {})
    values = _profile_values(profile)
    status = "fetched" if values.get("first_name") or values.get("last_name") else "empty"
    return await _record(container, target, status, values)


def _profile_values(profile: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("first_name", "last_name", "profile_pic", "locale"):
        value = getattr(profile, name, None)
        if isinstance(value, str) and value:
            values[name] = value
    timezone = getattr(profile, "timezone", None)
    if isinstance(timezone, int | float) and not isinstance(timezone, bool):
        values["timezone_offset"] = float(timezone)
    return values


async def _record(
    container: Container, target: ProfileTarget, status: str, values: dict[str, Any]
) -> str:
    now = container.clock.now()

    def write() -> None:
        with container.engine.begin() as connection:
            save_profile(connection, target.contact_id, status=status, now=now, **values)

    await asyncio.to_thread(write)
    await container.bus.publish(
        target.workspace_id,
        "contact.updated",
        {"contact_id": target.contact_id, "profile_status": status},
    )
    return status
