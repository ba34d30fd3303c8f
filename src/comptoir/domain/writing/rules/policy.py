"""Promotional content where the delivery mechanism forbids it.

Meta: message tags "may not be used to send promotional content, including but not limited to:
deals, offers, coupons, and discounts"; utility templates must not contain marketing. Inside
the 24-hour window (RESPONSE, UPDATE) and in marketing messages, promotion is allowed. A
one-time notification must deliver what the person asked for, so an offer there is a warning.

A price alone is weak evidence (a receipt has one); it counts as promotion only beside
promotional wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from comptoir.domain.writing.messages import quote
from comptoir.domain.writing.model import NON_PROMOTIONAL, Language, Mechanism, Severity
from comptoir.domain.writing.patterns import PRICE_RE
from comptoir.domain.writing.rule import Draft, Hit

# Matched against the text with no-break spaces turned into plain ones (same length).
_PROMOTIONAL_RE = re.compile(
    r"\b(?:"
    r"promo codes?|codes? promo|"  # before "promo" alone
    # French
    r"soldes?|promos?|promotions?|promotionnel(?:le)?s?|r[ée]ductions?(?! d['’]imp[ôo]t)|rabais"
    r"|remises? (?:de \d+|exceptionnelles?|imm[ée]diates?|sp[ée]ciales?)"
    r"|bons? de r[ée]duction|coupons?|bons? plans?"
    r"|offres? (?:sp[ée]ciales?|exclusives?|limit[ée]es?|flash)|ventes? priv[ée]es?"
    r"|vente flash|d[ée]stockage|liquidation|(?:livraison|exp[ée]dition) gratuite"
    r"|frais de (?:port|livraison) offerts|profitez-en"
    r"|profitez de (?:nos|notre|cette|l['’]offre|la promo|\d)"
    r"|derni[èe]re chance|derniers? jours pour|jusqu['’]à -?\d+ ?%"
    r"|nouvelle collection|achetez|à saisir|pour seulement"
    r"|à prix (?:cassés?|réduits?|mini)|prix barrés?"
    # English
    r"|on sale|discounts?|discounted|coupons?|vouchers?"
    r"|deals?|special offers?|exclusive offers?|limited[- ]time"
    r"|shop now|buy now|order now|last chance|don['’]t miss (?:out|our|this (?:offer|deal|sale))"
    r"|hurry|free (?:shipping|delivery)|buy one get one|bogo"
    r"|new arrivals|new collection|clearance sale|save up to|\d+ ?% off"
    # Both
    r"|black friday|cyber monday"
    r")\b"
    r"|\bprofitez de -?\d+ ?%"
    r"|(?<![\w-])- ?\d+ ?%"  # "-20 %"
    r"|\bcode ?:? ?[A-Z][A-Z0-9]{3,}\b",  # "code BIENVENUE10"
    re.IGNORECASE,
)
#: "sale" is promotional in English only (in French it means dirty).
_ENGLISH_SALE_RE = re.compile(r"\bsale\b", re.IGNORECASE)
_DISCOUNT_PERCENT_RE = re.compile(
    r"(?<![\w.,])\d+(?:[.,]\d+)? ?% *(?:off|de r[ée]duction|de remise|offerts?)", re.IGNORECASE
)
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\t": " "})


def promotional_wording(text: str, language: Language = "en") -> list[re.Match[str]]:
    """Promotional words and discounts, in text order, without overlaps."""
    patterns = [_PROMOTIONAL_RE, _DISCOUNT_PERCENT_RE]
    if language == "en":
        patterns.append(_ENGLISH_SALE_RE)
    found = sorted(
        [match for pattern in patterns for match in pattern.finditer(text.translate(_SPACES))],
        key=lambda m: (m.start(), -m.end()),
    )
    kept: list[re.Match[str]] = []
    for match in found:
        if not kept or match.start() >= kept[-1].end():
            kept.append(match)
    return kept


def check_promotional(draft: Draft) -> Iterator[Hit]:
    if draft.mechanism in NON_PROMOTIONAL:
        strong = Severity.ERROR
    elif draft.mechanism is Mechanism.NOTIFICATION:
        strong = Severity.WARNING
    else:
        return
    mechanism = draft.say(f"mechanism.{draft.mechanism.value}")
    wording = promotional_wording(draft.text, draft.language)
    for match in wording:
        yield Hit(
            match.start(),
            match.end(),
            draft.say(
                "policy.promotional_content",
                text=quote(match.group(), draft.locale),
                mechanism=mechanism,
            ),
            draft.say(f"policy.promotional_content.fix.{draft.mechanism.value}"),
            severity=strong,
        )
    if draft.mechanism not in NON_PROMOTIONAL:
        return
    covered = [(m.start(), m.end()) for m in wording]
    for price in PRICE_RE.finditer(draft.text):
        if any(start <= price.start() < end for start, end in covered):
            continue
        yield Hit(
            price.start(),
            price.end(),
            draft.say(
                "policy.promotional_content.price",
                text=quote(price.group(), draft.locale),
                mechanism=mechanism,
            ),
            draft.say("policy.promotional_content.price.fix"),
            severity=Severity.ERROR if wording else Severity.WARNING,
        )


def _quoted(draft: Draft, match: re.Match[str]) -> str:
    return quote(draft.text[match.start() : match.end()], draft.locale)
