"""No false alarm: 50 well-written business messages in each language (shop, salon,
nonprofit, appointments, shipping) get no warning or error under RESPONSE.

One message per line; ``\\n`` in a line stands for a line break.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from comptoir.domain.writing import CheckResult, Severity
from tests.writing.support import check

HERE = Path(__file__).parent


def corpus(language: str) -> list[str]:
    lines = (HERE / f"corpus_{language}.txt").read_text(encoding="utf-8").splitlines()
    return [line.replace("\\n", "\n") for line in lines if line.strip()]


def _problems(result: CheckResult) -> list[str]:
    return [
        f"{f.rule_id} {result.text[f.start : f.end]!r}: {f.message}"
        for f in result.findings
        if f.severity is not Severity.INFO
    ]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_corpus_has_fifty_messages_with_accents_apostrophes_and_emoji(language: str) -> None:
    messages = corpus(language)

    assert len(messages) == 50
    assert any("’" in m for m in messages)
    assert any(ord(c) > 0x1F000 for m in messages for c in m)  # a few emoji
    assert any("\n" in m for m in messages)  # some in paragraphs
    if language == "fr":
        assert sum(any(c in "éèàçêô" for c in m) for m in messages) > 40


@pytest.mark.parametrize(
    ("language", "text"),
    [(language, text) for language in ("fr", "en") for text in corpus(language)],
)
def test_no_warning_or_error_on_a_well_written_message(language: str, text: str) -> None:
    result = check(text)

    assert result.language == language
    assert _problems(result) == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_hints_stay_rare_on_the_corpus(language: str) -> None:
    hints = [f for text in corpus(language) for f in check(text).findings]

    assert len(hints) <= 2
