"""The control API under ``/_emulator/``: Pages, people and their actions, logs, clock, config.

This is a contract that tests and tools rely on: add to these shapes, never change them.
Every answer is JSON; bad input gets 400 (not JSON), 404 (unknown Page, person or message) or
422 (a value that cannot be used), always as ``{"error": {"message": "..."}}``.

Lists answer ``{"data": [...]}``. Times are given twice: ``time`` (ISO-8601, UTC) and
``time_ms`` (milliseconds since the epoch, the emulator's clock), except thread items, whose
``timestamp`` is in milliseconds as in Meta's webhooks.

``POST /_emulator/bench/empty`` answers ``{}`` and does nothing else: it is the baseline that
``bench/bench_emulator_send.py`` measures beside the Send API, on the same server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from comptoir.emulator.config import ConfigError, EmulatorConfig
from comptoir.emulator.control_input import (
    ControlError,
    fields_field,
    is_locale,
    json_object,
    limit_param,
    move_clock,
    str_field,
    url_field,
)
from comptoir.emulator.people import ActionError, People
from comptoir.emulator.state import PAGE_INBOX_APP_ID
from comptoir.emulator.views import (
    delivery_json,
    iso,
    page_json,
    person_json,
    sent_json,
    thread_item_json,
)
from comptoir.emulator.world import (
    PAGE_FEATURES,
    create_page,
    create_person,
    policy_enforcement,
    set_thread_owner,
    subscribe_webhook,
)

if TYPE_CHECKING:
    from comptoir.emulator.core import Emulator
    from comptoir.emulator.state import Page, Person

Handler = Callable[[Request], Awaitable[Response]]

#: Control given to an app lasts 24 hours unless told otherwise (reference §6.3).
THREAD_CONTROL_SECONDS = 24 * 3600
#: The longest restriction or thread control the control API accepts (ten years).
MAX_DAYS = 3650


def error_response(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": {"message": message}}, status_code=status)


def _guarded(handler: Handler) -> Handler:
    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except (ControlError, ActionError) as exc:
            return error_response(exc.message, exc.status)
        except ConfigError as exc:
            return error_response(str(exc), 422)

    return run


def control_routes(emulator: Emulator) -> list[BaseRoute]:
    """The routes of the control API, bound to one emulator."""
    state, clock, config = emulator.state, emulator.clock, emulator.config
    people = People(state=state, clock=clock, config=config)

    def page_or_404(request: Request) -> Page:
        page_id = request.path_params["page_id"]
        page = state.pages.get(page_id)
        if page is None:
            raise ControlError(f"no Page with id {page_id!r}", 404)
        return page

    def person_or_404(request: Request, page: Page) -> Person:
        psid = request.path_params["psid"]
        person = state.person(page.page_id, psid)
        if person is None:
            raise ControlError(f"no person with PSID {psid!r} on Page {page.page_id}", 404)
        return person

    async def webhook_report(page: Page, events: list[dict[str, Any]]) -> dict[str, Any]:
        """``{"status", "attempts"}`` of the POST that carried ``events``."""
        if not events:
            return {"status": "skipped", "attempts": 0}
        delivery = await emulator.webhooks.deliver(page, events)
        if delivery is None:
            if not page.webhook_url:
                reason = "the Page has no webhook"
            elif not page.app_installed:
                reason = "the app is not subscribed to the Page (webhooks disabled?)"
            else:
                reason = "the app did not subscribe to this event's field"
            return {"status": "skipped", "attempts": 0, "reason": reason}
        report: dict[str, Any] = {"status": delivery.status, "attempts": delivery.attempts}
        report["delivery_id"] = delivery.delivery_id
        if delivery.last_status_code is not None:
            report["status_code"] = delivery.last_status_code
        if delivery.last_error:
            report["error"] = delivery.last_error
        return report

    # ---- Pages ---------------------------------------------------------------------------

    async def pages_list(request: Request) -> Response:
        data = [page_json(p, emulator.webhooks.health(p.page_id)) for p in state.pages.values()]
        return JSONResponse({"data": data})

    async def pages_create(request: Request) -> Response:
        body = await json_object(request)
        name = str_field(body, "name", required=True, limit=200)
        assert name is not None
        url = url_field(body, "webhook_url", required=False)
        verify_token = str_field(body, "verify_token", required=False) or ""
        fields = fields_field(body, "fields")
        page = create_page(state, clock, name)
        answer: dict[str, Any] = {
            "page_id": page.page_id,
            "page_access_token": page.access_token,
            "app_id": page.app_id,
            "app_secret": page.app_secret,
            "name": page.name,
            "webhook": None,
        }
        if url is not None:
            result = await subscribe_webhook(emulator, page, url, verify_token, fields)
            answer["webhook"] = result.to_json()
        return JSONResponse(answer)

    async def page_get(request: Request) -> Response:
        page = page_or_404(request)
        return JSONResponse(page_json(page, emulator.webhooks.health(page.page_id)))

    async def page_webhook(request: Request) -> Response:
        page = page_or_404(request)
        body = await json_object(request)
        url = url_field(body, "url", required=True)
        assert url is not None
        verify_token = str_field(body, "verify_token", required=False) or ""
        fields = fields_field(body, "fields")
        result = await subscribe_webhook(emulator, page, url, verify_token, fields)
        return JSONResponse({**result.to_json(), "url": url, "fields": page.subscribed_fields})

    async def page_features(request: Request) -> Response:
        page = page_or_404(request)
        body = await json_object(request)
        wanted = body.get("features")
        if not isinstance(wanted, list) or not all(isinstance(f, str) for f in wanted):
            raise ControlError(f"'features' must be a list drawn from: {', '.join(PAGE_FEATURES)}")
        unknown = [f for f in wanted if f not in PAGE_FEATURES]
        if unknown:
            raise ControlError(f"unknown feature(s): {', '.join(unknown)}")
        page.features = set(wanted)
        return JSONResponse({"features": sorted(page.features)})

    async def page_policy(request: Request) -> Response:
        page = page_or_404(request)
        body = await json_object(request)
        action = body.get("action")
        if action not in ("warning", "block", "unblock"):
            raise ControlError("'action' must be 'warning', 'block' or 'unblock'")
        reason = str_field(body, "reason", required=False, limit=2000)
        days = body.get("days")
        if days is not None and (isinstance(days, bool) or not isinstance(days, int | float)):
            raise ControlError("'days' must be a number")
        if days is not None and not 0 < days <= MAX_DAYS:
            raise ControlError(f"'days' must be between 0 and {MAX_DAYS}")
        event = policy_enforcement(page, clock, action, reason, days)
        report = await webhook_report(page, [event])
        return JSONResponse({"restricted_until": iso(page.restricted_until_ms), "webhook": report})

    async def page_sent(request: Request) -> Response:
        page = page_or_404(request)
        records = [r for r in state.sent if r.page_id == page.page_id]
        limit = limit_param(request)
        if limit is not None:
            records = records[-limit:]
        return JSONResponse({"data": [sent_json(r) for r in records]})

    async def page_tokens(request: Request) -> Response:
        page = page_or_404(request)
        tokens = [t for t in state.tokens.values() if t.page_id == page.page_id]
        data = [
            {
                "token": t.token,
                "kind": t.kind,
                "psid": t.psid,
                "title": t.title,
                "payload": t.payload,
                "status": t.status,
                "created": iso(t.created_ms),
                "used": iso(t.used_ms),
            }
            for t in tokens
        ]
        return JSONResponse({"data": data})

    # ---- people --------------------------------------------------------------------------

    async def users_list(request: Request) -> Response:
        page = page_or_404(request)
        found = [p for (pid, _), p in state.people.items() if pid == page.page_id]
        return JSONResponse({"data": [person_json(p, clock) for p in found]})

    async def users_create(request: Request) -> Response:
        page = page_or_404(request)
        body = await json_object(request)
        first = str_field(body, "first_name", required=True, limit=100)
        last = str_field(body, "last_name", required=True, limit=100)
        locale = str_field(body, "locale", required=False, limit=10) or "en_US"
        assert first is not None
        assert last is not None
        if not is_locale(locale):
            raise ControlError("'locale' must look like 'fr_FR' or 'en_US'")
        timezone = body.get("timezone", 0)
        if isinstance(timezone, bool) or not isinstance(timezone, int | float):
            raise ControlError("'timezone' must be a number of hours from UTC")
        if not -12 <= timezone <= 14:
            raise ControlError("'timezone' must be between -12 and 14")
        person = create_person(state, clock, page, first, last, locale, float(timezone))
        return JSONResponse({"psid": person.psid, **person_json(person, clock)})

    async def user_get(request: Request) -> Response:
        page = page_or_404(request)
        person = person_or_404(request, page)
        return JSONResponse(person_json(person, clock))

    async def user_action(request: Request) -> Response:
        page = page_or_404(request)
        person = person_or_404(request, page)
        body = await json_object(request)
        outcome = people.act(page, person, body)
        report = await webhook_report(page, outcome.events)
        if not outcome.events and outcome.reason:
            report["reason"] = outcome.reason
        answer: dict[str, Any] = {"webhook": report, **outcome.extra}
        if outcome.mid is not None:
            answer = {"mid": outcome.mid, **answer}
        return JSONResponse(answer)

    async def user_thread(request: Request) -> Response:
        page = page_or_404(request)
        person = person_or_404(request, page)
        items = state.thread(page.page_id, person.psid)
        return JSONResponse({"data": [thread_item_json(i, state) for i in items]})

    async def user_thread_owner(request: Request) -> Response:
        page = page_or_404(request)
        person = person_or_404(request, page)
        body = await json_object(request)
        app_id = body.get("app_id")
        if app_id == "page_inbox":
            app_id = PAGE_INBOX_APP_ID
        if app_id is not None and not (isinstance(app_id, str) and app_id.isdigit()):
            raise ControlError("'app_id' must be a numeric string, 'page_inbox' or null")
        expires_in = body.get("expires_in", THREAD_CONTROL_SECONDS)
        if expires_in is not None and (
            isinstance(expires_in, bool)
            or not isinstance(expires_in, int)
            or not 0 < expires_in <= MAX_DAYS * 24 * 3600
        ):
            raise ControlError(
                f"'expires_in' must be a positive number of seconds, at most {MAX_DAYS} days"
            )
        metadata = str_field(body, "metadata", required=False) or ""
        notify = body.get("notify", True)
        if not isinstance(notify, bool):
            raise ControlError("'notify' must be true or false")
        events = set_thread_owner(page, person, clock, app_id, expires_in, metadata)
        report = await webhook_report(page, events if notify else [])
        return JSONResponse(
            {
                "thread_owner": {
                    "app_id": person.thread_owner_app_id,
                    "expiration": iso(person.thread_owner_expires_ms),
                },
                "webhook": report,
            }
        )

    # ---- logs, clock, config, reset ------------------------------------------------------

    async def webhooks_log(request: Request) -> Response:
        page_id = request.query_params.get("page_id")
        deliveries = [d for d in state.webhooks if page_id is None or d.page_id == page_id]
        limit = limit_param(request)
        if limit is not None:
            deliveries = deliveries[-limit:]
        answer: dict[str, Any] = {"data": [delivery_json(d) for d in deliveries]}
        if page_id is not None:
            if page_id not in state.pages:
                raise ControlError(f"no Page with id {page_id!r}", 404)
            answer["health"] = emulator.webhooks.health(page_id).to_json()
        return JSONResponse(answer)

    async def clock_view(request: Request) -> Response:
        if request.method == "POST":
            body = await json_object(request)
            move_clock(emulator, body)
        return JSONResponse({"now": iso(clock.now_ms()), "frozen": clock.frozen})

    async def config_view(request: Request) -> Response:
        if request.method == "PUT":
            config.update(await json_object(request))
        return JSONResponse(config.to_json())

    async def reset(request: Request) -> Response:
        body = await json_object(request, optional=True)
        keep_config = body.get("keep_config", False)
        if not isinstance(keep_config, bool):
            raise ControlError("'keep_config' must be true or false")
        await emulator.webhooks.reset()
        state.clear()
        clock.reset()
        people.reset()
        emulator.limiter.reset()
        if not keep_config:
            _reset_config(config)
        if emulator.persistence is not None:
            await emulator.persistence.clear()
        return JSONResponse({"reset": True})

    async def bench_empty(request: Request) -> Response:
        return JSONResponse({})

    def route(path: str, handler: Handler, methods: list[str]) -> Route:
        return Route(path, _guarded(handler), methods=methods)

    base = "/_emulator/pages/{page_id}"
    user = base + "/users/{psid}"
    return [
        route("/_emulator/pages", pages_list, ["GET"]),
        route("/_emulator/pages", pages_create, ["POST"]),
        route(base, page_get, ["GET"]),
        route(base + "/webhook", page_webhook, ["PUT"]),
        route(base + "/features", page_features, ["PUT"]),
        route(base + "/policy_enforcement", page_policy, ["POST"]),
        route(base + "/sent", page_sent, ["GET"]),
        route(base + "/tokens", page_tokens, ["GET"]),
        route(base + "/users", users_list, ["GET"]),
        route(base + "/users", users_create, ["POST"]),
        route(user, user_get, ["GET"]),
        route(user + "/actions", user_action, ["POST"]),
        route(user + "/thread", user_thread, ["GET"]),
        route(user + "/thread_owner", user_thread_owner, ["PUT"]),
        route("/_emulator/webhooks", webhooks_log, ["GET"]),
        route("/_emulator/clock", clock_view, ["GET", "POST"]),
        route("/_emulator/config", config_view, ["GET", "PUT"]),
        route("/_emulator/reset", reset, ["POST"]),
        route("/_emulator/bench/empty", bench_empty, ["POST"]),
    ]


def _reset_config(config: EmulatorConfig) -> None:
    """Back to defaults, in place: the limiter and dispatcher hold the section objects."""
    fresh = EmulatorConfig()
    for name in ("rate_limits", "webhooks", "failures", "features"):
        current, default = getattr(config, name), getattr(fresh, name)
        for slot in type(current).__slots__:
            setattr(current, slot, getattr(default, slot))
    config.api_version = fresh.api_version
