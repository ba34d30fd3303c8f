"""The Messenger Profile API: ``GET|POST|DELETE /me/messenger_profile`` (reference §6.1).

Properties and their limits: ``get_started`` (payload <= 1000), ``greeting`` (text <= 160,
``default`` locale required), ``ice_breakers`` (<= 4 questions; new per-locale format with a
``default`` locale, or the legacy flat list; one format per request), ``persistent_menu``
(<= 20 items, titles <= 30, ``web_url``/``postback``; needs Get Started; nested menus only
before 2022-08-04), ``whitelisted_domains`` (<= 50 HTTPS domains, no IP or localhost),
``account_linking_url`` (HTTPS) and ``commands`` (1-100 per locale, name 1-32 without a
leading ``/``, description 1-64). POST and DELETE answer ``{"result": "success"}``; GET
``{"data": [{...}]}``. Every call counts against the Page's 10 calls per 10 minutes (613).

``/me/custom_user_settings`` (the user-level menu) keeps a ``persistent_menu`` per PSID, with
the same limit counted per person.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from comptoir.emulator import catalogue, rules
from comptoir.emulator.graph import fields
from comptoir.emulator.graph.context import GraphContext, Reply
from comptoir.emulator.graph.request import GraphRequest, decode_json_string, param_list
from comptoir.emulator.graph.templates import ContentContext, check_button
from comptoir.emulator.state import Page

PROPERTIES = (
    "get_started",
    "greeting",
    "ice_breakers",
    "persistent_menu",
    "whitelisted_domains",
    "account_linking_url",
    "commands",
)
_USER_KEY = "custom_user_settings"
SUCCESS_RESULT = {"result": "success"}


async def profile_endpoint(ctx: GraphContext, request: GraphRequest, node: str) -> Reply:
    page = ctx.page_for_node(request, node)
    ctx.emulator.limiter.check_profile(page.page_id)
    params = request.params
    if request.method == "GET":
        wanted = _field_names(params, "fields")
        data = {name: page.profile[name] for name in wanted if name in page.profile}
        return Reply(200, {"data": [data] if data else []})
    if request.method == "DELETE":
        names = _field_names(params, "fields")
        remaining = set(page.profile) - set(names)
        if "get_started" in names and "persistent_menu" in remaining:
            raise catalogue.invalid_parameter(
                "Delete the persistent menu before deleting the Get Started button"
            )
        for name in names:
            page.profile.pop(name, None)
        return Reply(200, dict(SUCCESS_RESULT))
    if request.method != "POST":
        raise catalogue.unsupported_request(request.method, node)
    given = {name: _value(params, name) for name in PROPERTIES if params.get(name) is not None}
    if not given:
        raise catalogue.invalid_parameter("Requires one of the params: " + ", ".join(PROPERTIES))
    ctx_content = _content_context(ctx, page)
    for name, value in given.items():
        _CHECKS[name](value, ctx_content)
    if "persistent_menu" in given and "get_started" not in {**page.profile, **given}:
        raise catalogue.invalid_parameter(
            "You must set a Get Started button if you also wish to use persistent menu."
        )
    page.profile.update(given)
    return Reply(200, dict(SUCCESS_RESULT))


async def user_settings_endpoint(ctx: GraphContext, request: GraphRequest, node: str) -> Reply:
    """The user-level persistent menu (``custom_user_settings?psid=``)."""
    page = ctx.page_for_node(request, node)
    params = request.params
    psid = fields.numeric_id(params.get("psid"))
    if psid is None:
        raise catalogue.missing_parameter("psid")
    if ctx.emulator.state.person(page.page_id, psid) is None:
        raise catalogue.no_matching_user()
    ctx.emulator.limiter.check_profile(f"{page.page_id}:{psid}")
    menus: dict[str, Any] = page.profile.setdefault(_USER_KEY, {})
    if request.method == "GET":
        menu = menus.get(psid)
        data = [{"user_level_persistent_menu": menu}] if menu else []
        return Reply(200, {"data": data})
    if request.method == "DELETE":
        names = _field_names(params, "params")
        if "persistent_menu" in names:
            menus.pop(psid, None)
        return Reply(200, dict(SUCCESS_RESULT))
    if request.method != "POST":
        raise catalogue.unsupported_request(request.method, node)
    menu = _value(params, "persistent_menu")
    if menu is None:
        raise catalogue.missing_parameter("persistent_menu")
    _check_menu(menu, _content_context(ctx, page))
    menus[psid] = menu
    return Reply(200, dict(SUCCESS_RESULT))


def _content_context(ctx: GraphContext, page: Page) -> ContentContext:
    emulator = ctx.emulator
    return ContentContext(
        page=page,
        state=emulator.state,
        features=emulator.config.features,
        now=emulator.clock.now(),
        now_ms=emulator.clock.now_ms(),
    )


def _field_names(params: dict[str, Any], key: str) -> list[str]:
    names = param_list(params, key)
    if not names:
        raise catalogue.missing_parameter(key)
    for index, name in enumerate(names):
        if name not in PROPERTIES:
            raise catalogue.param_one_of(f"{key}[{index}]", PROPERTIES, name)
    return [str(name) for name in names]


def _value(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        return decode_json_string(value, name)
    return value


def _require_default_locale(entries: list[Any], name: str) -> None:
    if not any(isinstance(e, dict) and e.get("locale") == "default" for e in entries):
        raise catalogue.invalid_parameter(f'Param {name} must include the "default" locale')


def _check_get_started(value: Any, ctx: ContentContext) -> None:
    item = fields.obj(value, "get_started")
    fields.required_text(item, "payload", "get_started[payload]", 1000)


def _check_greeting(value: Any, ctx: ContentContext) -> None:
    entries = fields.items({"g": value}, "g", "greeting", required=True, minimum=1) or []
    for index, raw in enumerate(entries):
        entry = fields.obj(raw, f"greeting[{index}]")
        fields.required_text(entry, "locale", f"greeting[{index}][locale]")
        fields.required_text(entry, "text", f"greeting[{index}][text]", 160)
    _require_default_locale(entries, "greeting")


def _check_ice_breakers(value: Any, ctx: ContentContext) -> None:
    entries = fields.items({"i": value}, "i", "ice_breakers", required=True, minimum=1) or []
    per_locale = [isinstance(e, dict) and "call_to_actions" in e for e in entries]
    if any(per_locale) and not all(per_locale):
        raise catalogue.invalid_parameter("Param ice_breakers must use one format per request")
    if all(per_locale):
        for index, raw in enumerate(entries):
            entry = fields.obj(raw, f"ice_breakers[{index}]")
            fields.required_text(entry, "locale", f"ice_breakers[{index}][locale]")
            _check_questions(
                entry.get("call_to_actions"), f"ice_breakers[{index}][call_to_actions]"
            )
        _require_default_locale(entries, "ice_breakers")
    else:
        _check_questions(entries, "ice_breakers")


def _check_questions(value: Any, name: str) -> None:
    questions = fields.items({"q": value}, "q", name, required=True, minimum=1, maximum=4) or []
    for index, raw in enumerate(questions):
        question = fields.obj(raw, f"{name}[{index}]")
        fields.required_text(question, "question", f"{name}[{index}][question]", 80)
        fields.required_text(question, "payload", f"{name}[{index}][payload]", 1000)


def _check_menu(value: Any, ctx: ContentContext) -> None:
    entries = fields.items({"m": value}, "m", "persistent_menu", required=True, minimum=1) or []
    maximum = int(rules.value_at("profile.menu_items_max", ctx.now, 20))
    nested = bool(rules.value_at("profile.menu_nested", ctx.now, False))
    for index, raw in enumerate(entries):
        name = f"persistent_menu[{index}]"
        entry = fields.obj(raw, name)
        fields.required_text(entry, "locale", f"{name}[locale]")
        fields.flag(entry, "composer_input_disabled", f"{name}[composer_input_disabled]")
        _check_menu_items(entry.get("call_to_actions"), f"{name}[call_to_actions]", ctx,
                          maximum=maximum, nested=nested)  # fmt: skip
    _require_default_locale(entries, "persistent_menu")


def _check_menu_items(
    value: Any, name: str, ctx: ContentContext, *, maximum: int, nested: bool
) -> None:
    items = fields.items({"c": value}, "c", name, maximum=maximum) or []
    allowed = ("web_url", "postback", "nested") if nested else ("web_url", "postback")
    for index, raw in enumerate(items):
        item_name = f"{name}[{index}]"
        if isinstance(raw, dict) and raw.get("type") == "nested" and nested:
            fields.required_text(raw, "title", f"{item_name}[title]", 30)
            _check_menu_items(raw.get("call_to_actions"), f"{item_name}[call_to_actions]", ctx,
                              maximum=5, nested=False)  # fmt: skip
            continue
        check_button(raw, item_name, ctx, allowed=allowed, title_max=30)


def _check_whitelisted_domains(value: Any, ctx: ContentContext) -> None:
    domains = fields.items(
        {"w": value}, "w", "whitelisted_domains", required=True, minimum=1, maximum=50
    )
    for index, domain in enumerate(domains or ()):
        name = f"whitelisted_domains[{index}]"
        if not isinstance(domain, str):
            raise catalogue.param_must_be(name, "a string")
        host = fields.check_url(domain, name, https=True)
        if host == "localhost" or _is_ip(host):
            raise catalogue.param_must_be(name, "a domain name (not an IP address or localhost)")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _check_account_linking_url(value: Any, ctx: ContentContext) -> None:
    if not isinstance(value, str):
        raise catalogue.param_must_be("account_linking_url", "a string")
    fields.check_url(value, "account_linking_url", https=True)


def _check_commands(value: Any, ctx: ContentContext) -> None:
    entries = fields.items({"c": value}, "c", "commands", required=True, minimum=1) or []
    for index, raw in enumerate(entries):
        name = f"commands[{index}]"
        entry = fields.obj(raw, name)
        fields.required_text(entry, "locale", f"{name}[locale]")
        commands = fields.items(
            entry, "commands", f"{name}[commands]", required=True, minimum=1, maximum=100
        )
        for position, raw_command in enumerate(commands or ()):
            command_name = f"{name}[commands][{position}]"
            command = fields.obj(raw_command, command_name)
            label = fields.required_text(command, "name", f"{command_name}[name]", 32)
            if label.startswith("/"):
                raise catalogue.param_must_be(f"{command_name}[name]", "a name without a leading /")
            fields.required_text(command, "description", f"{command_name}[description]", 64)
    _require_default_locale(entries, "commands")


_CHECKS = {
    "get_started": _check_get_started,
    "greeting": _check_greeting,
    "ice_breakers": _check_ice_breakers,
    "persistent_menu": _check_menu,
    "whitelisted_domains": _check_whitelisted_domains,
    "account_linking_url": _check_account_linking_url,
    "commands": _check_commands,
}
