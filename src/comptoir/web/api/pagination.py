"""Keyset pagination with opaque cursors.

A list answers ``{"data": [...], "next_cursor": "..." | null}``; passing ``cursor`` back gets
the next page. The cursor is the position of the last item (an id, or a time and an id),
encoded with the list's name so a cursor from one list is refused by another. Keyset pages
stay correct while new items arrive, unlike offsets.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from comptoir.web.api.errors import BadRequestError

Item = TypeVar("Item")

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
#: The largest id a 64-bit column holds; larger ones in paths or cursors are refused early.
MAX_ID = 2**63 - 1


class Paginated(BaseModel, Generic[Item]):
    data: list[Item]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page."
    )


def encode_cursor(kind: str, *position: Any) -> str:
    raw = json.dumps([kind, *position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid() -> BadRequestError:
    return BadRequestError(
        "cursor: not a cursor this list gave out; use next_cursor from the previous page",
        code="invalid_cursor",
        field="cursor",
    )


def decode_cursor(kind: str, cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError):
        raise _invalid() from None
    if not isinstance(value, list) or not value or value[0] != kind:
        raise _invalid()
    return value[1:]


def decode_id_cursor(kind: str, cursor: str) -> int:
    position = decode_cursor(kind, cursor)
    if len(position) != 1 or not _is_id(position[0]):
        raise _invalid()
    return int(position[0])


def decode_time_id_cursor(kind: str, cursor: str) -> tuple[datetime, int]:
    position = decode_cursor(kind, cursor)
    if len(position) != 2 or not isinstance(position[0], str) or not _is_id(position[1]):
        raise _invalid()
    try:
        moment = datetime.fromisoformat(position[0])
    except ValueError:
        raise _invalid() from None
    if moment.tzinfo is None:
        raise _invalid()
    return moment, int(position[1])


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
