"""The pyspellchecker adapter: bundled word lists (nothing downloaded), everyday business
words, British spellings, corrections that prefer the right accents."""

from __future__ import annotations

import socket

import pytest

from comptoir.services import writing
from comptoir.writing_dictionaries import SpellcheckerDictionary, british_variants


def test_loading_and_suggesting_use_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the dictionaries must not reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)

    french = SpellcheckerDictionary("fr", extra_words=["glowlift"])

    assert french.known("équipe")
    assert french.known("glowlift")
    assert french.suggest("comande") == "commande"


@pytest.mark.parametrize(
    ("language", "word", "known"),
    [
        ("fr", "aujourd'hui", True),
        ("fr", "rendez-vous", True),
        ("fr", "rdv", True),
        ("fr", "e-mail", True),
        ("fr", "comande", False),
        ("en", "colour", True),
        ("en", "organised", True),
        ("en", "centre", True),
        ("en", "travelling", True),
        ("en", "catalogue", True),
        ("en", "we're", True),
        ("en", "nonprofit", True),
        ("en", "recieve", False),
    ],
)
def test_known_words(language: str, word: str, known: bool) -> None:
    assert writing.dictionaries()[language].known(word) is known  # type: ignore[index]


@pytest.mark.parametrize(
    ("language", "word", "fixed"),
    [
        ("fr", "deja", "déjà"),  # accents only: straight to the accented word
        ("fr", "interesse", "intéressé"),
        ("fr", "disponnible", "disponible"),
        ("fr", "magazin", "magasin"),
        ("en", "tommorow", "tomorrow"),
        ("en", "adress", "address"),
        ("en", "xqzvbw", None),
    ],
)
def test_suggestions(language: str, word: str, fixed: str | None) -> None:
    assert writing.dictionaries()[language].suggest(word) == fixed  # type: ignore[index]


def test_british_variants() -> None:
    assert british_variants("favourite") == ["favorite"]
    assert british_variants("organisation") == ["organization"]
    assert british_variants("cancelled") == ["canceled"]
    assert british_variants("shop") == []
