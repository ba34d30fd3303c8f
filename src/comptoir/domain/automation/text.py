"""Translated text: one string per locale, with a fallback, and ``{{field}}`` placeholders."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

LOCALES: tuple[str, ...] = ("fr", "en")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
#: a placeholder with the space before it, which goes too when the value is empty
_FILLED = re.compile(r"( ?)\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True, slots=True)
class Localized:
    """Text per language ("fr", "en"); ``default`` is the language used when the contact's
    has no translation."""

    texts: tuple[tuple[str, str], ...]
    default: str

    def __post_init__(self) -> None:
        if not self.texts:
            raise ValueError("a text needs at least one translation")
        if self.default not in dict(self.texts):
            raise ValueError(f"no {self.default!r} translation for the default language")

    @classmethod
    def of(cls, value: str | Mapping[str, str], default: str = "fr") -> Localized:
        """A plain string (the default language) or a mapping locale -> text."""
        if isinstance(value, str):
            return cls(((default, value),), default)
        chosen = default if default in value else next(iter(value), default)
        return cls(tuple(value.items()), chosen)

    def pick(self, locale: str | None) -> str:
        """The translation for ``locale`` ("fr_FR" and "fr" both pick "fr"), else the default."""
        texts = dict(self.texts)
        if locale:
            language = locale.replace("-", "_").split("_")[0].lower()
            if locale in texts:
                return texts[locale]
            if language in texts:
                return texts[language]
        return texts[self.default]

    def all(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.texts)


def fill(text: str, values: Mapping[str, str]) -> str:
    """``{{name}}`` replaced by ``values["name"]``; an unknown or empty one disappears with
    the space before it ("Bonjour {{first_name}} !" -> "Bonjour !")."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(2), "")
        return match.group(1) + found if found else ""

    return _FILLED.sub(value, text)


def placeholders(text: str) -> tuple[str, ...]:
    return tuple(match.group(1) for match in _PLACEHOLDER.finditer(text))
