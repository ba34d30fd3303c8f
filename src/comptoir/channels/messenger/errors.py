"""Graph API errors as typed exceptions; the relay decides what to do from the type alone.

    GraphAPIError                      root: code, subcode, message, fbtrace_id, http_status
    ├── OutsideWindowError             10/2018278, 10/2534022: outside the messaging window
    ├── PermissionDeniedError          10, 200, 230, 2018065, ... : missing permission/feature
    │   ├── PageRestrictedError        10/1893063, 368, 2022: the Page may not send for now
    │   └── NotificationsStoppedError  10/1893015: the person stopped these messages
    ├── RecipientUnavailableError      551, any/1545041, 10/2018108: marks the contact too
    ├── InvalidParameterError          100: a bad request; never retried
    │   ├── RetiredTagError            100/1893061: a message tag Meta no longer accepts
    │   └── NoMatchingUserError        100/2018001: the PSID is unknown to this Page
    ├── AccessTokenError               190: the Page token is invalid; re-connect the Page
    ├── ThreadControlledElsewhereError 10/2018300, 10/2018321: another app owns the thread
    ├── PrivateReplyError              10900, 10903: the private reply was used or is too late
    ├── RateLimitedError               613, 4, 80006, 32, 80001, 17, 9: back off ``retry_after``
    └── TransientError                 1200, 2, 1, HTTP 5xx, connection failures: retry
        └── UnknownOutcomeError        timeout or broken connection after sending: the message
                                       may have arrived; retry only with that in mind

``retryable`` says whether the same request may be sent again later; ``marks_contact`` that
the person is unreachable; ``needs_reconnect`` that the Page token must be replaced.
``error_from_response`` is the one place a Graph error body becomes an exception.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

#: Seconds to wait before retrying when Graph does not say, by error code.
DEFAULT_RETRY_AFTER = {613: 60.0, 4: 300.0, 80006: 60.0, 80001: 60.0, 32: 60.0, 17: 300.0, 9: 60.0}


class GraphAPIError(Exception):
    """An error answered by the Graph API (or met on the way to it)."""

    retryable: ClassVar[bool] = False
    marks_contact: ClassVar[bool] = False
    needs_reconnect: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        subcode: int | None = None,
        fbtrace_id: str | None = None,
        http_status: int | None = None,
        error_type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.subcode = subcode
        self.fbtrace_id = fbtrace_id
        self.http_status = http_status
        self.error_type = error_type

    def __str__(self) -> str:
        where = (
            ""
            if self.code is None
            else f" [{self.code}" + (f"/{self.subcode}]" if self.subcode is not None else "]")
        )
        return f"{self.message}{where}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code}, subcode={self.subcode}, "
            f"http_status={self.http_status}, message={self.message!r})"
        )


class OutsideWindowError(GraphAPIError):
    pass


class PermissionDeniedError(GraphAPIError):
    pass


class PageRestrictedError(PermissionDeniedError):
    pass


class NotificationsStoppedError(PermissionDeniedError):
    pass


class RecipientUnavailableError(GraphAPIError):
    marks_contact = True


class InvalidParameterError(GraphAPIError):
    pass


class RetiredTagError(InvalidParameterError):
    pass


class NoMatchingUserError(InvalidParameterError):
    pass


class AccessTokenError(GraphAPIError):
    needs_reconnect = True


class ThreadControlledElsewhereError(GraphAPIError):
    pass


class PrivateReplyError(GraphAPIError):
    pass


class RateLimitedError(GraphAPIError):
    retryable = True

    def __init__(self, message: str, *, retry_after: float = 60.0, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.retry_after = retry_after


class TransientError(GraphAPIError):
    retryable = True


class UnknownOutcomeError(TransientError):
    """The request may have reached Meta: a retry may send the message twice."""


_BY_CODE_AND_SUBCODE: dict[tuple[int, int], type[GraphAPIError]] = {
    (10, 2018278): OutsideWindowError,
    (10, 2534022): OutsideWindowError,
    (10, 1893063): PageRestrictedError,
    (10, 1893015): NotificationsStoppedError,
    (10, 2018108): RecipientUnavailableError,
    (10, 2018300): ThreadControlledElsewhereError,
    (10, 2018321): ThreadControlledElsewhereError,
    (100, 1893061): RetiredTagError,
    (100, 2018001): NoMatchingUserError,
    (200, 1545041): RecipientUnavailableError,
    (551, 1545041): RecipientUnavailableError,
}

_BY_CODE: dict[int, type[GraphAPIError]] = {
    10: PermissionDeniedError,
    200: PermissionDeniedError,
    230: PermissionDeniedError,
    368: PageRestrictedError,
    2022: PageRestrictedError,
    551: RecipientUnavailableError,
    100: InvalidParameterError,
    190: AccessTokenError,
    2018300: ThreadControlledElsewhereError,
    10900: PrivateReplyError,
    10903: PrivateReplyError,
    613: RateLimitedError,
    4: RateLimitedError,
    9: RateLimitedError,
    17: RateLimitedError,
    32: RateLimitedError,
    80001: RateLimitedError,
    80006: RateLimitedError,
    1200: TransientError,
    2: TransientError,
    1: TransientError,
}


Body = bytes | str | Mapping[str, Any] | None


def error_from_response(
    status: int, body: Body, headers: Mapping[str, str] | None = None
) -> GraphAPIError:
    """The typed exception for a Graph error answer (``status`` and its body)."""
    error = _error_object(body)
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    message = str(error.get("message") or f"Graph API answered HTTP {status}")
    fields: dict[str, Any] = {
        "code": code,
        "subcode": subcode,
        "fbtrace_id": _str(error.get("fbtrace_id")),
        "http_status": status,
        "error_type": _str(error.get("type")),
    }
    cls = _class_for(status, code, subcode, error.get("is_transient") is True)
    if issubclass(cls, RateLimitedError):
        return cls(message, retry_after=_retry_after(code, headers), **fields)
    return cls(message, **fields)


def _class_for(
    status: int, code: int | None, subcode: int | None, transient: bool
) -> type[GraphAPIError]:
    if subcode == 1545041:
        return RecipientUnavailableError
    if code is not None and subcode is not None and (code, subcode) in _BY_CODE_AND_SUBCODE:
        return _BY_CODE_AND_SUBCODE[(code, subcode)]
    if code is not None and code in _BY_CODE:
        return _BY_CODE[code]
    if transient or status >= 500 or status == 429:
        return TransientError
    return GraphAPIError


def _error_object(body: Body) -> Mapping[str, Any]:
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except ValueError:
            return {}
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            return error
    return {}


def _retry_after(code: int | None, headers: Mapping[str, str] | None) -> float:
    """Seconds to wait: Retry-After, else the usage header's estimate, else a default."""
    default = DEFAULT_RETRY_AFTER.get(code or 0, 60.0)
    if not headers:
        return default
    lowered = {key.lower(): value for key, value in headers.items()}
    retry_after = lowered.get("retry-after", "")
    if retry_after.isdigit():
        return float(retry_after)
    usage = lowered.get("x-business-use-case-usage")
    if usage:
        minutes = _minutes_to_regain(usage)
        if minutes is not None:
            return max(minutes * 60.0, 1.0)
    return default


def _minutes_to_regain(usage: str) -> float | None:
    try:
        parsed = json.loads(usage)
    except ValueError:
        return None
    estimates = [
        float(item["estimated_time_to_regain_access"])
        for items in (parsed.values() if isinstance(parsed, dict) else ())
        if isinstance(items, list)
        for item in items
        if isinstance(item, dict)
        and isinstance(item.get("estimated_time_to_regain_access"), int | float)
    ]
    return max(estimates) if estimates else None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None
