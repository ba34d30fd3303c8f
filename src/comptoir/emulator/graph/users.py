"""Reading a node: the User Profile API (``GET /{psid}?fields=``) and the Page itself.

A PSID is Page-scoped: only the token's own Page can read its people (anyone else gets
100/33, as for an id that does not exist). Fields: ``first_name``, ``last_name``, ``name``,
``profile_pic``, ``locale``, ``timezone``, ``gender`` (not known to the emulator, so never
returned), ``id``; the default set is first and last name, picture and id. ``GET /me`` (or
the Page id) answers ``id``, ``name`` and ``messaging_feature_status`` (§6.3).
"""

from __future__ import annotations

from typing import Any

from comptoir.emulator import catalogue
from comptoir.emulator.graph.context import GraphContext, Reply
from comptoir.emulator.graph.request import GraphRequest, param_list
from comptoir.emulator.state import Page, Person

USER_FIELDS = (
    "id",
    "name",
    "first_name",
    "last_name",
    "profile_pic",
    "locale",
    "timezone",
    "gender",
)
DEFAULT_USER_FIELDS = ("first_name", "last_name", "profile_pic", "id")
PAGE_FIELDS = ("id", "name", "messaging_feature_status")
DEFAULT_PAGE_FIELDS = ("name", "id")


async def node_endpoint(ctx: GraphContext, request: GraphRequest, node: str) -> Reply:
    page = ctx.page_of_token(request)
    if request.method != "GET":
        raise catalogue.unsupported_request(request.method, node)
    if node in ("me", page.page_id):
        return Reply(200, _page_fields(page, _fields(request, DEFAULT_PAGE_FIELDS)))
    person = ctx.emulator.state.person(page.page_id, node)
    if person is None:
        raise catalogue.unsupported_request(request.method, node)
    wanted = _fields(request, DEFAULT_USER_FIELDS)
    for name in wanted:
        if name not in USER_FIELDS:
            raise catalogue.nonexisting_field(name, "User")
    return Reply(200, _user_fields(person, wanted))


def _fields(request: GraphRequest, default: tuple[str, ...]) -> list[str]:
    names = param_list(request.params, "fields")
    return [str(name) for name in names] if names else list(default)


def _user_fields(person: Person, wanted: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "name": f"{person.first_name} {person.last_name}".strip(),
        "profile_pic": person.profile_pic,
        "locale": person.locale,
        "timezone": person.timezone,
        "id": person.psid,
    }
    result = {name: values[name] for name in wanted if name in values}
    result["id"] = person.psid
    return result


def _page_fields(page: Page, wanted: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name in wanted:
        if name == "name":
            result["name"] = page.name
        elif name == "messaging_feature_status":
            result["messaging_feature_status"] = {
                "hop_v2": False,
                "msgr_multi_app": True,
                "ig_multi_app": False,
            }
        elif name != "id":
            raise catalogue.nonexisting_field(name, "Page")
    result["id"] = page.page_id
    return result
