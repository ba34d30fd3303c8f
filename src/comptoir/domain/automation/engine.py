"""The flow engine: pure functions from a flow, its state and an event to a new state and
the actions to take.

    state, actions = start(flow, context)
    state, actions = advance(flow, state, Answer("marie@example.com"), context)

A state of None means the flow is over (the last action is then ``EndFlow``). The state is a
flow name, the id of the step it waits on and a data dict (fields gathered so far), plain
values that store as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from comptoir.domain.automation import actions as act
from comptoir.domain.automation.answers import AnswerKind, check_answer
from comptoir.domain.automation.hours import OpeningHours
from comptoir.domain.automation.keywords import normalise
from comptoir.domain.automation.model import (
    END,
    AskStep,
    BranchStep,
    Card,
    Choice,
    Condition,
    FieldCondition,
    Flow,
    HandoverStep,
    HttpCallStep,
    LabelCondition,
    LabelStep,
    LocaleCondition,
    OpenCondition,
    SendButtonsStep,
    SendQuickRepliesStep,
    SendTemplateStep,
    SendTextStep,
    Step,
    TopicStep,
    WaitStep,
)
from comptoir.domain.automation.text import Localized, fill

#: steps run in one go before the engine decides a flow loops on itself
MAX_STEPS_PER_RUN = 100
#: Messenger shows at most 13 quick replies
_MAX_QUICK_REPLIES = 13
#: what a step tells the run loop (step ids never start with "<")
_NEXT, _PAUSE, _HANDED_OVER = "<next>", "<pause>", "<handover>"


@dataclass(frozen=True, slots=True)
class FlowContext:
    """What the engine may read about the contact and the Page, given by the runtime."""

    now: datetime
    locale: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    labels: frozenset[str] = frozenset()
    hours: OpeningHours | None = None


@dataclass(frozen=True, slots=True)
class FlowState:
    flow: str
    step: str
    data: Mapping[str, str] = field(default_factory=dict)
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class Answer:
    """The contact wrote ``text`` or tapped a quick reply / button carrying ``payload``."""

    text: str = ""
    payload: str | None = None


@dataclass(frozen=True, slots=True)
class WaitOver:
    """A ``Wait`` action's time has come."""


@dataclass(frozen=True, slots=True)
class HttpDone:
    """The result of a ``CallHttp`` action: ``ok`` and the decoded JSON answer (if any)."""

    ok: bool
    data: object = None


FlowEvent = Answer | WaitOver | HttpDone
Result = tuple[FlowState | None, tuple[act.Action, ...]]


def start(flow: Flow, context: FlowContext) -> Result:
    """Run ``flow`` from its first step up to its first pause (or its end)."""
    return _Run(flow, context, {}).go(0)


def advance(flow: Flow, state: FlowState, event: FlowEvent, context: FlowContext) -> Result:
    """Feed ``event`` to the step ``state`` waits on. An event that step does not wait for
    (a message during a wait) leaves the state as it is, with no actions."""
    if state.flow != flow.name:
        raise ValueError(f"state of flow {state.flow!r} given with flow {flow.name!r}")
    index = flow.index_of(state.step)
    if index is None:
        return None, (act.EndFlow("step_missing"),)
    run = _Run(flow, context, dict(state.data))
    step = flow.steps[index]
    if isinstance(step, AskStep) and isinstance(event, Answer):
        return run.answer(index, step, event, state.attempts)
    if isinstance(step, WaitStep) and isinstance(event, WaitOver):
        return run.go(index + 1)
    if isinstance(step, HttpCallStep) and isinstance(event, HttpDone):
        return run.http_done(index, step, event)
    return state, ()


