"""The Page's Messenger profile (Get Started, greeting, ice breakers, persistent menu,
whitelisted domains), from the ``profile`` key of its automation settings, checked against
Meta's limits (reference §6.1) before anything is sent, then set with one
``SetMessengerProfile`` call.

The ``profile`` JSON::

    {
      "get_started": "GET_STARTED",                 # the payload (flows' get_started trigger)
      "greeting": {"fr": "Bonjour {{user_first_name}} !", "en": "Hello {{user_first_name}}!"},
      "ice_breakers": [{"question": {"fr": "...", "en": "..."}, "payload": "HOURS"}],
      "persistent_menu": [{"title": {"fr": "...", "en": "..."}, "payload": "HUMAN"},
                          {"title": "Site", "url": "https://shop.example.com"}],
      "composer_input_disabled": false,
      "whitelisted_domains": ["https://shop.example.com"]
    }

Texts are a string (the settings' default language) or ``{"fr": ..., "en": ...}``; the
default language's text also becomes Meta's ``default`` locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from comptoir.bootstrap import Container
from comptoir.channels.messenger.graph_requests import SetMessengerProfile
from comptoir.channels.messenger.send_api import GraphClient
from comptoir.storage import tables
from comptoir.threads import run_sync

__all__ = [
    "MAX_GREETING",
    "ProfileError",
    "ProfileProblem",
    "build_profile",
    "check_profile",
    "sync_profile",
]

MAX_GREETING = 160
MAX_PAYLOAD = 1000
MAX_ICE_BREAKERS = 4
MAX_MENU_ITEMS = 20
MAX_MENU_TITLE = 30
MAX_DOMAINS = 50
#: Comptoir's languages -> Meta's locales.
META_LOCALES = {"fr": "fr_FR", "en": "en_US"}
_KEYS = frozenset(
    {"get_started", "greeting", "ice_breakers", "persistent_menu", "whitelisted_domains"}
    | {"composer_input_disabled"}
)
_GREETING_PLACEHOLDERS = ("{{user_first_name}}", "{{user_last_name}}", "{{user_full_name}}")


@dataclass(frozen=True, slots=True)
class ProfileProblem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ProfileError(Exception):
    """The profile cannot be sent: ``problems`` names each one."""

    def __init__(self, problems: list[ProfileProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _texts(value: Any, default: str) -> dict[str, str] | None:
    if isinstance(value, str):
        return {default: value}
    if isinstance(value, Mapping) and value and all(isinstance(v, str) for v in value.values()):
        return {str(k): v for k, v in value.items()}
    return None


def check_profile(profile: Any, default: str = "fr") -> list[ProfileProblem]:
    """Every problem with ``profile`` (empty when it can be sent)."""
    problems: list[ProfileProblem] = []

    def bad(field: str, message: str) -> None:
        problems.append(ProfileProblem(field, message))

    if not isinstance(profile, Mapping) or not profile:
        return [ProfileProblem("profile", "must be a non-empty object")]
    for key in sorted(set(profile) - _KEYS):
        bad(key, f"unknown property; use {', '.join(sorted(_KEYS))}")
    get_started = profile.get("get_started")
    if get_started is not None and (
        not isinstance(get_started, str) or not 0 < len(get_started) <= MAX_PAYLOAD
    ):
        bad("get_started", f"must be a payload of 1 to {MAX_PAYLOAD} characters")
    if "greeting" in profile:
        texts = _texts(profile["greeting"], default)
        if texts is None:
            bad("greeting", "must be a text or an object locale -> text")
        else:
            for locale, text in texts.items():
                if locale not in META_LOCALES:
                    bad(f"greeting.{locale}", f"unknown locale; use {', '.join(META_LOCALES)}")
                if not text.strip() or len(text) > MAX_GREETING:
                    bad(f"greeting.{locale}", f"must be 1 to {MAX_GREETING} characters")
            if default not in texts:
                bad("greeting", f"needs a {default!r} text (Meta's default locale)")
    _check_items(profile, "ice_breakers", "question", MAX_ICE_BREAKERS, None, default, bad)
    _check_items(profile, "persistent_menu", "title", MAX_MENU_ITEMS, MAX_MENU_TITLE, default, bad)
    if "persistent_menu" in profile and get_started is None:
        bad("persistent_menu", "Meta requires get_started to be set for a persistent menu")
    domains = profile.get("whitelisted_domains")
    if domains is not None:
        if not isinstance(domains, list) or len(domains) > MAX_DOMAINS:
            bad("whitelisted_domains", f"must be a list of at most {MAX_DOMAINS} HTTPS origins")
        else:
            for index, domain in enumerate(domains):
                if not _https_host(domain):
                    bad(f"whitelisted_domains[{index}]", "must be an https:// domain name")
    disabled = profile.get("composer_input_disabled")
    if disabled is not None and not isinstance(disabled, bool):
        bad("composer_input_disabled", "must be true or false")
    return problems


def _check_items(
    profile: Mapping[str, Any],
    name: str,
    text_key: str,
    most: int,
    longest: int | None,
    default: str,
    bad: Any,
) -> None:
    if name not in profile:
        return
    items = profile[name]
    if not isinstance(items, list) or not 0 < len(items) <= most:
        bad(name, f"must be a list of 1 to {most} items")
        return
    for index, item in enumerate(items):
        where = f"{name}[{index}]"
        if not isinstance(item, Mapping):
            bad(where, f"must be an object with {text_key} and payload")
            continue
        texts = _texts(item.get(text_key), default)
        if texts is None or default not in texts:
            bad(f"{where}.{text_key}", f"must be a text with a {default!r} version")
        elif longest is not None:
            for locale, text in texts.items():
                if not 0 < len(text) <= longest:
                    bad(f"{where}.{text_key}.{locale}", f"must be 1 to {longest} characters")
        url = item.get("url")
        payload = item.get("payload")
        if url is not None and name == "persistent_menu":
            if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
                bad(f"{where}.url", "must be an http(s) URL")
        elif not isinstance(payload, str) or not 0 < len(payload) <= MAX_PAYLOAD:
            bad(f"{where}.payload", f"must be 1 to {MAX_PAYLOAD} characters")


def _https_host(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    host = parts.hostname or ""
    is_ip = host.replace(".", "").isdigit() or ":" in host
    return parts.scheme == "https" and "." in host and host != "localhost" and not is_ip


def _by_locale(texts: Mapping[str, str], default: str) -> list[tuple[str, str]]:
    """("default", text) first, then each language under Meta's locale."""
    found = [("default", texts[default])]
    found += [(META_LOCALES[k], v) for k, v in sorted(texts.items()) if k in META_LOCALES]
    return found


