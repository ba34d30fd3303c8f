"""Reading the control API's input: JSON bodies, fields, query parameters, clock moves.

Every problem raises :class:`ControlError`, which the routes answer as
``{"error": {"message"}}`` with its status (400 when the body is not a JSON object, 422 for a
value that cannot be used, 404 for something that does not exist).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from comptoir.emulator.world import WEBHOOK_FIELDS

if TYPE_CHECKING:
    from comptoir.emulator.core import Emulator

#: The clock may move forward by at most a hundred years at a time.
MAX_ADVANCE_SECONDS = 100 * 365 * 24 * 3600


class ControlError(Exception):
    """Bad input to the control API, answered as ``{"error": {"message"}}``."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


async def json_object(request: Request, *, optional: bool = False) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if optional:
            return {}
        raise ControlError("the body must be a JSON object", 400)
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ControlError("the body is not valid JSON", 400) from exc
    if not isinstance(value, dict):
        raise ControlError("the body must be a JSON object", 400)
    return value


def str_field(body: dict[str, Any], key: str, *, required: bool, limit: int = 1000) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise ControlError(f"'{key}' is required")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise ControlError(f"'{key}' must be a non-empty string")
    if len(value) > limit:
        raise ControlError(f"'{key}' must be at most {limit} characters")
    return value


def url_field(body: dict[str, Any], key: str, *, required: bool) -> str | None:
    url = str_field(body, key, required=required, limit=2000)
    if url is not None and not url.startswith(("http://", "https://")):
        raise ControlError(f"'{key}' must be an http:// or https:// URL")
    return url


def fields_field(body: dict[str, Any], key: str) -> list[str] | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ControlError(f"'{key}' must be a list of subscription fields")
    unknown = [v for v in value if v not in WEBHOOK_FIELDS]
    if unknown:
        raise ControlError(f"unknown subscription field(s): {', '.join(unknown)}")
    return list(dict.fromkeys(value))


def limit_param(request: Request) -> int | None:
    raw = request.query_params.get("limit")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ControlError("'limit' must be a positive integer", 400)
    return int(raw)


def is_locale(value: str) -> bool:
    parts = value.split("_")
    return (
        len(parts) == 2
        and len(parts[0]) == 2
        and parts[0].isalpha()
        and parts[0].islower()
        and len(parts[1]) == 2
        and parts[1].isalpha()
        and parts[1].isupper()
    )


def move_clock(emulator: Emulator, body: dict[str, Any]) -> None:
    clock = emulator.clock
    moves = [k for k in ("set", "advance", "freeze") if k in body]
    if not moves:
        raise ControlError("give one of 'set' (ISO-8601), 'advance' (seconds) or 'freeze'")
    if "set" in body and "advance" in body:
        raise ControlError("give 'set' or 'advance', not both")
    if "freeze" in body:
        if not isinstance(body["freeze"], bool):
            raise ControlError("'freeze' must be true or false")
        if body["freeze"]:
            clock.freeze()
        else:
            clock.unfreeze()
    if "set" in body:
        raw = body["set"]
        if not isinstance(raw, str):
            raise ControlError("'set' must be an ISO-8601 instant such as 2026-05-01T12:00:00Z")
        try:
            instant = datetime.fromisoformat(raw)
        except ValueError as exc:
            raise ControlError(f"'set' is not an ISO-8601 instant: {raw[:40]!r}") from exc
        if instant.tzinfo is None:
            raise ControlError("'set' must carry a time zone, for example 2026-05-01T12:00:00Z")
        if not 1970 <= instant.year <= 9000:
            raise ControlError("'set' must be between the years 1970 and 9000")
        clock.set(instant)
    if "advance" in body:
        seconds = body["advance"]
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ControlError("'advance' must be a number of seconds")
        if seconds < 0:
            raise ControlError("'advance' must not be negative (use 'set' to go back)")
        if seconds > MAX_ADVANCE_SECONDS:
            raise ControlError("'advance' must be at most 100 years (3153600000 seconds)")
        clock.advance(float(seconds))
