"""API errors, rendered in one place as ``{"error": {"code": "...", "message": "..."}}``.

    ApiError (code, HTTP status, message, optional extra fields)
    ├── BadRequestError        400 bad_request / invalid_cursor / invalid_json
    ├── UnauthorizedError      401 unauthorized (with ``WWW-Authenticate: Bearer``)
    ├── NotFoundError          404 not_found (also for another workspace's ids: no hints)
    ├── ConflictError          409 conflict
    ├── UnprocessableError     422 (a well-formed request the rules refuse; send refusals)
    └── UpstreamError          502 upstream_error (Meta's Graph API failed or was unreachable)

``install_error_handlers(app)`` renders those, FastAPI's validation errors (422 naming the
field: ``body.text: Field required``), unknown routes (404) and methods (405), and turns
anything unexpected into a 500 with the same shape and no detail.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.requests import Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = headers
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


class BadRequestError(ApiError):
    status = 400
    code = "bad_request"


class UnauthorizedError(ApiError):
    status = 401
    code = "unauthorized"

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class NotFoundError(ApiError):
    status = 404
    code = "not_found"


class ConflictError(ApiError):
    status = 409
    code = "conflict"


class UnprocessableError(ApiError):
    status = 422
    code = "unprocessable"


class UpstreamError(ApiError):
    status = 502
    code = "upstream_error"


def field_error(field: str, message: str, location: str = "body") -> UnprocessableError:
    """A 422 shaped like FastAPI's own validation errors, for checks made after parsing."""
    return UnprocessableError(
        f"{location}.{field}: {message}",
        code="validation_error",
        fields=[{"field": field, "location": location, "message": message}],
    )


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_response(
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, **extra}}, status_code=status, headers=headers
    )


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in location)


def validation_details(errors: Any) -> list[dict[str, str]]:
    details = []
    for error in errors:
        location = list(error.get("loc", ()))
        where = str(location[0]) if location else "request"
        field = _field_name(location[1:]) if len(location) > 1 else where
        details.append({"field": field, "location": where, "message": str(error.get("msg", ""))})
    return details


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in errors):
        return error_response(400, "invalid_json", "the request body is not valid JSON")
    details = validation_details(errors)
    first = details[0] if details else {"field": "request", "location": "", "message": "invalid"}
    prefix = f"{first['location']}.{first['field']}" if first["location"] else first["field"]
    if first["field"] == first["location"]:
        prefix = first["field"]
    message = f"{prefix}: {first['message']}"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more problem(s), see fields)"
    return error_response(422, "validation_error", message, fields=details)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "error" if exc.status_code < 500 else "server_error")
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else code.replace("_", " ")
    if exc.status_code == 404 and message == "Not Found":
        message = f"no route {request.method} {request.url.path}"
    elif exc.status_code == 405 and message == "Method Not Allowed":
        message = f"{request.method} is not allowed on {request.url.path}"
    return error_response(exc.status_code, code, message, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The server logs the exception itself (Starlette re-raises it after this answer).
    return error_response(500, "internal_error", "something went wrong on our side")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
