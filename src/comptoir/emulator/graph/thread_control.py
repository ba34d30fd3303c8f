"""Thread control: handover and Conversation Routing (reference §6.2, §6.3).

The emulated app (``page.app_id``) is the Page's default (primary) app; the only other app is
the Page Inbox (``PAGE_INBOX_APP_ID``). A thread is *idle* when no owner is recorded or its
control expired; then the default app may send. Control given to an app lasts 24 hours
(§6.3 "expires after 24 h inactivity"), or what ``extend_thread_control`` sets (up to 7 days).

* ``pass_thread_control`` ``{recipient, target_app_id, metadata}``: the current owner (or,
  when idle, the default app) gives the thread to the target;
* ``take_thread_control``: the default app takes it back;
* ``request_thread_control``: asks the owner (nothing changes until it passes);
* ``release_thread_control``: the owner lets the thread go idle;
* ``extend_thread_control?duration=``: the owner keeps it longer;
* ``GET thread_owner?recipient=`` and ``GET secondary_receivers``.

A Send API call may carry ``thread_control: {"control_type": "pass"|"release", "app_id"}``;
it is applied after the message is sent.
"""

from __future__ import annotations

from typing import Any

from comptoir.emulator import catalogue
from comptoir.emulator.graph import fields
from comptoir.emulator.graph.context import DAY_MS, SUCCESS, GraphContext, Reply
from comptoir.emulator.graph.request import GraphRequest, param_object
from comptoir.emulator.state import PAGE_INBOX_APP_ID, Page, Person

CONTROL_MS = DAY_MS
EXTEND_MAX_SECONDS = 7 * 24 * 3600
EDGES = (
    "pass_thread_control",
    "take_thread_control",
    "request_thread_control",
    "release_thread_control",
    "extend_thread_control",
    "thread_owner",
    "secondary_receivers",
)


def current_owner(page: Page, person: Person, now_ms: int) -> str | None:
    """The app that controls the thread, or None when it is idle."""
    owner = person.thread_owner_app_id
    if owner is None:
        return None
    expires = person.thread_owner_expires_ms
    if expires is not None and expires <= now_ms:
        return None
    return owner


def known_apps(page: Page) -> tuple[str, ...]:
    return (page.app_id, PAGE_INBOX_APP_ID)


async def thread_control_endpoint(
    ctx: GraphContext, request: GraphRequest, node: str, edge: str
) -> Reply:
    page = ctx.page_for_node(request, node)
    read_only = edge in ("thread_owner", "secondary_receivers")
    if request.method != ("GET" if read_only else "POST"):
        raise catalogue.unsupported_request(request.method, node)
    if edge == "secondary_receivers":
        data = [{"id": PAGE_INBOX_APP_ID, "name": "Page Inbox"}]
        return Reply(200, {"data": data})
    now_ms = ctx.now_ms()
    person = _person(ctx, request, page)
    owner = current_owner(page, person, now_ms)
    if edge == "thread_owner":
        thread_owner: dict[str, Any] = {"app_id": owner or page.app_id}
        if owner is not None and person.thread_owner_expires_ms is not None:
            thread_owner["expiration"] = person.thread_owner_expires_ms // 1000
        return Reply(200, {"data": [{"thread_owner": thread_owner}]})
    params = request.params
    fields.text(params, "metadata", "metadata", max_len=1000)
    if edge == "pass_thread_control":
        target = fields.numeric_id(params.get("target_app_id"))
        if target is None:
            target = PAGE_INBOX_APP_ID if "target_app_id" not in params else None
        if target is None or target not in known_apps(page):
            raise catalogue.param_must_be("target_app_id", "an app connected to this Page")
        _require_control(page, owner)
        _give(person, target, now_ms)
    elif edge == "take_thread_control":
        _give(person, page.app_id, now_ms)
    elif edge == "request_thread_control":
        if owner in (None, page.app_id):
            raise catalogue.not_thread_owner()
    elif edge == "release_thread_control":
        _require_control(page, owner)
        person.thread_owner_app_id = None
        person.thread_owner_expires_ms = None
    else:  # extend_thread_control
        duration = fields.number(params, "duration", "duration", required=True)
        assert duration is not None
        if not 0 < duration <= EXTEND_MAX_SECONDS:
            raise catalogue.param_must_be("duration", f"between 1 and {EXTEND_MAX_SECONDS}")
        if owner != page.app_id:
            raise catalogue.not_thread_owner()
        person.thread_owner_expires_ms = now_ms + int(duration * 1000)
    return Reply(200, dict(SUCCESS))


def _person(ctx: GraphContext, request: GraphRequest, page: Page) -> Person:
    """``recipient`` as ``{"id": PSID}`` (POST bodies) or a bare PSID (``?recipient=``)."""
    raw: Any = request.params.get("recipient")
    if isinstance(raw, str) and raw.lstrip().startswith("{"):
        raw = param_object(request.params, "recipient")
    if isinstance(raw, dict):
        raw = raw.get("id")
    if raw is None or raw == "":
        raise catalogue.missing_parameter("recipient")
    psid = fields.numeric_id(raw)
    if psid is None:
        raise catalogue.invalid_recipient_id()
    person = ctx.emulator.state.person(page.page_id, psid)
    if person is None:
        raise catalogue.no_matching_user()
    return person


def _require_control(page: Page, owner: str | None) -> None:
    """Only the owner (or the default app while the thread is idle) may pass or release."""
    if owner not in (None, page.app_id):
        raise catalogue.not_thread_owner()


def _give(person: Person, app_id: str, now_ms: int) -> None:
    person.thread_owner_app_id = app_id
    person.thread_owner_expires_ms = now_ms + CONTROL_MS


def check_send_control(value: dict[str, Any] | None, page: Page) -> dict[str, Any] | None:
    """The Send API's ``thread_control`` object; ``control_type`` defaults to release."""
    if value is None:
        return None
    control_type = fields.choice(
        value, "control_type", "thread_control[control_type]", ("pass", "release")
    )
    result: dict[str, Any] = {"control_type": control_type or "release"}
    if result["control_type"] == "pass":
        target = fields.numeric_id(value.get("app_id"))
        if target is None or target not in known_apps(page):
            raise catalogue.param_must_be("thread_control[app_id]", "an app connected to this Page")
        result["app_id"] = target
    return result


def apply_send_control(control: dict[str, Any], page: Page, person: Person, now_ms: int) -> None:
    if control["control_type"] == "pass":
        _give(person, control["app_id"], now_ms)
    else:
        person.thread_owner_app_id = None
        person.thread_owner_expires_ms = None
