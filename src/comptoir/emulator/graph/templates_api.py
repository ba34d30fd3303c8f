"""Utility templates: ``POST|GET /{page-id}/message_templates`` and rendering them in a send.

Meta approves utility templates "within seconds" (reference §2.11, §9.4); the emulator
approves at once, except a body that reads as marketing, which is rejected with Meta's reason
``TAG_SHOULD_BE_MARKETING`` (a small word list: the emulator's stand-in for Meta's review).
Positional parameters ``{{1}}``..``{{n}}`` always; named ones (``parameter_format: NAMED``)
from 2026-03-06; an image header from 2025-09-29.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from comptoir.emulator import catalogue, rules
from comptoir.emulator.graph import fields
from comptoir.emulator.graph.context import GraphContext, Reply
from comptoir.emulator.graph.request import GraphRequest, param_list
from comptoir.emulator.state import Page

_NAME = re.compile(r"[a-z0-9_]{1,512}")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
_MARKETING_WORDS = ("% off", "discount", "coupon", "promo code", "sale ends", "buy now", "shop now")
BODY_MAX = 1024
FOOTER_MAX = 60


async def templates_endpoint(ctx: GraphContext, request: GraphRequest, node: str) -> Reply:
    page = ctx.page_for_node(request, node)
    if request.method == "GET":
        data = [dict(template) for template in page.templates.values()]
        return Reply(200, {"data": data})
    if request.method != "POST":
        raise catalogue.unsupported_request(request.method, node)
    return Reply(200, create_template(ctx, page, request))


def create_template(ctx: GraphContext, page: Page, request: GraphRequest) -> dict[str, Any]:
    params = request.params
    now = ctx.emulator.clock.now()
    name = fields.required_text(params, "name", "name")
    if not _NAME.fullmatch(name):
        raise catalogue.param_must_be("name", "lowercase letters, digits and underscores")
    language = fields.required_text(params, "language", "language")
    fields.choice(params, "category", "category", ("UTILITY",), required=True, upper=True)
    parameter_format = fields.choice(
        params, "parameter_format", "parameter_format", ("POSITIONAL", "NAMED"), upper=True
    )
    if parameter_format == "NAMED" and not rules.value_at("utility.named_parameters", now):
        raise catalogue.param_one_of("parameter_format", ("POSITIONAL",), parameter_format)
    components = param_list(params, "components")
    if not components:
        raise catalogue.missing_parameter("components")
    body = _check_components(components, now, named=parameter_format == "NAMED")
    if name in page.templates:
        raise catalogue.invalid_parameter(f'Message template "{name}" already exists')
    rejected = any(word in body.lower() for word in _MARKETING_WORDS)
    template: dict[str, Any] = {
        "id": ctx.emulator.state.new_numeric_id("9"),
        "name": name,
        "language": language,
        "category": "UTILITY",
        "parameter_format": parameter_format or "POSITIONAL",
        "status": "REJECTED" if rejected else "APPROVED",
        "components": components,
    }
    if rejected:
        template["rejected_reason"] = "TAG_SHOULD_BE_MARKETING"
    page.templates[name] = template
    return {"id": template["id"], "status": template["status"], "category": "UTILITY"}


def _check_components(components: list[Any], now: datetime, *, named: bool) -> str:
    """The body's text, after checking each component's shape and placeholders."""
    body: str | None = None
    for index, raw in enumerate(components):
        name = f"components[{index}]"
        component = fields.obj(raw, name)
        kind = fields.choice(
            component, "type", f"{name}[type]", ("HEADER", "BODY", "FOOTER", "BUTTONS"),
            required=True, upper=True,
        )  # fmt: skip
        if kind == "BODY":
            if body is not None:
                raise catalogue.invalid_parameter("A template has exactly one BODY component")
            body = fields.required_text(component, "text", f"{name}[text]", BODY_MAX)
            _check_placeholders(body, named=named)
        elif kind == "FOOTER":
            fields.required_text(component, "text", f"{name}[text]", FOOTER_MAX)
        elif kind == "HEADER":
            formats = (
                ("TEXT", "IMAGE") if rules.value_at("utility.image_header", now) else ("TEXT",)
            )
            fields.choice(component, "format", f"{name}[format]", formats, upper=True)
    if body is None:
        raise catalogue.missing_parameter("components[BODY]")
    return body


def _check_placeholders(body: str, *, named: bool) -> None:
    found = _PLACEHOLDER.findall(body)
    if named:
        if any(p.isdigit() for p in found):
            raise catalogue.invalid_parameter("A NAMED template uses {{name}} placeholders")
        return
    if any(not p.isdigit() for p in found):
        raise catalogue.invalid_parameter("A POSITIONAL template uses {{1}}, {{2}}, ...")
    numbers = sorted({int(p) for p in found})
    if numbers != list(range(1, len(numbers) + 1)):
        raise catalogue.invalid_parameter("Template placeholders must be {{1}} to {{n}} in order")


def render_utility(page: Page, spec: dict[str, Any]) -> str:
    """The text a utility send shows, from ``message.template`` and the Page's template."""
    name = fields.required_text(spec, "name", "message[template][name]")
    language = spec.get("language")
    code = language.get("code") if isinstance(language, dict) else language
    if not isinstance(code, str) or not code:
        raise catalogue.missing_parameter("message[template][language][code]")
    template = page.templates.get(name)
    if template is None or template["language"] != code or template["status"] != "APPROVED":
        raise catalogue.invalid_parameter(
            f"Template {name} ({code}) does not exist or is not approved"
        )
    body = next(c["text"] for c in template["components"] if c["type"].upper() == "BODY")
    values = _parameters(spec.get("components"))
    named = template["parameter_format"] == "NAMED"
    expected = sorted(set(_PLACEHOLDER.findall(body)))
    given = sorted(values) if named else [str(i) for i in range(1, len(values) + 1)]
    if sorted(given) != sorted(expected):
        raise catalogue.invalid_parameter(
            "Number of parameters does not match the expected number of params"
        )
    if named:
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], body)
    positional = list(values.values())
    return _PLACEHOLDER.sub(lambda m: positional[int(m.group(1)) - 1], body)


def _parameters(components: Any) -> dict[str, str]:
    """Body parameters in order: ``{"1": "..."}`` or ``{"name": "..."}``."""
    values: dict[str, str] = {}
    if components is None:
        return values
    if not isinstance(components, list):
        raise catalogue.param_must_be("message[template][components]", "an array")
    for index, raw in enumerate(components):
        name = f"message[template][components][{index}]"
        component = fields.obj(raw, name)
        if str(component.get("type", "")).lower() != "body":
            continue
        for position, param_raw in enumerate(component.get("parameters") or []):
            param_name = f"{name}[parameters][{position}]"
            param = fields.obj(param_raw, param_name)
            text = fields.required_text(param, "text", f"{param_name}[text]")
            key = fields.text(param, "parameter_name", f"{param_name}[parameter_name]")
            values[key or str(len(values) + 1)] = text
    return values
