"""Installing the app on a Page: ``GET|POST|DELETE /{page-id}/subscribed_apps`` (Appendix B).

POST needs ``subscribed_fields`` (comma-separated or a JSON array) from the webhook fields a
Page app can subscribe to, installs the app and records the fields; GET lists the installed
app; DELETE uninstalls it. Both write answers are ``{"success": true}``.
"""

from __future__ import annotations

from comptoir.emulator import catalogue
from comptoir.emulator.graph.context import SUCCESS, GraphContext, Reply
from comptoir.emulator.graph.request import GraphRequest, param_list

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
