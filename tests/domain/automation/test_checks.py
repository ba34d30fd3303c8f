from __future__ import annotations

from datetime import timedelta

from comptoir.domain.automation import AnswerKind, Flow, Localized
from comptoir.domain.automation.checks import MAX_WAIT, FlowProblem, check_flow
from comptoir.domain.automation.model import (
    END,
    AskStep,
    BranchCase,
    BranchStep,
    LabelCondition,
    SendTextStep,
    WaitStep,
)

HI = Localized.of("Bonjour")


def ask(step_id: str) -> AskStep:
    return AskStep(step_id, HI, "email", AnswerKind.EMAIL, HI)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def test_waits_under_the_limit_pass() -> None:
    steps = (WaitStep("w1", hours(12)), SendTextStep("s", HI), WaitStep("w2", hours(10)))
    flow = Flow("ok", (), steps)
    assert check_flow(flow) == []


def test_one_wait_of_a_day_is_refused() -> None:
    [problem] = check_flow(Flow("f", (), (WaitStep("long", hours(24)),)))
    assert problem.step == "long"
    assert "24 h" in problem.message
    assert "23 h" in problem.message


def test_the_margin_is_the_limit() -> None:
    assert check_flow(Flow("f", (), (WaitStep("w", MAX_WAIT - timedelta(minutes=1)),))) == []
    assert check_flow(Flow("f", (), (WaitStep("w", MAX_WAIT),)))


def test_waits_add_up_until_the_contact_writes() -> None:
    adding = Flow("f", (), (WaitStep("a", hours(12)), WaitStep("b", hours(12))))
    assert [p.step for p in check_flow(adding)] == ["b"]
    reset = Flow("f", (), (WaitStep("a", hours(12)), ask("q"), WaitStep("b", hours(12))))
    assert check_flow(reset) == []


def test_the_longest_branch_counts() -> None:
    flow = Flow(
        "f",
        (),
        (
            WaitStep("a", hours(10)),
            BranchStep("b", (BranchCase((LabelCondition("x"),), "long"),), otherwise=END),
            SendTextStep("s", HI),
            WaitStep("long", hours(14)),
        ),
    )
    assert [p.step for p in check_flow(flow)] == ["long"]


def test_a_wait_in_a_loop_is_refused() -> None:
    flow = Flow("f", (), (WaitStep("w", hours(1)), BranchStep("back", (), otherwise="w")))
    [problem] = check_flow(flow)
    assert problem.step == "w"
    assert "loop" in problem.message


def test_ids_and_gotos() -> None:
    flow = Flow(
        "f",
        (),
        (SendTextStep("a", HI), SendTextStep("a", HI), BranchStep("b", (), otherwise="nowhere")),
    )
    assert check_flow(flow) == [
        FlowProblem("f", "a", "step id 'a' is used twice"),
        FlowProblem("f", "b", "goto 'nowhere': no step has that id in flow 'f'"),
    ]
    empty = FlowProblem("empty", None, "the flow has no steps")
    assert check_flow(Flow("empty", (), ())) == [empty]
