"""Segments: saved filters over a workspace's contacts (compiled to SQL in ``storage``).

Every condition given must hold (AND); an empty filter is every contact. As JSON::

    {"page_id": 12,
     "labels_all": ["vip"], "labels_any": ["lyon", "paris"], "labels_none": ["staff"],
     "fields": [{"name": "city", "op": "eq", "value": "Lyon"}],
     "topics_in": ["promotions"], "topics_not_out": ["news"],
     "locales": ["fr"], "sources": ["ad", "mme_ref"],
     "interacted_within_days": 30, "not_interacted_within_days": 90,
     "blocked": false}

``topics_in``: opted in to each topic (and not opted out of everything since);
``topics_not_out``: not opted out of the topic nor of everything. ``locales``: "fr" matches
"fr" and "fr_FR"; "fr_FR" matches only itself. Interaction is the person's last message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from comptoir.domain.consent import ConsentError, check_topic

#: ``contacts.source`` values the intake writes.
SOURCES = (
    "message",
    "get_started",
    "mme_ref",
    "ad",
    "qr",
    "chat_plugin",
    "discover",
    "referral",
    "optin",
    "comment",
)
MAX_ITEMS = 50
MAX_DAYS = 3650
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
_LOCALE = re.compile(r"^[a-z]{2,3}([_-][A-Za-z]{2,4})?$")
_KEYS = frozenset(
    {
        "page_id",
        "labels_all",
        "labels_any",
        "labels_none",
        "fields",
        "topics_in",
        "topics_not_out",
        "locales",
        "sources",
        "interacted_within_days",
        "not_interacted_within_days",
        "blocked",
    }
)


class SegmentError(ValueError):
    """A filter that cannot be used; the message says which part and why."""


class FieldOp(StrEnum):
    EQ = "eq"
    NE = "ne"
    CONTAINS = "contains"
    EXISTS = "exists"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class FieldCondition:
    name: str
    op: FieldOp
    value: str | None = None


@dataclass(frozen=True, slots=True)
class SegmentFilter:
    page_id: int | None = None
    labels_all: tuple[str, ...] = ()
    labels_any: tuple[str, ...] = ()
    labels_none: tuple[str, ...] = ()
    fields: tuple[FieldCondition, ...] = field(default=())
    topics_in: tuple[str, ...] = ()
    topics_not_out: tuple[str, ...] = ()
    locales: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    interacted_within_days: int | None = None
    not_interacted_within_days: int | None = None
    blocked: bool | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.page_id is not None:
            data["page_id"] = self.page_id
        for key in (
            "labels_all",
            "labels_any",
            "labels_none",
            "topics_in",
            "topics_not_out",
            "locales",
            "sources",
        ):
            values = getattr(self, key)
            if values:
                data[key] = list(values)
        if self.fields:
            data["fields"] = [
                {"name": f.name, "op": f.op.value}
                | ({"value": f.value} if f.value is not None else {})
                for f in self.fields
            ]
        for key in ("interacted_within_days", "not_interacted_within_days", "blocked"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


def parse_filter(data: Any) -> SegmentFilter:
    """A filter from its JSON form; raises ``SegmentError`` naming the bad part."""
    if data is None:
        return SegmentFilter()
    if not isinstance(data, Mapping):
        raise SegmentError("a filter is a JSON object")
    unknown = sorted(str(key) for key in data if key not in _KEYS)
    if unknown:
        raise SegmentError(
            f"unknown filter key {unknown[0]!r}; known keys: {', '.join(sorted(_KEYS))}"
        )
    return SegmentFilter(
        page_id=_page(data.get("page_id")),
        labels_all=_names(data, "labels_all"),
        labels_any=_names(data, "labels_any"),
        labels_none=_names(data, "labels_none"),
        fields=_fields(data.get("fields")),
        topics_in=_topics(data, "topics_in"),
        topics_not_out=_topics(data, "topics_not_out"),
        locales=_locales(data.get("locales")),
        sources=_sources(data.get("sources")),
        interacted_within_days=_days(data, "interacted_within_days"),
        not_interacted_within_days=_days(data, "not_interacted_within_days"),
        blocked=_flag(data.get("blocked")),
    )


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SegmentError(f"{key} is a list")
    if len(value) > MAX_ITEMS:
        raise SegmentError(f"{key} has at most {MAX_ITEMS} items")
    return value


def _names(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    names = []
    for value in _list(data, key):
        if not isinstance(value, str) or not _NAME.match(value):
            raise SegmentError(
                f"{key}: {str(value)[:40]!r} is not a label name (letters, digits, '_', '.', '-')"
            )
        names.append(value)
    return tuple(dict.fromkeys(names))


def _topics(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    topics = []
    for value in _list(data, key):
        if not isinstance(value, str):
            raise SegmentError(f"{key}: a topic is a string")
        try:
            topics.append(check_topic(value))
        except ConsentError as exc:
            raise SegmentError(f"{key}: {exc}") from None
    return tuple(dict.fromkeys(topics))


def _fields(value: Any) -> tuple[FieldCondition, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise SegmentError("fields is a list of {name, op, value}")
    if len(value) > MAX_ITEMS:
        raise SegmentError(f"fields has at most {MAX_ITEMS} items")
    found = []
    for item in value:
        if not isinstance(item, Mapping):
            raise SegmentError("fields is a list of {name, op, value}")
        name = item.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise SegmentError(f"fields: {str(name)[:40]!r} is not a field name")
        try:
            op = FieldOp(item.get("op", "eq"))
        except ValueError:
            ops = ", ".join(op.value for op in FieldOp)
            raise SegmentError(f"fields: op is one of {ops}") from None
        raw = item.get("value")
        if op in (FieldOp.EXISTS, FieldOp.MISSING):
            found.append(FieldCondition(name, op))
            continue
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise SegmentError(f"fields: {name} {op.value} needs a text or number value")
        text = str(raw)
        if len(text) > 500:
            raise SegmentError("fields: a value has at most 500 characters")
        found.append(FieldCondition(name, op, text))
    return tuple(found)


def _locales(value: Any) -> tuple[str, ...]:
    items = _list({"locales": value}, "locales")
    for item in items:
        if not isinstance(item, str) or not _LOCALE.match(item):
            raise SegmentError(f"locales: {str(item)[:20]!r} is not a locale (fr, fr_FR)")
    return tuple(dict.fromkeys(items))


def _sources(value: Any) -> tuple[str, ...]:
    items = _list({"sources": value}, "sources")
    for item in items:
        if item not in SOURCES:
            raise SegmentError(f"sources: {str(item)[:40]!r} is not one of {', '.join(SOURCES)}")
    return tuple(dict.fromkeys(items))


def _days(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_DAYS:
        raise SegmentError(f"{key} is a whole number of days from 1 to {MAX_DAYS}")
    return value


def _page(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise SegmentError("page_id is a Page's id in Comptoir (a positive whole number)")
    return value


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise SegmentError("blocked is true or false")
