"""Reading one field of a request object, with Graph's error when it is wrong.

``name`` is always the parameter's full Graph name (``message[quick_replies][2][title]``), so
the error says exactly which value is at fault.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from comptoir.emulator import catalogue


def obj(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise catalogue.param_must_be(name, "a JSON object")
    return value


def text(
    parent: dict[str, Any],
    key: str,
    name: str,
    *,
    required: bool = False,
    max_len: int | None = None,
    allow_empty: bool = False,
) -> str | None:
    """A string field; numbers are accepted and read as strings (Graph does the same)."""
    value = parent.get(key)
    if value is None:
        if required:
            raise catalogue.missing_parameter(name)
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise catalogue.param_must_be(name, "a string")
    result = value if isinstance(value, str) else str(value)
    if not result and not allow_empty:
        if required:
            raise catalogue.missing_parameter(name)
        return None
    if max_len is not None and len(result) > max_len:
        raise catalogue.param_too_long(name, max_len)
    return result


def required_text(parent: dict[str, Any], key: str, name: str, max_len: int | None = None) -> str:
    value = text(parent, key, name, required=True, max_len=max_len)
    assert value is not None
    return value


def items(
    parent: dict[str, Any],
    key: str,
    name: str,
    *,
    required: bool = False,
    minimum: int = 0,
    maximum: int | None = None,
) -> list[Any] | None:
    """A list field with its count limits."""
    value = parent.get(key)
    if value is None:
        if required:
            raise catalogue.missing_parameter(name)
        return None
    if not isinstance(value, list):
        raise catalogue.param_must_be(name, "an array")
    if len(value) < minimum:
        raise catalogue.param_too_few(name, minimum)
    if maximum is not None and len(value) > maximum:
        raise catalogue.param_too_many(name, maximum)
    return value


def choice(
    parent: dict[str, Any],
    key: str,
    name: str,
    allowed: tuple[str, ...],
    *,
    required: bool = False,
    upper: bool = False,
) -> str | None:
    """An enum field; ``upper`` compares upper-cased (``typing_on`` reads as ``TYPING_ON``)."""
    value = parent.get(key)
    if value is None:
        if required:
            raise catalogue.missing_parameter(name)
        return None
    candidate = value.upper() if upper and isinstance(value, str) else value
    if candidate not in allowed:
        raise catalogue.param_one_of(name, allowed, value)
    assert isinstance(candidate, str)
    return candidate


def flag(parent: dict[str, Any], key: str, name: str) -> bool:
    value = parent.get(key, False)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise catalogue.param_must_be(name, "a boolean")
    return value


def url(
    parent: dict[str, Any], key: str, name: str, *, required: bool = False, https: bool = False
) -> str | None:
    """An absolute http(s) URL (https only when ``https``)."""
    value = text(parent, key, name, required=required)
    if value is None:
        return None
    check_url(value, name, https=https)
    return value


def check_url(value: str, name: str, *, https: bool = False) -> str:
    """The URL's host; raises when ``value`` is not an absolute http(s) URL."""
    try:
        parts = urlsplit(value)
    except ValueError:
        raise catalogue.param_must_be(name, "a valid URL") from None
    schemes = ("https",) if https else ("http", "https")
    if parts.scheme.lower() not in schemes or not parts.hostname:
        raise catalogue.param_must_be(name, "a valid HTTPS URL" if https else "a valid URL")
    return parts.hostname.lower()


def numeric_id(value: Any) -> str | None:
    """A Graph id given as a number or a string of digits, as a string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return str(value)
    if isinstance(value, str) and value.isdigit():
        return value
    return None


def number(parent: dict[str, Any], key: str, name: str, *, required: bool = False) -> float | None:
    value = parent.get(key)
    if value is None:
        if required:
            raise catalogue.missing_parameter(name)
        return None
    if isinstance(value, bool):
        raise catalogue.param_must_be(name, "a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise catalogue.param_must_be(name, "a number")
