"""Telling French from English without any model: common short words, accents, elisions and
English contractions are enough for business messages."""

from __future__ import annotations

import re

from comptoir.domain.writing.model import Language
from comptoir.domain.writing.tokens import normalise_apostrophes, words

# Words frequent in one language and rare in the other ("a", "on", "en", "son" are left out).
_FRENCH = """
    le la les de des du un une et est sont vous votre vos nous notre nos pour avec sur dans
    pas que qui au aux ce cette ces il elle ils elles mais ou où si ne se sa ses leur leurs
    par été être avoir très plus bien merci bonjour bonsoir demain aujourd'hui je tu mon ma
    mes ton ta chez commande rendez-vous n'hésitez jusqu'au c'est d'un d'une l'équipe
    à ça déjà après avant entre lors dès
"""
_ENGLISH = """
    the and is are you your we our for with in not that which to of at it this be will
    have has thank thanks hello hi please can if or but by from just they their there
    what when where who how was were been would could should my me us an order today
    tomorrow here we're you're it's don't can't we'll you'll i'm let's
"""
_FRENCH_WORDS = frozenset(_FRENCH.split())
_ENGLISH_WORDS = frozenset(_ENGLISH.split())
_FRENCH_ACCENTS_RE = re.compile("[éèêëàâîïôûùçœÉÈÊÀÇ]")
_FRENCH_ELISION_RE = re.compile(r"\b(?:[ldjnsctm]|qu|jusqu|lorsqu|puisqu)['’]\w", re.IGNORECASE)
_ENGLISH_CONTRACTION_RE = re.compile(r"\w['’](?:s|re|ll|ve|d|m|t)\b", re.IGNORECASE)


def language_scores(text: str) -> dict[Language, float]:
    french = 0.0
    english = 0.0
    for token in words(text):
        word = normalise_apostrophes(token.text.lower())
        french += word in _FRENCH_WORDS
        english += word in _ENGLISH_WORDS
    french += 0.5 * min(len(_FRENCH_ACCENTS_RE.findall(text)), 10)
    french += len(_FRENCH_ELISION_RE.findall(text))
    english += len(_ENGLISH_CONTRACTION_RE.findall(text))
    return {"fr": french, "en": english}


def detect_language(text: str, default: Language = "en") -> Language:
    """The message's language, ``default`` when nothing tells them apart."""
    scores = language_scores(text)
    if scores["fr"] == scores["en"]:
        return default
    return "fr" if scores["fr"] > scores["en"] else "en"
