"""The flow model: triggers that start a flow, conditions, and the steps a flow runs.

A ``Flow`` is a name, its triggers and an ordered tuple of steps, each with an id. Steps run
in order; a ``Branch`` jumps to another step's id (or ``END``). ``Ask``, ``Wait`` and
``CallHttp`` pause the flow until the contact answers, the delay ends or the call returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from comptoir.domain.automation.answers import AnswerKind
from comptoir.domain.automation.keywords import KeywordRule
from comptoir.domain.automation.text import Localized

#: the ``goto`` target that ends the flow
END = "end"

# -- triggers ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GetStartedTrigger:
    """The contact pressed Get Started (a postback with the Page's Get Started payload)."""


@dataclass(frozen=True, slots=True)
class PostbackTrigger:
    payload: str


@dataclass(frozen=True, slots=True)
class QuickReplyTrigger:
    payload: str


@dataclass(frozen=True, slots=True)
class KeywordTrigger:
    rule: KeywordRule


@dataclass(frozen=True, slots=True)
class RefTrigger:
    """An m.me link's ``ref`` (``m.me/page?ref=...``)."""

    ref: str


@dataclass(frozen=True, slots=True)
class AdTrigger:
    """A click on a Click-to-Messenger ad; ``ad_id`` None matches any ad."""

    ad_id: str | None = None


Trigger = (
    GetStartedTrigger
    | PostbackTrigger
    | QuickReplyTrigger
    | KeywordTrigger
    | RefTrigger
    | AdTrigger
)

# -- conditions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldCondition:
    """The contact field is set (``equals`` None) or equals ``equals`` (case/accents ignored)."""

    field: str
    equals: str | None = None
    negate: bool = False


@dataclass(frozen=True, slots=True)
class LabelCondition:
    label: str
    negate: bool = False


@dataclass(frozen=True, slots=True)
class LocaleCondition:
    """The contact's language is ``locale`` ("fr" matches "fr_FR")."""

    locale: str
    negate: bool = False


@dataclass(frozen=True, slots=True)
class OpenCondition:
    """The Page is open (``is_open`` True) or closed, by its opening hours."""

    is_open: bool = True


Condition = FieldCondition | LabelCondition | LocaleCondition | OpenCondition

# -- steps ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    """A quick reply or button: ``payload`` for a postback, ``url`` for a link button."""

    title: Localized
    payload: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Card:
    """One element of a generic template."""

    title: Localized
    subtitle: Localized | None = None
    image_url: str | None = None
    buttons: tuple[Choice, ...] = ()


@dataclass(frozen=True, slots=True)
class SendTextStep:
    id: str
    text: Localized


@dataclass(frozen=True, slots=True)
class SendQuickRepliesStep:
    id: str
    text: Localized
    replies: tuple[Choice, ...]


@dataclass(frozen=True, slots=True)
class SendButtonsStep:
    id: str
    text: Localized
    buttons: tuple[Choice, ...]


@dataclass(frozen=True, slots=True)
class SendTemplateStep:
    id: str
    cards: tuple[Card, ...]


@dataclass(frozen=True, slots=True)
class AskStep:
    """Ask a question; the checked answer goes into the contact field ``field``. A wrong answer
    gets ``retry`` and the question again, up to ``attempts`` answers in all, then the flow
    goes to ``on_fail`` (END by default). ``choices`` (for ``AnswerKind.CHOICE``) are offered
    in the contact's language; any translation is accepted and the default language's text is
    what is stored, so a branch on the field reads the same whatever the language."""

    id: str
    text: Localized
    field: str
    kind: AnswerKind
    retry: Localized
    choices: tuple[Localized, ...] = ()
    attempts: int = 3
    on_fail: str = END
    #: A consent question (``consent:`` step): the first choice is yes, the second no; the
    #: answer records an opt-in or opt-out of this topic, with the question and the answer.
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class BranchCase:
    conditions: tuple[Condition, ...]  # all must hold
    goto: str


@dataclass(frozen=True, slots=True)
class BranchStep:
    """Go to the first case whose conditions all hold, else ``otherwise`` (None: next step)."""

    id: str
    cases: tuple[BranchCase, ...]
    otherwise: str | None = None


@dataclass(frozen=True, slots=True)
class LabelStep:
    id: str
    label: str
    remove: bool = False


@dataclass(frozen=True, slots=True)
class TopicStep:
    """Subscribe to (or unsubscribe from) a topic: the consent is recorded as an action."""

    id: str
    topic: str
    unsubscribe: bool = False


@dataclass(frozen=True, slots=True)
class HttpCallStep:
    """Call the business's endpoint; ``save`` maps contact fields to dotted paths in the JSON
    answer. On failure (after ``retries``) the flow goes to ``on_error`` (None: next step)."""

    id: str
    url: str
    method: str = "GET"
    timeout_s: float = 5.0
    retries: int = 0
    body: tuple[tuple[str, str], ...] = ()
    save: tuple[tuple[str, str], ...] = ()
    on_error: str | None = None


@dataclass(frozen=True, slots=True)
class WaitStep:
    id: str
    delay: timedelta


@dataclass(frozen=True, slots=True)
class HandoverStep:
    """Hand the conversation to a person; ``text`` (if any) is sent first. Ends the flow."""

    id: str
    text: Localized | None = None


Step = (
    SendTextStep
    | SendQuickRepliesStep
    | SendButtonsStep
    | SendTemplateStep
    | AskStep
    | BranchStep
    | LabelStep
    | TopicStep
    | HttpCallStep
    | WaitStep
    | HandoverStep
)


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    triggers: tuple[Trigger, ...]
    steps: tuple[Step, ...]

    def index_of(self, step_id: str) -> int | None:
        return next((i for i, step in enumerate(self.steps) if step.id == step_id), None)


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """A question asked in several ways, its answer and optional quick replies."""

    questions: tuple[str, ...]
    answer: Localized
    replies: tuple[Choice, ...] = ()
