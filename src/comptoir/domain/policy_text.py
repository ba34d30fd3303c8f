"""Policy decisions in words, in English and French, with times in the reader's time zone.

    >>> describe(blocked, "Europe/Paris", "en")
    'The window closed 3 h ago; a human agent may still answer as HUMAN_AGENT until Tue
    14:02; a bot may not.'

Weekday and month names are spelled here, not taken from the process locale, so the text
is the same on every machine. Durations are rounded down ("3 h" for 3 h 59 min).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from comptoir.domain.policy_model import (
    Allowed,
    BlockCode,
    Blocked,
    Decision,
    Mechanism,
    SenderKind,
)
from comptoir.domain.policy_text_catalog import (
    ALLOWED,
    DAYS,
    FEATURES,
    INVALID,
    MECHANISMS,
    MONTHS,
    NEXT,
    NOT_YOU,
    NOTHING_UNTIL_THEY_WRITE,
    PROMO_WHERE,
    REASONS,
    SEPARATOR,
    TOKEN_KINDS,
)

Locale = Literal["en", "fr"]
_LOCALES: tuple[str, ...] = ("en", "fr")
_SHORT_SPAN = timedelta(days=6)
_WAIT_FOR_PERSON = frozenset(
    {
        BlockCode.WINDOW_CLOSED,
        BlockCode.NO_CONVERSATION,
        BlockCode.HUMAN_AGENT_EXPIRED,
        BlockCode.TAG_EXPIRED,
    }
)


def describe(decision: Decision, tz: str | tzinfo = "UTC", locale: str = "en") -> str:
    """One or a few sentences saying what may be sent, or why not and what may be instead."""
    if isinstance(decision, Allowed):
        return _allowed_text(decision, _zone(tz), _locale(locale))
    return _blocked_text(decision, _zone(tz), _locale(locale))


def reason_text(blocked: Blocked, tz: str | tzinfo = "UTC", locale: str = "en") -> str:
    """The reason alone, as one sentence."""
    lang = _locale(locale)
    return _sentence(_reason_clause(blocked, _zone(tz), lang), lang)


def _blocked_text(blocked: Blocked, zone: tzinfo, lang: Locale) -> str:
    clauses = [_reason_clause(blocked, zone, lang)]
    option = blocked.next_option
    if option is not None:
        clause = _next_clause(blocked, zone, lang)
        if clause:
            clauses.append(clause)
            if blocked.sender is not None and blocked.sender not in option.senders:
                clauses.append(NOT_YOU[lang][blocked.sender])
    elif blocked.code in _WAIT_FOR_PERSON:
        clauses.append(NOTHING_UNTIL_THEY_WRITE[lang])
    return _sentence(SEPARATOR[lang].join(clauses), lang)


def _reason_clause(blocked: Blocked, zone: tzinfo, lang: Locale) -> str:
    ref = _reference(blocked.decided_at)
    key = blocked.code.value
    if blocked.code is BlockCode.HUMAN_ONLY and blocked.since is None:
        key = "human_only_no_window"
    elif blocked.code is BlockCode.TOKEN_REGION and blocked.subject == "marketing_message":
        key = "token_region_paid"
    params = {
        "ago": _ago(ref - blocked.since, lang) if blocked.since else "",
        "since_date": _date(blocked.since, zone, lang) if blocked.since else "",
        "until": _when(blocked.until, ref, zone, lang) if blocked.until else "",
        "today": _date(ref, zone, lang),
        "subject": blocked.subject or "",
        "feature": FEATURES[lang].get(blocked.subject or "", blocked.subject or ""),
        "kind": TOKEN_KINDS[lang].get(blocked.subject or "", blocked.subject or ""),
        "mechanism": MECHANISMS[lang].get(blocked.subject or "", blocked.subject or ""),
        "where": PROMO_WHERE[lang].get(blocked.subject or "", blocked.subject or ""),
        "problem": INVALID[lang].get(blocked.subject or "", blocked.subject or ""),
        "graph": str(blocked.graph_error) if blocked.graph_error else "",
    }
    return REASONS[lang][key].format(**params)


def _next_clause(blocked: Blocked, zone: tzinfo, lang: Locale) -> str:
    option = blocked.next_option
    if option is None:
        return ""
    ref = _reference(blocked.decided_at)
    mechanism = option.mechanism
    key = mechanism.value
    if mechanism is Mechanism.TAG and SenderKind.BOT not in option.senders:
        key = "tag_humans"
    if option.not_before is not None:
        key += "_not_before"
    elif option.until is not None:
        key += "_until"
    template = NEXT[lang].get(key)
    if template is None:
        return ""
    return template.format(
        tag=option.tag or "",
        until=_when(option.until, ref, zone, lang) if option.until else "",
        not_before=_when(option.not_before, ref, zone, lang) if option.not_before else "",
    )


def _allowed_text(allowed: Allowed, zone: tzinfo, lang: Locale) -> str:
    ref = _reference(allowed.decided_at)
    key = allowed.mechanism.value
    if allowed.mechanism is Mechanism.WINDOW and allowed.messaging_type is None:
        key = "sender_action"
    if allowed.valid_until is not None:
        key += "_until"
    text = ALLOWED[lang][key].format(
        messaging_type=allowed.messaging_type.value if allowed.messaging_type else "",
        tag=allowed.tag or "",
        target=allowed.recipient_value or "",
        until=_when(allowed.valid_until, ref, zone, lang) if allowed.valid_until else "",
    )
    return _sentence(text, lang)


def _sentence(text: str, lang: Locale) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _reference(decided_at: datetime | None) -> datetime:
    if decided_at is None:
        raise ValueError("the decision has no decided_at; build it with policy.decide")
    return decided_at


def _zone(tz: str | tzinfo) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}; use an IANA name like Europe/Paris") from exc


def _locale(locale: str) -> Locale:
    if locale == "en":
        return "en"
    if locale == "fr":
        return "fr"
    raise ValueError(f"unsupported locale {locale!r}; use one of {', '.join(_LOCALES)}")


def _ago(delta: timedelta, lang: Locale) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return "less than a minute" if lang == "en" else "moins d'une minute"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} {'d' if lang == 'en' else 'j'}"


def _when(moment: datetime, ref: datetime, zone: tzinfo, lang: Locale) -> str:
    """A weekday and a time when ``moment`` is within six days of ``ref``; else a full date."""
    local = moment.astimezone(zone)
    day = DAYS[lang][local.weekday()]
    clock = f"{local:%H:%M}"
    short = abs(moment - ref) <= _SHORT_SPAN
    if lang == "en":
        return f"{day} {clock}" if short else f"{day} {_date(moment, zone, lang)} {clock}"
    return f"{day} à {clock}" if short else f"{day} {_date(moment, zone, lang)} à {clock}"


def _date(moment: datetime, zone: tzinfo, lang: Locale) -> str:
    local = moment.astimezone(zone)
    return f"{local.day} {MONTHS[lang][local.month - 1]} {local.year}"


__all__ = ["describe", "reason_text"]
