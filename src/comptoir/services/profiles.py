"""A new contact's public profile, from the User Profile API, after the intake commit.

``fetch_profile`` asks Meta; the intake writer stores the answer (``store_profiles``) in its
next transaction, so the intake's rows keep a single writer.

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

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.engine import Connection

from comptoir.bootstrap import Container
from comptoir.channels.messenger.errors import GraphAPIError
from comptoir.channels.messenger.send_api import GetUserProfile, GraphClient, UserProfile
from comptoir.crypto import SecretBoxError
from comptoir.services.page_directory import PageDirectory
from comptoir.storage.contacts import ProfileTarget, save_profile

log = logging.getLogger(__name__)

#: What is asked of the User Profile API.
PROFILE_FIELDS = ("first_name", "last_name", "profile_pic", "locale", "timezone")
#: Graph codes / subcodes meaning "this person's profile is not available to you".
NO_PROFILE_CODES = frozenset({2018218, 2018247})


@dataclass(frozen=True, slots=True)
class ProfileResult:
    """What the User Profile API said about a contact, ready to store."""

    target: ProfileTarget
    status: str
    values: dict[str, Any] = field(default_factory=dict)


async def fetch_profile(
    container: Container, pages: PageDirectory, target: ProfileTarget
) -> ProfileResult | None:
    """Ask the User Profile API about ``target``; None when its Page is gone. Storing the
    result is the intake writer's job (one writer for the intake's rows)."""
    page = pages.cached(target.page_id) or (await pages.find([target.page_id]))[target.page_id]
    if page is None:  # disconnected since
        return None
    try:
        token = container.secrets.open(page.access_token_sealed)
    except SecretBoxError:
        log.warning("profile not fetched: the Page token of Page %s cannot be opened", page.page_id)
        return ProfileResult(target, "failed")
    client = GraphClient(
        container.settings.graph_url, container.graph_http, container.settings.api_version
    )
    try:
        profile = await client.call(GetUserProfile(psid=target.psid, fields=PROFILE_FIELDS), token)
    except GraphAPIError as exc:
        unavailable = exc.code in NO_PROFILE_CODES or exc.subcode in NO_PROFILE_CODES
        if not unavailable:
            log.info("profile of contact %d not fetched: %s", target.contact_id, exc)
        return ProfileResult(target, "unavailable" if unavailable else "failed")
    except (httpx.HTTPError, TimeoutError) as exc:
        log.info("profile of contact %d not fetched: %s", target.contact_id, type(exc).__name__)
        return ProfileResult(target, "failed")
    values = _profile_values(profile)
    status = "fetched" if values.get("first_name") or values.get("last_name") else "empty"
    return ProfileResult(target, status, values)


def _profile_values(profile: UserProfile) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("first_name", "last_name", "profile_pic", "locale"):
        value = getattr(profile, name, None)
        if isinstance(value, str) and value:
            values[name] = value
    timezone = profile.timezone
    if isinstance(timezone, int | float) and not isinstance(timezone, bool):
        values["timezone_offset"] = float(timezone)
    return values


def store_profiles(conn: Connection, results: Sequence[ProfileResult], now: datetime) -> None:
    """Record fetched profiles (inside the intake writer's transaction)."""
    for result in results:
        save_profile(conn, result.target.contact_id, status=result.status, now=now, **result.values)
