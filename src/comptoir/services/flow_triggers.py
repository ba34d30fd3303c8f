"""Reading a flow file's triggers (see ``docs/flows.md``)."""

from __future__ import annotations

from comptoir.domain.automation.keywords import KeywordRule
from comptoir.domain.automation.model import (
    AdTrigger,
    GetStartedTrigger,
    KeywordTrigger,
    PostbackTrigger,
    QuickReplyTrigger,
    RefTrigger,
    Trigger,
)
from comptoir.services.flow_yaml import EntryError, LocatedList, mapping, string


def read_trigger(value: object, line: int) -> Trigger:
    """One item of a flow's ``triggers:`` list."""
    if value == "get_started":
        return GetStartedTrigger()
    data = mapping(value, line, "a trigger")
    if len(data) != 1:
        raise EntryError(line, "a trigger has one kind: keyword, postback, quick_reply, ref or ad")
    [(kind, argument)] = data.items()
    at = data.at(kind)
    match kind:
        case "keyword":
            phrases = argument if isinstance(argument, LocatedList) else [argument]
            texts = tuple(string(p, at, "a keyword") for p in phrases)
            try:
                return KeywordTrigger(KeywordRule(texts))
            except ValueError as error:
                raise EntryError(at, str(error)) from error
        case "postback":
            return PostbackTrigger(string(argument, at, "a postback payload"))
        case "quick_reply":
            return QuickReplyTrigger(string(argument, at, "a quick reply payload"))
        case "ref":
            return RefTrigger(string(argument, at, "an m.me ref"))
        case "ad":
            ad_id = string(argument, at, "an ad id")
            return AdTrigger(None if ad_id == "any" else ad_id)
    raise EntryError(
        line,
        f"unknown trigger {kind!r}; expected get_started, keyword, postback, quick_reply, "
        "ref or ad",
    )
