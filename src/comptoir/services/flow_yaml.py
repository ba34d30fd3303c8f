"""Reading flow files: YAML whose mappings and lists remember the line of each entry, and
small readers that raise ``EntryError`` with the line and a plain sentence.

Only PyYAML's safe constructors are used (no Python objects from files); a key given twice
in one mapping is an error, not a silent overwrite.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import yaml
from yaml.events import AliasEvent, Event
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from comptoir.domain.automation.text import Localized

LOCALE = re.compile(r"^[a-z]{2}(_[A-Z]{2})?$")
_BOOL, _INT, _FLOAT = (f"tag:yaml.org,2002:{kind}" for kind in ("bool", "int", "float"))
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?:in)?)?(?:(\d+)s)?$")


class EntryError(Exception):
    """A problem at ``line`` (1-based) of the file being read."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class LocatedDict(dict[str, Any]):
    """A YAML mapping: ``line`` of the mapping, ``lines[key]`` of each value."""

    line: int
    lines: dict[str, int]

    def at(self, key: str) -> int:
        return self.lines.get(key, self.line)


class LocatedList(list[Any]):
    """A YAML list: ``line`` of the list, ``lines[i]`` of each item."""

    line: int
    lines: list[int]


class _Loader(yaml.SafeLoader):
    """YAML 1.2's plain scalars: only true/false are booleans (``yes``, ``no``, ``on`` stay
    words) and ``10:30`` stays text instead of becoming a base-60 number."""

    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML's own class attribute
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _INT, _FLOAT)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        """Aliases (``*name``) are refused: they add nothing a flow needs, and nested ones can
        make a small file expand without limit."""
        if self.check_event(AliasEvent):
            event: Event = self.peek_event()  # type: ignore[no-untyped-call]
            line = event.start_mark.line + 1 if event.start_mark is not None else 1
            raise EntryError(line, "aliases (*name) are not allowed")
        return super().compose_node(parent, index)


_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(_INT, re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


def _construct_bool(loader: _Loader, node: Node) -> bool:
    assert isinstance(node, ScalarNode)
    return str(node.value).lower() == "true"


def _construct_mapping(loader: _Loader, node: Node) -> LocatedDict:
    assert isinstance(node, MappingNode)
    loader.flatten_mapping(node)
    result = LocatedDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str | int | float | bool):
            raise EntryError(line, "a key must be a plain word")
        key = str(key)
        if key in result:
            raise EntryError(line, f"{key!r} is given twice in the same mapping")
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = value_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: Node) -> LocatedList:
    assert isinstance(node, SequenceNode)
    result = LocatedList(loader.construct_object(item, deep=True) for item in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [item.start_mark.line + 1 for item in node.value]
    return result


_Loader.add_constructor(_BOOL, _construct_bool)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_yaml(source: str) -> object:
    """The document in ``source``; ``EntryError`` for YAML that does not parse."""
    try:
        return yaml.load(source, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except EntryError:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise EntryError(line, f"not valid YAML: {error.problem or error}") from error
    except yaml.YAMLError as error:
        raise EntryError(1, f"not valid YAML: {error}") from error


# -- readers ----------------------------------------------------------------------------------


def mapping(value: object, line: int, what: str) -> LocatedDict:
    if not isinstance(value, LocatedDict):
        raise EntryError(line, f"{what} must be a mapping (key: value lines)")
    return value


def items(value: object, line: int, what: str) -> LocatedList:
    if not isinstance(value, LocatedList):
        raise EntryError(line, f"{what} must be a list (lines starting with '- ')")
    return value


def string(value: object, line: int, what: str) -> str:
    """Text; numbers are accepted as their digits (payloads, ad ids)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise EntryError(line, f"{what} must be text")
    text = str(value).strip()
    if not text:
        raise EntryError(line, f"{what} is empty")
    return text


def number(value: object, line: int, what: str, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EntryError(line, f"{what} must be a number")
    if not low <= value <= high:
        raise EntryError(line, f"{what} must be between {low:g} and {high:g}, not {value:g}")
    return float(value)


def duration(value: object, line: int, what: str) -> timedelta:
    """ "30s", "15m", "2h", "1h30m", "1d"."""
    text = value if isinstance(value, str) else ""
    found = _DURATION.match(text.replace(" ", ""))
    if not text or found is None:
        raise EntryError(line, f"{what} must be a duration like 30m, 2h or 1h30m, not {value!r}")
    days, hours, minutes, seconds = (int(part or 0) for part in found.groups())
    delay = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if delay <= timedelta(0):
        raise EntryError(line, f"{what} must be longer than zero")
    return delay


def localized(value: object, line: int, what: str, default: str) -> Localized:
    """A plain string (in the flow's default language) or ``{fr: ..., en: ...}``."""
    if isinstance(value, str):
        return Localized.of(string(value, line, what), default)
    if not isinstance(value, Mapping):
        raise EntryError(line, f"{what} must be text or a mapping of languages (fr: ..., en: ...)")
    texts: dict[str, str] = {}
    for locale, text in value.items():
        at = value.lines.get(locale, line) if isinstance(value, LocatedDict) else line
        if not LOCALE.match(locale):
            raise EntryError(at, f"{what}: {locale!r} is not a language code like fr or en")
        texts[locale] = string(text, at, f"{what} ({locale})")
    if not texts:
        raise EntryError(line, f"{what} has no text")
    if default not in texts:
        raise EntryError(line, f"{what} has no {default!r} text (the flow's default language)")
    return Localized.of(texts, default)


def only_keys(data: LocatedDict, allowed: set[str], what: str) -> None:
    for key in data:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            raise EntryError(data.at(key), f"{what}: unknown key {key!r}; expected one of {known}")
