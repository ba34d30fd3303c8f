"""Webhook subscriptions (Appendix B): the app's callback and the app's installs on Pages.

``GET|POST|DELETE /{page-id}/subscribed_apps``: POST needs ``subscribed_fields``
(comma-separated or a JSON array) from the webhook fields a Page app can subscribe to,
installs the app and records the fields; GET lists the installed app; DELETE uninstalls it.

``GET|POST|DELETE /{app-id}/subscriptions`` with an app access token (``{app-id}|{secret}``):
POST ``object=page``, ``callback_url``, ``verify_token``, ``fields`` runs Meta's GET handshake
against the callback (2200 when it fails) and then points every Page of the app at it. The
app-level field list is kept for GET only: which events reach the callback is decided by the
Page-level ``subscribed_fields``.

Write answers are ``{"success": true}``.
"""

from __future__ import annotations

import hmac

from comptoir.emulator import catalogue
from comptoir.emulator.graph import fields
from comptoir.emulator.graph.context import SUCCESS, GraphContext, Reply
from comptoir.emulator.graph.request import GraphRequest, param_list
from comptoir.emulator.state import Page

PAGE_FIELDS = (
    "messages",
    "message_echoes",
    "message_deliveries",
    "message_reads",
    "message_reactions",
    "message_edits",
    "messaging_postbacks",
    "messaging_optins",
    "messaging_referrals",
    "messaging_handovers",
    "messaging_policy_enforcement",
    "messaging_account_linking",
    "messaging_game_plays",
    "standby",
    "response_feedback",
    "messenger_template_status_update",
    "feed",
    "marketing_message_echoes",
    "marketing_message_deliveries",
    "marketing_message_reads",
    "marketing_message_clicks",
    "marketing_message_delivery_failed",
)


async def subscribed_apps_endpoint(ctx: GraphContext, request: GraphRequest, node: str) -> Reply:
    page = ctx.page_for_node(request, node)
    if request.method == "GET":
        data = []
        if page.app_installed:
            data.append(
                {
                    "id": page.app_id,
                    "name": f"{page.name} app",
                    "subscribed_fields": list(page.subscribed_fields),
                }
            )
        return Reply(200, {"data": data})
    if request.method == "DELETE":
        page.app_installed = False
        page.subscribed_fields = []
        return Reply(200, dict(SUCCESS))
    if request.method != "POST":
        raise catalogue.unsupported_request(request.method, node)
    names = param_list(request.params, "subscribed_fields")
    if not names:
        raise catalogue.missing_parameter("subscribed_fields")
    for index, name in enumerate(names):
        if name not in PAGE_FIELDS:
            raise catalogue.param_one_of(f"subscribed_fields[{index}]", PAGE_FIELDS, name)
    page.app_installed = True
    page.subscribed_fields = list(dict.fromkeys(str(name) for name in names))
    return Reply(200, dict(SUCCESS))


async def app_subscriptions_endpoint(ctx: GraphContext, request: GraphRequest, node: str) -> Reply:
    pages = _pages_of_app_token(ctx, request, node)
    app_fields = ctx.app_fields.setdefault(node, [])
    if request.method == "GET":
        data = []
        if pages and pages[0].webhook_url:
            version = ctx.emulator.config.api_version
            data.append(
                {
                    "object": "page",
                    "callback_url": pages[0].webhook_url,
                    "active": True,
                    "fields": [{"name": name, "version": version} for name in app_fields],
                }
            )
        return Reply(200, {"data": data})
    if request.method == "DELETE":
        for page in pages:
            page.webhook_url = None
            page.webhook_verified = False
        app_fields.clear()
        return Reply(200, dict(SUCCESS))
    if request.method != "POST":
        raise catalogue.unsupported_request(request.method, node)
    params = request.params
    fields.choice(params, "object", "object", ("page",), required=True)
    callback = fields.url(params, "callback_url", "callback_url", required=True)
    verify_token = fields.required_text(params, "verify_token", "verify_token")
    names = param_list(params, "fields")
    if not names:
        raise catalogue.missing_parameter("fields")
    for index, name in enumerate(names):
        if name not in PAGE_FIELDS:
            raise catalogue.param_one_of(f"fields[{index}]", PAGE_FIELDS, name)
    assert callback is not None
    result = await ctx.emulator.webhooks.verify_callback(callback, verify_token)
    if not result.verified:
        raise catalogue.callback_verification_failed(
            f"The URL couldn't be validated. {result.error or ''}".strip()
        )
    for page in pages:
        page.webhook_url = callback
        page.verify_token = verify_token
        page.webhook_verified = True
        ctx.emulator.webhooks.forget_failures(page.page_id)
    app_fields[:] = list(dict.fromkeys(str(name) for name in names))
    return Reply(200, dict(SUCCESS))


def _pages_of_app_token(ctx: GraphContext, request: GraphRequest, app_id: str) -> list[Page]:
    """The Pages of the app whose app access token (``{app-id}|{app-secret}``) the call has."""
    token = request.token
    if not token:
        raise catalogue.token_required()
    if ctx.emulator.state.page_for_token(token) is not None:
        raise catalogue.app_token_required()
    token_app, _, secret = token.partition("|")
    pages = [p for p in ctx.emulator.state.pages.values() if p.app_id == token_app]
    if not pages or not hmac.compare_digest(pages[0].app_secret, secret):
        raise catalogue.invalid_token()
    if token_app != app_id:
        raise catalogue.unsupported_request(request.method, app_id)
    return pages
