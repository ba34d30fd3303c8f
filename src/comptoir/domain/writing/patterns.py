"""Patterns several rules share: prices, times, dates (French and English)."""

from __future__ import annotations

import re

_AMOUNT = r"\d{1,3}(?:[ \u00a0\u202f.,]\d{3})*(?:[.,]\d{1,2})?"
PRICE_RE = re.compile(
    rf"(?<![\w.,])(?:{_AMOUNT}[ \u00a0\u202f]?(?:€|euros?\b|EUR\b|\$|USD\b|£|GBP\b|CHF\b|CAD\b)"
    rf"|(?:€|\$|£)[ \u00a0\u202f]?{_AMOUNT})",
    re.IGNORECASE,
)

_MONTHS = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
    "novembre|décembre|decembre|january|february|march|april|may|june|july|august|"
    "september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
TIME_RE = re.compile(
    r"(?<![\w:])(?:\d{1,2}[ \u00a0]?h[ \u00a0]?(?:\d{2})?|\d{1,2}:\d{2}(?:[ \u00a0]?[ap]\.?m\.?)?"
    r"|\d{1,2}[ \u00a0]?[ap]\.?m\.?)(?![\w:])",
    re.IGNORECASE,
)
DATE_RE = re.compile(
    rf"(?<![\w/.])(?:\d{{1,2}}[/.]\d{{1,2}}(?:[/.]\d{{2,4}})?(?![\w/])"
    rf"|\d{{1,2}}(?:er|st|nd|rd|th)?[ \u00a0](?:{_MONTHS})\b"
    rf"|(?:{_MONTHS})\.?[ \u00a0]\d{{1,2}}(?:st|nd|rd|th)?\b)",
    re.IGNORECASE,
)
PERCENT_RE = re.compile(r"(?<![\w.,])-?\d+(?:[.,]\d+)?[ \u00a0\u202f]?%")


def key_information(text: str) -> list[re.Match[str]]:
    """Times, dates, prices and percentages: what a reader looks for first, in text order."""
    found = [
        match
        for pattern in (TIME_RE, DATE_RE, PRICE_RE, PERCENT_RE)
        for match in pattern.finditer(text)
    ]
    return sorted(found, key=lambda m: m.start())
