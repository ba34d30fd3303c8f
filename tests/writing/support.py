"""Helpers for the writing tests: run the checker through the service (real dictionaries)
and pick findings by rule."""

from __future__ import annotations

from comptoir.domain.writing import CheckResult, Finding
from comptoir.services import writing


def check(text: str, **options: object) -> CheckResult:
    return writing.check_message(text, **options)  # type: ignore[arg-type]


def found(result: CheckResult, rule_id: str) -> list[Finding]:
    return [f for f in result.findings if f.rule_id == rule_id]


def spans(result: CheckResult, rule_id: str) -> list[str]:
    """The text each finding of ``rule_id`` points at (message findings only)."""
    return [result.text[f.start : f.end] for f in found(result, rule_id) if f.target == "text"]


def rule_ids(result: CheckResult) -> set[str]:
    return {f.rule_id for f in result.findings}
