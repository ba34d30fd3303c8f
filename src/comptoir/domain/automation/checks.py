"""Checks a flow must pass before it is loaded: unique step ids, ``goto`` targets that exist,
and waits that end inside Messenger's 24-hour window.

The window opens when the contact writes; a flow's messages after a wait are sent in that
window only if the waits since the contact's last message (the trigger or an answer to an
``ask``) add up to less than ``MAX_WAIT`` (24 hours minus a safety margin). A wait inside a
loop is refused too, since it could add up without limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from comptoir.domain.automation.model import (
    END,
    AskStep,
    BranchStep,
    Flow,
    HandoverStep,
    HttpCallStep,
    WaitStep,
)

WINDOW = timedelta(hours=24)
#: room left for the messages after the wait, a slow relay or a clock off by a little
WAIT_MARGIN = timedelta(hours=1)
MAX_WAIT = WINDOW - WAIT_MARGIN


@dataclass(frozen=True, slots=True)
class FlowProblem:
    """A problem in ``flow``, at ``step`` (an id) or in the flow as a whole (None)."""

    flow: str
    step: str | None
    message: str


def check_flow(flow: Flow) -> list[FlowProblem]:
    problems: list[FlowProblem] = []
    seen: set[str] = set()
    for step in flow.steps:
        if step.id in seen:
            problems.append(FlowProblem(flow.name, step.id, f"step id {step.id!r} is used twice"))
        seen.add(step.id)
        for target in _targets(step):
            if target != END and target not in seen | {s.id for s in flow.steps}:
                message = f"goto {target!r}: no step has that id in flow {flow.name!r}"
                problems.append(FlowProblem(flow.name, step.id, message))
    if not flow.steps:
        problems.append(FlowProblem(flow.name, None, "the flow has no steps"))
    if not problems:
        problems.extend(_WaitCheck(flow).run())
    return problems


def _targets(step: object) -> list[str]:
    match step:
        case BranchStep(cases=cases, otherwise=otherwise):
            return [case.goto for case in cases] + ([otherwise] if otherwise else [])
        case AskStep(on_fail=on_fail):
            return [on_fail]
        case HttpCallStep(on_error=on_error):
            return [on_error] if on_error else []
    return []


class _WaitCheck:
    """The longest total wait on any path from a point where the contact writes to the next."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.longest: dict[int, timedelta] = {}
        self.stack: list[int] = []
        self.problems: dict[str, FlowProblem] = {}

    def run(self) -> list[FlowProblem]:
        entries = [0] + [
            i + 1 for i, step in enumerate(self.flow.steps) if isinstance(step, AskStep)
        ]
        entries += [
            i
            for step in self.flow.steps
            if isinstance(step, AskStep) and (i := self._index(step.on_fail)) is not None
        ]
        for entry in entries:
            total = self._walk(entry)
            if total >= MAX_WAIT and not self.problems:
                step_id = self._worst_wait_from(entry)
                message = (
                    f"waits add up to {_hours(total)} after the contact's last message; "
                    f"the Messenger window closes after 24 h, so waits must stay under "
                    f"{_hours(MAX_WAIT)}"
                )
                self.problems[step_id] = FlowProblem(self.flow.name, step_id, message)
        return list(self.problems.values())

    def _index(self, step_id: str | None) -> int | None:
        return None if step_id in (None, END) else self.flow.index_of(step_id)

    def _next(self, index: int) -> list[int]:
        step = self.flow.steps[index]
        if isinstance(step, AskStep | HandoverStep):
            return []  # an answer restarts the window; a handover ends the flow
        if isinstance(step, BranchStep):
            targets = [case.goto for case in step.cases] + [step.otherwise or ""]
            found = [self._index(t) if t else index + 1 for t in targets]
        elif isinstance(step, HttpCallStep):
            found = [index + 1, self._index(step.on_error) if step.on_error else index + 1]
        else:
            found = [index + 1]
        return [i for i in found if i is not None and i < len(self.flow.steps)]

    def _walk(self, index: int) -> timedelta:
        if index >= len(self.flow.steps):
            return timedelta(0)
        if index in self.stack:
            loop = self.stack[self.stack.index(index) :]
            waits = [self.flow.steps[i] for i in loop if isinstance(self.flow.steps[i], WaitStep)]
            if waits:
                step_id = waits[0].id
                message = "this wait is inside a loop of steps: the waits could add up past 24 h"
                self.problems[step_id] = FlowProblem(self.flow.name, step_id, message)
            return timedelta(0)
        if index in self.longest:
            return self.longest[index]
        self.stack.append(index)
        step = self.flow.steps[index]
        own = step.delay if isinstance(step, WaitStep) else timedelta(0)
        after = max((self._walk(i) for i in self._next(index)), default=timedelta(0))
        self.stack.pop()
        self.longest[index] = own + after
        return own + after

    def _worst_wait_from(self, index: int) -> str:
        """The id of the wait that pushes the path past the limit (the last one on it)."""
        last = self.flow.steps[index].id
        spent = timedelta(0)
        visited: set[int] = set()
        while index < len(self.flow.steps) and index not in visited:
            visited.add(index)
            step = self.flow.steps[index]
            if isinstance(step, WaitStep):
                spent += step.delay
                last = step.id
                if spent >= MAX_WAIT:
                    return last
            following = [i for i in self._next(index) if self.longest.get(i) is not None]
            if not following:
                break
            index = max(following, key=lambda i: self.longest[i])
        return last


def _hours(delay: timedelta) -> str:
    hours = delay.total_seconds() / 3600
    return f"{hours:g} h"
