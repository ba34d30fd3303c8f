"""Buttons and message templates: their shapes and limits (reference §2.10, §2.11).

``check_template`` validates ``message.attachment.payload`` of type ``template`` and tells
whether the template is an opt-in request (``notification_messages`` or
``one_time_notif_req``), which the Send API then records so the person can tap it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from comptoir.emulator import catalogue, rules
from comptoir.emulator.config import Features
from comptoir.emulator.errors import GraphError
from comptoir.emulator.graph import fields
from comptoir.emulator.state import EmulatorState, Page, TokenKind, Upload

#: ``attachment_id`` values expire after 90 days (§2.12).
ATTACHMENT_LIFETIME_MS = 90 * 24 * 3600 * 1000

BUTTON_TYPES = (
    "web_url",
    "postback",
    "phone_number",
    "account_link",
    "account_unlink",
    "game_play",
    "audio_call",
)
TEMPLATE_TYPES = (
    "button",
    "generic",
    "media",
    "receipt",
    "product",
    "notification_messages",
    "one_time_notif_req",
)
BUTTON_TITLE_MAX = 20
PAYLOAD_MAX = 1000
OPTIN_TITLE_MAX = 65


@dataclass(slots=True)
class ContentContext:
    """What content checks need: the Page, the world, the time, the API version."""

    page: Page
    state: EmulatorState
    features: Features
    now: datetime
    now_ms: int
    #: Graph version of the call (7.0 for ``/v7.0/``), None when unversioned (= latest).
    version: float | None = None


@dataclass(frozen=True, slots=True)
class OptInSpec:
    kind: TokenKind
    title: str
    payload: str
    timezone: str


# ---- buttons --------------------------------------------------------------------------------


def check_buttons(
    value: Any,
    name: str,
    ctx: ContentContext,
    *,
    minimum: int = 0,
    maximum: int = 3,
    allowed: tuple[str, ...] = BUTTON_TYPES,
    title_max: int = BUTTON_TITLE_MAX,
) -> list[dict[str, Any]]:
    buttons = fields.items({"b": value}, "b", name, minimum=minimum, maximum=maximum) or []
    for index, button in enumerate(buttons):
        check_button(button, f"{name}[{index}]", ctx, allowed=allowed, title_max=title_max)
    return buttons


def check_button(
    value: Any,
    name: str,
    ctx: ContentContext,
    *,
    allowed: tuple[str, ...] = BUTTON_TYPES,
    title_max: int = BUTTON_TITLE_MAX,
) -> None:
    button = fields.obj(value, name)
    kind = fields.choice(button, "type", f"{name}[type]", allowed, required=True)
    title_name = f"{name}[title]"
    if kind == "web_url":
        fields.required_text(button, "title", title_name, title_max)
        check_web_url(button, name, ctx)
    elif kind == "postback":
        fields.required_text(button, "title", title_name, title_max)
        fields.required_text(button, "payload", f"{name}[payload]", PAYLOAD_MAX)
    elif kind == "phone_number":
        fields.required_text(button, "title", title_name, title_max)
        number = fields.required_text(button, "payload", f"{name}[payload]")
        digits = number[1:]
        if not number.startswith("+") or not digits.isdigit() or not 6 <= len(digits) <= 15:
            raise catalogue.param_must_be(f"{name}[payload]", "a phone number like +15105551234")
    elif kind == "account_link":
        fields.url(button, "url", f"{name}[url]", required=True, https=True)
    elif kind == "audio_call":
        if not rules.value_at("button.audio_call", ctx.now, False):
            raise catalogue.param_one_of(f"{name}[type]", _without(allowed, "audio_call"), kind)
        fields.text(button, "title", title_name, max_len=title_max)
    elif kind == "game_play":
        fields.text(button, "title", title_name, max_len=title_max)


def check_web_url(button: dict[str, Any], name: str, ctx: ContentContext) -> None:
    """``url``, ``webview_height_ratio``, and with ``messenger_extensions`` an HTTPS URL on a
    whitelisted domain (§2.10, §6.1)."""
    extensions = fields.flag(button, "messenger_extensions", f"{name}[messenger_extensions]")
    address = fields.url(button, "url", f"{name}[url]", required=True, https=extensions)
    fields.choice(
        button,
        "webview_height_ratio",
        f"{name}[webview_height_ratio]",
        ("compact", "tall", "full"),
    )
    fields.url(button, "fallback_url", f"{name}[fallback_url]")
    if extensions and address is not None:
        host = fields.check_url(address, f"{name}[url]", https=True)
        if not is_whitelisted(host, ctx.page):
            raise catalogue.invalid_parameter(
                f"Param {name}[url] must be on a whitelisted domain when messenger_extensions "
                "is true (see whitelisted_domains)"
            )


def is_whitelisted(host: str, page: Page) -> bool:
    for entry in page.profile.get("whitelisted_domains") or ():
        if not isinstance(entry, str):
            continue
        try:
            allowed = fields.check_url(entry, "whitelisted_domains", https=True)
        except GraphError:  # a stored value that is not a URL matches nothing
            continue
        if host == allowed or host.endswith("." + allowed):
            return True
    return False


def _without(values: tuple[str, ...], removed: str) -> tuple[str, ...]:
    return tuple(v for v in values if v != removed)


# ---- templates ------------------------------------------------------------------------------


def check_template(payload: dict[str, Any], name: str, ctx: ContentContext) -> OptInSpec | None:
    """Validate a template payload; return the opt-in request it makes, if it is one."""
    kind = fields.choice(
        payload, "template_type", f"{name}[template_type]", TEMPLATE_TYPES, required=True
    )
    if kind == "button":
        fields.required_text(payload, "text", f"{name}[text]", 640)
        check_buttons(payload.get("buttons"), f"{name}[buttons]", ctx, minimum=1, maximum=3)
    elif kind == "generic":
        _check_generic(payload, name, ctx)
    elif kind == "media":
        _check_media(payload, name, ctx)
    elif kind == "receipt":
        _check_receipt(payload, name)
    elif kind == "product":
        _check_product(payload, name, ctx)
    elif kind == "notification_messages":
        return _check_notification_messages(payload, name, ctx)
    elif kind == "one_time_notif_req":
        return _check_one_time_notif_req(payload, name, ctx)
    return None


def _check_generic(payload: dict[str, Any], name: str, ctx: ContentContext) -> None:
    elements = fields.items(
        payload, "elements", f"{name}[elements]", required=True, minimum=1, maximum=10
    )
    for index, raw in enumerate(elements or ()):
        element_name = f"{name}[elements][{index}]"
        element = fields.obj(raw, element_name)
        fields.required_text(element, "title", f"{element_name}[title]", 80)
        fields.text(element, "subtitle", f"{element_name}[subtitle]", max_len=80)
        fields.url(element, "image_url", f"{element_name}[image_url]")
        fields.choice(
            element,
            "image_aspect_ratio",
            f"{element_name}[image_aspect_ratio]",
            ("horizontal", "square"),
        )
        others = ("subtitle", "image_url", "default_action", "buttons")
        if not any(element.get(key) for key in others):
            raise catalogue.invalid_parameter(
                f"Param {element_name} must have a subtitle, an image_url, a default_action "
                "or buttons besides its title"
            )
        if element.get("default_action") is not None:
            action_name = f"{element_name}[default_action]"
            action = fields.obj(element["default_action"], action_name)
            fields.choice(action, "type", f"{action_name}[type]", ("web_url",), required=True)
            if "title" in action:
                raise catalogue.invalid_parameter(f"Param {action_name} must not have a title")
            check_web_url(action, action_name, ctx)
        if element.get("buttons") is not None:
            check_buttons(element["buttons"], f"{element_name}[buttons]", ctx, maximum=3)


def _check_media(payload: dict[str, Any], name: str, ctx: ContentContext) -> None:
    elements = fields.items(
        payload, "elements", f"{name}[elements]", required=True, minimum=1, maximum=1
    )
    element_name = f"{name}[elements][0]"
    element = fields.obj((elements or [None])[0], element_name)
    media_type = fields.choice(
        element, "media_type", f"{element_name}[media_type]", ("image", "video"), required=True
    )
    has_id = element.get("attachment_id") is not None
    has_url = element.get("url") is not None
    if has_id == has_url:
        raise catalogue.invalid_parameter(
            f"Param {element_name} must have exactly one of attachment_id or url"
        )
    if has_url:
        address = fields.url(element, "url", f"{element_name}[url]", required=True)
        host = fields.check_url(address or "", f"{element_name}[url]")
        if not _facebook_hosted(host):
            raise catalogue.param_must_be(
                f"{element_name}[url]", "a Facebook URL (external URLs are not allowed)"
            )
    else:
        assert media_type is not None
        find_upload(element.get("attachment_id"), media_type, ctx)
    check_buttons(element.get("buttons"), f"{element_name}[buttons]", ctx, maximum=3)


def _facebook_hosted(host: str) -> bool:
    return any(host == d or host.endswith("." + d) for d in ("facebook.com", "fb.com", "fb.me"))


def find_upload(value: Any, media_type: str, ctx: ContentContext) -> Upload:
    """The Page's upload for an ``attachment_id``: 100/2018074 if unknown, another Page's or
    older than 90 days; 100/2018047 when its type is not the declared one."""
    attachment_id = fields.numeric_id(value)
    upload = ctx.state.uploads.get(attachment_id) if attachment_id else None
    if (
        upload is None
        or upload.page_id != ctx.page.page_id
        or ctx.now_ms - upload.created_ms > ATTACHMENT_LIFETIME_MS
    ):
        raise catalogue.attachment_not_owned()
    if upload.type != media_type:
        raise catalogue.upload_type_mismatch()
    return upload


def _check_receipt(payload: dict[str, Any], name: str) -> None:
    for key in ("recipient_name", "order_number", "payment_method"):
        fields.required_text(payload, key, f"{name}[{key}]")
    currency = fields.required_text(payload, "currency", f"{name}[currency]")
    if len(currency) != 3 or not currency.isalpha():
        raise catalogue.param_must_be(f"{name}[currency]", "a three-letter currency code")
    fields.url(payload, "order_url", f"{name}[order_url]")
    summary = fields.obj(payload.get("summary"), f"{name}[summary]")
    fields.number(summary, "total_cost", f"{name}[summary][total_cost]", required=True)
    for key in ("subtotal", "shipping_cost", "total_tax"):
        fields.number(summary, key, f"{name}[summary][{key}]")
    if payload.get("address") is not None:
        address = fields.obj(payload["address"], f"{name}[address]")
        for key in ("street_1", "city", "postal_code", "state", "country"):
            fields.required_text(address, key, f"{name}[address][{key}]")
    for index, raw in enumerate(fields.items(payload, "adjustments", f"{name}[adjustments]") or ()):
        adjustment = fields.obj(raw, f"{name}[adjustments][{index}]")
        fields.required_text(adjustment, "name", f"{name}[adjustments][{index}][name]")
        fields.number(adjustment, "amount", f"{name}[adjustments][{index}][amount]", required=True)
    elements = fields.items(payload, "elements", f"{name}[elements]", maximum=100) or []
    for index, raw in enumerate(elements):
        element_name = f"{name}[elements][{index}]"
        element = fields.obj(raw, element_name)
        fields.required_text(element, "title", f"{element_name}[title]")
        fields.number(element, "price", f"{element_name}[price]", required=True)
        fields.number(element, "quantity", f"{element_name}[quantity]")
        fields.url(element, "image_url", f"{element_name}[image_url]")


def _check_product(payload: dict[str, Any], name: str, ctx: ContentContext) -> None:
    if ctx.version is not None and ctx.version < 8.0:
        raise catalogue.product_template_version()
    elements = fields.items(
        payload, "elements", f"{name}[elements]", required=True, minimum=1, maximum=10
    )
    for raw in elements or ():
        if not isinstance(raw, dict) or fields.numeric_id(raw.get("id")) is None:
            raise catalogue.invalid_product_id()


def _check_notification_messages(
    payload: dict[str, Any], name: str, ctx: ContentContext
) -> OptInSpec:
    """The marketing-messages (recurring notifications) opt-in request."""
    if "marketing_messages" not in ctx.page.features:
        raise catalogue.optin_requests_barred()
    title_required = bool(rules.value_at("rn.optin_title_required", ctx.now, False))
    title = fields.text(
        payload, "title", f"{name}[title]", required=title_required, max_len=OPTIN_TITLE_MAX
    )
    fields.url(payload, "image_url", f"{name}[image_url]")
    optin_payload = fields.text(payload, "payload", f"{name}[payload]", max_len=PAYLOAD_MAX)
    timezone = fields.text(
        payload, "notification_messages_timezone", f"{name}[notification_messages_timezone]"
    )
    fields.choice(
        payload,
        "notification_messages_frequency",
        f"{name}[notification_messages_frequency]",
        ("DAILY", "WEEKLY", "MONTHLY"),
    )
    fields.choice(
        payload,
        "notification_messages_reoptin",
        f"{name}[notification_messages_reoptin]",
        ("ENABLED", "DISABLED"),
    )
    fields.text(
        payload, "notification_messages_cta_text", f"{name}[notification_messages_cta_text]"
    )
    default_title = str(rules.value_at("rn.optin_default_title", ctx.now, ""))
    return OptInSpec(
        kind="notification_messages",
        title=title or default_title,
        payload=optin_payload or "",
        timezone=timezone or "UTC",
    )


def _check_one_time_notif_req(payload: dict[str, Any], name: str, ctx: ContentContext) -> OptInSpec:
    """The legacy one-time notification request: off unless configured (§9.1)."""
    if not ctx.features.one_time_notifications or not rules.value_at(
        "otn.available", ctx.now, False
    ):
        raise catalogue.permission_denied(
            "The One-Time Notification feature is not available to this Page"
        )
    title = fields.required_text(payload, "title", f"{name}[title]", OPTIN_TITLE_MAX)
    optin_payload = fields.required_text(payload, "payload", f"{name}[payload]", PAYLOAD_MAX)
    return OptInSpec(kind="one_time_notif", title=title, payload=optin_payload, timezone="UTC")
