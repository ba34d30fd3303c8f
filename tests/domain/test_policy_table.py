"""The policy table, row by row: ``decide`` gives the expected outcome for every case."""

from __future__ import annotations

import pytest

from comptoir.domain.policy import decide, describe
from comptoir.domain.policy_model import Allowed, Blocked, Decision, SenderKind
from tests.domain.policy_cases import CASES, PolicyCase


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_policy_case(case: PolicyCase) -> None:
    decision = decide(case.request, case.state, case.page, case.now)

    assert _outcome(decision) == _expected(case)
    if isinstance(decision, Blocked):
        # What the engine predicts Meta answers is what the table says Meta answers.
        assert decision.graph_error == case.meta
        assert decision.reason.endswith(".")
        assert decision.sender is case.request.sender
    else:
        assert case.meta is None, "an allowed case must be one Meta accepts"
    assert decision.decided_at == case.now


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
@pytest.mark.parametrize("locale", ["en", "fr"])
def test_every_case_reads_as_a_sentence(case: PolicyCase, locale: str) -> None:
    decision = decide(case.request, case.state, case.page, case.now)

    text = describe(decision, "Europe/Paris", locale)

    assert text[0].isupper()
    assert text.endswith(".")
    assert "{" not in text
    assert "  " not in text


def test_table_covers_every_sender_and_both_outcomes() -> None:
    senders = {case.request.sender for case in CASES}
    outcomes = {case.expect.allowed for case in CASES}
    assert senders == set(SenderKind)
    assert outcomes == {True, False}
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


def _outcome(decision: Decision) -> tuple[object, ...]:
    if isinstance(decision, Allowed):
        return (
            True,
            decision.mechanism,
            decision.messaging_type,
            decision.tag,
            decision.recipient,
        )
    next_mechanism = decision.next_option.mechanism if decision.next_option else None
    return (False, decision.code, next_mechanism)


def _expected(case: PolicyCase) -> tuple[object, ...]:
    expect = case.expect
    if expect.allowed:
        return (True, expect.mechanism, expect.messaging_type, expect.tag, expect.recipient)
    return (False, expect.code, expect.next_mechanism)