def build_profile(profile: Mapping[str, Any], default: str = "fr") -> dict[str, Any]:
    """Meta's ``messenger_profile`` body; ``ProfileError`` when ``check_profile`` finds any."""
    problems = check_profile(profile, default)
    if problems:
        raise ProfileError(problems)
    body: dict[str, Any] = {}
    if "get_started" in profile:
        body["get_started"] = {"payload": profile["get_started"]}
    if "greeting" in profile:
        texts = _texts(profile["greeting"], default) or {}
        body["greeting"] = [
            {"locale": locale, "text": text} for locale, text in _by_locale(texts, default)
        ]
    if "ice_breakers" in profile:
        body["ice_breakers"] = _localised_items(profile["ice_breakers"], "question", default)
    if "persistent_menu" in profile:
        menus = _localised_items(profile["persistent_menu"], "title", default)
        disabled = bool(profile.get("composer_input_disabled", False))
        body["persistent_menu"] = [
            {
                "locale": menu["locale"],
                "composer_input_disabled": disabled,
                "call_to_actions": menu["call_to_actions"],
            }
            for menu in menus
        ]
    if "whitelisted_domains" in profile:
        body["whitelisted_domains"] = list(profile["whitelisted_domains"])
    return body


def _localised_items(items: list[Any], text_key: str, default: str) -> list[dict[str, Any]]:
    locales = {"default": default} | {
        meta: language
        for language, meta in META_LOCALES.items()
        if any(language in (_texts(i.get(text_key), default) or {}) for i in items)
    }
    out = []
    for meta_locale, language in locales.items():
        actions = []
        for item in items:
            texts = _texts(item.get(text_key), default) or {}
            text = texts.get(language, texts.get(default, ""))
            if text_key == "question":
                actions.append({"question": text, "payload": item["payload"]})
            elif item.get("url"):
                actions.append({"type": "web_url", "title": text, "url": item["url"]})
            else:
                actions.append({"type": "postback", "title": text, "payload": item["payload"]})
        out.append({"locale": meta_locale, "call_to_actions": actions})
    return out


async def sync_profile(
    container: Container, page_ref: int, profile: Mapping[str, Any], default: str = "fr"
) -> dict[str, Any]:
    """Check ``profile``, then set it on the Page; the body sent. Raises ``ProfileError``
    (nothing sent) or the Graph API's errors (``GraphAPIError``)."""
    body = build_profile(profile, default)

    def load() -> str:
        with container.engine.connect() as conn:
            sealed: str = conn.execute(
                sa.select(tables.pages.c.access_token_sealed).where(tables.pages.c.id == page_ref)
            ).scalar_one()
        return sealed

    sealed = await run_sync(load)
    token = container.secrets.open(sealed)
    client = GraphClient(
        container.settings.graph_url, container.graph_http, container.settings.api_version
    )
    await client.call(SetMessengerProfile(properties=body), token)
    return body
