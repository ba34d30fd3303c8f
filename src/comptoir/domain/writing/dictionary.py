"""The port the spelling rule reads words through. The rules stay pure: whoever builds the
checker passes one ``Dictionary`` per language (``comptoir.writing_dictionaries`` has the
implementation over pyspellchecker's bundled dictionaries)."""

from __future__ import annotations

from typing import Protocol


class Dictionary(Protocol):
    """Words are given lower-cased, with straight apostrophes (``aujourd'hui``)."""

    def known(self, word: str) -> bool:
        """Whether ``word`` is spelled correctly."""
        ...

    def suggest(self, word: str) -> str | None:
        """The most likely correct spelling of an unknown ``word``, if any."""
        ...