class _Run:
    """One pass through a flow's steps; collects actions until a pause or the end."""

    def __init__(self, flow: Flow, context: FlowContext, data: dict[str, str]) -> None:
        self.flow = flow
        self.context = context
        self.data = data
        self.labels = set(context.labels)
        self.actions: list[act.Action] = []

    # -- pauses ---------------------------------------------------------------------------

    def answer(self, index: int, step: AskStep, event: Answer, attempts: int) -> Result:
        # a choice is best read from its quick reply's payload; anything else from the text
        # the contact sees (a tapped quick reply of another message carries an unrelated payload)
        candidates: tuple[str | None, ...]
        if step.kind is AnswerKind.CHOICE:
            candidates = (event.payload, event.text)
        else:
            candidates = (event.text, event.payload)
        value = next(
            (found for c in candidates if c and (found := _accept(step, c)) is not None), None
        )
        if value is not None:
            self._set(step.field, value)
            if step.topic is not None:
                said = event.text or value
                question = self._text(step.text)
                yes = len(step.choices) > 0 and value == step.choices[0].pick(None)
                consent = act.Subscribe if yes else act.Unsubscribe
                self.actions.append(consent(step.topic, question, said))
            return self.go(index + 1)
        attempts += 1
        if attempts >= step.attempts:
            return self.jump(step.on_fail, index, reason="gave_up")
        self.actions.append(act.SendText(self._text(step.retry)))
        self._ask(step)
        return self._pause(step, attempts)

    def http_done(self, index: int, step: HttpCallStep, event: HttpDone) -> Result:
        if not event.ok:
            return self.jump(step.on_error, index)
        for name, path in step.save:
            found = _lookup(event.data, path)
            if found is not None:
                self._set(name, found)
        return self.go(index + 1)

    # -- running ----------------------------------------------------------------------------

    def jump(self, target: str | None, index: int, reason: str = "done") -> Result:
        if target is None:
            return self.go(index + 1)
        if target == END:
            return self._end(reason)
        found = self.flow.index_of(target)
        return self._end("step_missing") if found is None else self.go(found)

    def go(self, index: int) -> Result:
        for _ in range(MAX_STEPS_PER_RUN):
            if index >= len(self.flow.steps):
                return self._end("done")
            step = self.flow.steps[index]
            outcome = self._step(step)
            if outcome == _PAUSE:
                return self._pause(step, 0)
            if outcome == _HANDED_OVER:
                return self._end("handover")
            if outcome == _NEXT:
                index += 1
                continue
            found = self.flow.index_of(outcome) if outcome != END else None
            if found is None:
                return self._end("done" if outcome == END else "step_missing")
            index = found
        return self._end("loop")

    def _step(self, step: Step) -> str:
        """Run one step: ``_NEXT``, ``_PAUSE``, ``_HANDED_OVER`` or the id of a step (or END)."""
        match step:
            case SendTextStep(text=text):
                self.actions.append(act.SendText(self._text(text)))
            case SendQuickRepliesStep(text=text, replies=replies):
                quick = tuple(act.QuickReply(self._text(c.title), c.payload or "") for c in replies)
                self.actions.append(act.SendQuickReplies(self._text(text), quick))
            case SendButtonsStep(text=text, buttons=buttons):
                self.actions.append(act.SendButtons(self._text(text), self._buttons(buttons)))
            case SendTemplateStep(cards=cards):
                self.actions.append(act.SendTemplate(tuple(self._card(c) for c in cards)))
            case AskStep():
                self._ask(step)
                return _PAUSE
            case BranchStep(cases=cases, otherwise=otherwise):
                for case in cases:
                    if all(self._holds(c) for c in case.conditions):
                        return case.goto
                return otherwise or _NEXT
            case LabelStep(label=label, remove=remove):
                self.actions.append(act.RemoveLabel(label) if remove else act.AddLabel(label))
                (self.labels.discard if remove else self.labels.add)(label)
            case TopicStep(topic=topic, unsubscribe=unsubscribe):
                self.actions.append(act.Unsubscribe(topic) if unsubscribe else act.Subscribe(topic))
            case HttpCallStep():
                body = tuple((k, fill(v, self._values())) for k, v in step.body)
                url = fill(step.url, self._values())
                call = act.CallHttp(url, step.method, step.timeout_s, step.retries, body)
                self.actions.append(call)
                return _PAUSE
            case WaitStep(delay=delay):
                self.actions.append(act.Wait(delay, self.context.now + delay))
                return _PAUSE
            case HandoverStep(text=text):
                if text is not None:
                    self.actions.append(act.SendText(self._text(text)))
                self.actions.append(act.Handover())
                return _HANDED_OVER
        return _NEXT

    # -- helpers ----------------------------------------------------------------------------

    def _ask(self, step: AskStep) -> None:
        question = self._text(step.text)
        if step.kind is AnswerKind.CHOICE and len(step.choices) <= _MAX_QUICK_REPLIES:
            replies = tuple(act.QuickReply(self._text(c), c.pick(None)) for c in step.choices)
            self.actions.append(act.SendQuickReplies(question, replies))
        else:
            self.actions.append(act.SendText(question))

    def _holds(self, condition: Condition) -> bool:
        match condition:
            case FieldCondition(field=name, equals=equals, negate=negate):
                value = self._values().get(name)
                if equals is None:
                    result = bool(value)
                else:
                    result = value is not None and normalise(value) == normalise(equals)
                return result != negate
            case LabelCondition(label=label, negate=negate):
                return (label in self.labels) != negate
            case LocaleCondition(locale=locale, negate=negate):
                mine = (self.context.locale or "").replace("-", "_").lower()
                wanted = locale.lower()
                return (mine == wanted or mine.split("_")[0] == wanted) != negate
            case OpenCondition(is_open=is_open):
                hours = self.context.hours
                open_now = True if hours is None else hours.is_open(self.context.now)
                return open_now == is_open

    def _values(self) -> dict[str, str]:
        return {**self.context.fields, **self.data}

    def _set(self, name: str, value: str) -> None:
        self.data[name] = value
        self.actions.append(act.SetField(name, value))

    def _text(self, text: Localized) -> str:
        return fill(text.pick(self.context.locale), self._values())

    def _buttons(self, choices: tuple[Choice, ...]) -> tuple[act.Button, ...]:
        return tuple(act.Button(self._text(c.title), c.payload, c.url) for c in choices)

    def _card(self, card: Card) -> act.TemplateCard:
        subtitle = None if card.subtitle is None else self._text(card.subtitle)
        return act.TemplateCard(
            self._text(card.title), subtitle, card.image_url, self._buttons(card.buttons)
        )

    def _pause(self, step: Step, attempts: int) -> Result:
        state = FlowState(self.flow.name, step.id, dict(self.data), attempts)
        return state, tuple(self.actions)

    def _end(self, reason: str) -> Result:
        self.actions.append(act.EndFlow(reason))
        return None, tuple(self.actions)


def _accept(step: AskStep, answer: str) -> str | None:
    """The value to store for ``answer`` to ``step``, or None when it is not acceptable."""
    if step.kind is AnswerKind.CHOICE:
        return _choose(step.choices, answer)
    return check_answer(step.kind, answer)


def _choose(choices: tuple[Localized, ...], answer: str) -> str | None:
    """The stored value (default-language text) of the choice ``answer`` names, in any of its
    translations; None when it names none."""
    for choice in choices:
        if check_answer(AnswerKind.CHOICE, answer, choice.all()) is not None:
            return choice.pick(None)
    return None


def _lookup(data: object, path: str) -> str | None:
    """``data["a"]["b"]`` for the path "a.b" (list items by index), as text; None if absent."""
    current = data
    for part in path.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    if current is None or isinstance(current, Mapping | list):
        return None
    if isinstance(current, bool):
        return "true" if current else "false"
    return str(current)
