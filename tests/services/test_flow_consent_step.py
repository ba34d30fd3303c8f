"""The ``consent`` flow step: read from YAML, asked with two quick replies, and the answer
turned into an opt-in or opt-out carrying the question and the answer."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from comptoir.domain.automation import Answer, FlowContext, SendQuickReplies, advance, start
from comptoir.domain.automation import actions as act
from comptoir.domain.automation.engine import FlowState
from comptoir.domain.automation.model import Flow
from comptoir.services.flow_files import FlowFilesError, read_folder

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

FLOW = """
    flow: promos
    triggers:
      - keyword: promo
    steps:
      - id: ask
        consent: promotions
        question: {fr: "Des promos, {{first_name}} ?", en: "Offers, {{first_name}}?"}
      - send: {fr: Merci, en: Thanks}
"""


def _flow(tmp_path: Path, text: str = FLOW) -> Flow:
    (tmp_path / "f.yaml").write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    (flow,) = read_folder(tmp_path).flows
    return flow


def test_the_question_offers_yes_and_no_in_the_contact_language(tmp_path: Path) -> None:
    flow = _flow(tmp_path)
    context = FlowContext(now=NOW, locale="en_GB", fields={"first_name": "Ann"})
    state, actions = start(flow, context)
    (question,) = actions
    assert isinstance(question, SendQuickReplies)
    assert question.text == "Offers, Ann?"
    assert [q.title for q in question.replies] == ["Yes", "No"]
    assert state is not None
    _, after = advance(flow, state, Answer("Yes", question.replies[0].payload), context)
    subscribe = next(a for a in after if isinstance(a, act.Subscribe))
    assert (subscribe.topic, subscribe.wording, subscribe.answer) == (
        "promotions",
        "Offers, Ann?",
        "Yes",
    )
    assert act.SetField("consent_promotions", "Oui") in after


@pytest.mark.parametrize(("typed", "kind"), [("non", act.Unsubscribe), ("OUI", act.Subscribe)])
def test_a_typed_answer_counts_and_anything_else_asks_again(
    tmp_path: Path, typed: str, kind: type
) -> None:
    flow = _flow(tmp_path)
    context = FlowContext(now=NOW, locale="fr_FR", fields={"first_name": "Léa"})
    state = FlowState("promos", "ask")
    again, retry = advance(flow, state, Answer("peut-être"), context)
    assert again is not None
    assert again.attempts == 1
    assert not any(isinstance(a, act.Subscribe | act.Unsubscribe) for a in retry)
    _, actions = advance(flow, again, Answer(typed), context)
    (recorded,) = [a for a in actions if isinstance(a, act.Subscribe | act.Unsubscribe)]
    assert isinstance(recorded, kind)
    assert recorded.wording == "Des promos, Léa ?"
    assert recorded.answer == typed


@pytest.mark.parametrize(
    ("step", "words"),
    [
        ("consent: promotions", "the question is missing"),
        (
            "consent: promotions\n        question: Ok ?\n        yes: Oui\n        no: Oui",
            "must differ",
        ),
        ("consent: 'pro motions'\n        question: Ok ?", "a topic"),
        ("consent: promotions\n        question: Ok ?\n        colour: red", "colour"),
    ],
)
def test_bad_consent_steps_are_refused(tmp_path: Path, step: str, words: str) -> None:
    text = f"""
    flow: promos
    steps:
      - {step}
    """
    (tmp_path / "f.yaml").write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    with pytest.raises(FlowFilesError) as caught:
        read_folder(tmp_path)
    assert words in " ".join(p.message for p in caught.value.problems)
