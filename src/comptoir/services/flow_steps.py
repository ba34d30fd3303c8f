"""Reading the steps, triggers and conditions of a flow file (see ``docs/flows.md``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from comptoir.domain.automation.answers import AnswerKind
from comptoir.domain.automation.model import (
    END,
    AskStep,
    BranchCase,
    BranchStep,
    Card,
    Choice,
    Condition,
    FieldCondition,
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
from comptoir.domain.automation.text import Localized
from comptoir.services.flow_yaml import (
    EntryError,
    LocatedDict,
    LocatedList,
    duration,
    items,
    localized,
    mapping,
    number,
    only_keys,
    string,
)

NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
STEP_KINDS = (
    "send",
    "template",
    "ask",
    "branch",
    "add_label",
    "remove_label",
    "subscribe",
    "unsubscribe",
    "consent",
    "http",
    "wait",
    "handover",
)
_YES = {"fr": "Oui", "en": "Yes"}
_NO = {"fr": "Non", "en": "No"}
_RETRY = {
    "fr": "Je n'ai pas compris votre réponse. Pouvez-vous réessayer ?",
    "en": "Sorry, I did not understand your answer. Could you try again?",
}
#: Messenger's limits on what one message carries
MAX_QUICK_REPLIES, MAX_BUTTONS, MAX_CARDS = 13, 3, 10
#: characters: a message, the text above buttons, a card's title or subtitle, a title, a payload
MAX_TEXT, MAX_BUTTON_TEXT, MAX_CARD_TEXT, MAX_TITLE, MAX_PAYLOAD = 1999, 640, 80, 20, 1000
_CONDITIONS = ("field", "no_field", "label", "no_label", "locale", "not_locale", "open")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True, slots=True)
class TextSource:
    """A text of a flow file, for the writing assistant: where it is and what goes with it."""

    line: int
    language: str
    text: str
    quick_replies: tuple[str, ...] = ()
    buttons: tuple[str, ...] = ()


class StepReader:
    """Reads the parts of one flow file; ``texts`` collects every message text read."""

    def __init__(self, default_locale: str) -> None:
        self.default = default_locale
        self.texts: list[TextSource] = []

    # -- steps ------------------------------------------------------------------------------

    def step(self, value: object, line: int, number_in_flow: int) -> Step:
        data = mapping(value, line, "a step")
        kinds = [k for k in STEP_KINDS if k in data]
        if len(kinds) != 1:
            found = ", ".join(kinds) if kinds else "none"
            raise EntryError(
                line, f"a step needs exactly one of {', '.join(STEP_KINDS)} (found: {found})"
            )
        step_id = f"step{number_in_flow}"
        if "id" in data:
            step_id = string(data["id"], data.at("id"), "a step id")
            if not NAME.match(step_id) or step_id == END:
                message = f"step id {step_id!r}: use letters, digits, '_', '-' or '.' (not 'end')"
                raise EntryError(data.at("id"), message)
        kind = kinds[0]
        reader = getattr(self, f"_{kind}")
        step: Step = reader(step_id, data)
        return step

    def _send(self, step_id: str, data: LocatedDict) -> Step:
        only_keys(data, {"id", "send", "quick_replies", "buttons"}, "a send step")
        text = self._text(data, "send", "the message")
        if "quick_replies" in data and "buttons" in data:
            raise EntryError(data.line, "a message has quick replies or buttons, not both")
        if "quick_replies" in data:
            replies = self.choices(data, "quick_replies", MAX_QUICK_REPLIES, links=False)
            self.record(data.at("send"), text, quick_replies=replies)
            return SendQuickRepliesStep(step_id, text, replies)
        if "buttons" in data:
            text = self._text(data, "send", "the text above buttons", MAX_BUTTON_TEXT)
            buttons = self.choices(data, "buttons", MAX_BUTTONS, links=True)
            self.record(data.at("send"), text, buttons=buttons)
            return SendButtonsStep(step_id, text, buttons)
        self.record(data.at("send"), text)
        return SendTextStep(step_id, text)

    def _template(self, step_id: str, data: LocatedDict) -> Step:
        only_keys(data, {"id", "template"}, "a template step")
        cards = items(data["template"], data.at("template"), "template (its cards)")
        if not 1 <= len(cards) <= MAX_CARDS:
            raise EntryError(cards.line, f"a template has 1 to {MAX_CARDS} cards")
        read: list[Card] = []
        for card_value, card_line in zip(cards, cards.lines, strict=True):
            card = mapping(card_value, card_line, "a card")
            only_keys(card, {"title", "subtitle", "image_url", "buttons"}, "a card")
            title = self._text(card, "title", "a card title", MAX_CARD_TEXT)
            subtitle = (
                self._text(card, "subtitle", "a card subtitle", MAX_CARD_TEXT)
                if "subtitle" in card
                else None
            )
            image = (
                self._url(card["image_url"], card.at("image_url")) if "image_url" in card else None
            )
            buttons = (
                self.choices(card, "buttons", MAX_BUTTONS, links=True) if "buttons" in card else ()
            )
            self.record(card.at("title"), title, buttons=buttons)
            read.append(Card(title, subtitle, image, buttons))
        return SendTemplateStep(step_id, tuple(read))

    def _ask(self, step_id: str, data: LocatedDict) -> Step:
        allowed = {"id", "ask", "field", "expect", "choices", "retry", "attempts", "on_fail"}
        only_keys(data, allowed, "an ask step")
        text = self._text(data, "ask", "the question")
        if "field" not in data:
            raise EntryError(data.line, "an ask step needs field: (the contact field to fill)")
        field_name = self._name(data["field"], data.at("field"), "a field name")
        expected = string(data.get("expect", "text"), data.at("expect"), "expect")
        try:
            kind = AnswerKind(expected)
        except ValueError:
            kinds = ", ".join(k.value for k in AnswerKind)
            raise EntryError(
                data.at("expect"), f"expect: {expected!r} is not one of {kinds}"
            ) from None
        choices: tuple[Localized, ...] = ()
        if kind is AnswerKind.CHOICE:
            if "choices" not in data:
                raise EntryError(data.line, "expect: choice needs choices: (a list)")
            listed = items(data["choices"], data.at("choices"), "choices")
            if len(listed) < 2:
                raise EntryError(listed.line, "choices: give at least two")
            limit = MAX_TITLE if len(listed) <= MAX_QUICK_REPLIES else MAX_TEXT
            choices = tuple(
                self._choice(value, line, limit)
                for value, line in zip(listed, listed.lines, strict=True)
            )
        elif "choices" in data:
            raise EntryError(data.at("choices"), "choices: only for expect: choice")
        retry = (
            self._text(data, "retry", "the retry message")
            if "retry" in data
            else self._default_retry(data.line)
        )
        attempts = int(
            number(data.get("attempts", 3), data.at("attempts"), "attempts", low=1, high=10)
        )
        on_fail = string(data.get("on_fail", END), data.at("on_fail"), "on_fail")
        self.record(data.at("ask"), text, quick_replies=choices)
        return AskStep(step_id, text, field_name, kind, retry, choices, attempts, on_fail)

    def _consent(self, step_id: str, data: LocatedDict) -> Step:
        """A yes/no consent question: ``consent: <topic>``, ``question:``, optional ``yes:``,
        ``no:`` (quick replies), ``field:``, ``retry:``, ``attempts:``, ``on_fail:``."""
        allowed = {"id", "consent", "question", "yes", "no", "field", "retry", "attempts"}
        only_keys(data, allowed | {"on_fail"}, "a consent step")
        topic = self._name(data["consent"], data.at("consent"), "a topic")
        text = self._text(data, "question", "the question")
        yes = (
            self._choice(data["yes"], data.at("yes"), MAX_TITLE)
            if "yes" in data
            else Localized.of(_YES, self.default if self.default in _YES else "en")
        )
        no = (
            self._choice(data["no"], data.at("no"), MAX_TITLE)
            if "no" in data
            else Localized.of(_NO, self.default if self.default in _NO else "en")
        )
        if set(yes.all()) & set(no.all()):
            raise EntryError(data.line, "yes: and no: must differ")
        field_name = (
            self._name(data["field"], data.at("field"), "a field name")
            if "field" in data
            else "consent_" + re.sub(r"[^A-Za-z0-9_]", "_", topic)
        )
        retry = (
            self._text(data, "retry", "the retry message")
            if "retry" in data
            else self._default_retry(data.line)
        )
        attempts = int(
            number(data.get("attempts", 3), data.at("attempts"), "attempts", low=1, high=10)
        )
        on_fail = string(data.get("on_fail", END), data.at("on_fail"), "on_fail")
        choices = (yes, no)
        self.record(data.at("question"), text, quick_replies=choices)
        return AskStep(
            step_id,
            text,
            field_name,
            AnswerKind.CHOICE,
            retry,
            choices,
            attempts,
            on_fail,
            topic=topic,
        )

    def _choice(self, value: object, line: int, limit: int) -> Localized:
        """One of an ask's choices: a word, or one per language (offered as a quick reply)."""
        choice = localized(value, line, "a choice", self.default)
        for _, title in choice.texts:
            if len(title) > limit:
                message = f"choice {title!r} is over {limit} characters (a quick reply)"
                raise EntryError(line, message)
        return choice

    def _branch(self, step_id: str, data: LocatedDict) -> Step:
        only_keys(data, {"id", "branch", "else"}, "a branch step")
        listed = items(data["branch"], data.at("branch"), "branch")
        cases: list[BranchCase] = []
        for value, line in zip(listed, listed.lines, strict=True):
            case = mapping(value, line, "a branch case")
            only_keys(case, {"if", "goto"}, "a branch case")
            if "if" not in case or "goto" not in case:
                raise EntryError(line, "a branch case needs if: and goto:")
            conditions = case["if"] if isinstance(case["if"], LocatedList) else [case["if"]]
            read = tuple(self._condition(c, case.at("if")) for c in conditions)
            cases.append(BranchCase(read, string(case["goto"], case.at("goto"), "goto")))
        otherwise = string(data["else"], data.at("else"), "else") if "else" in data else None
        return BranchStep(step_id, tuple(cases), otherwise)

    def _condition(self, value: object, line: int) -> Condition:
        data = mapping(value, line, "a condition")
        only_keys(data, {*_CONDITIONS, "equals"}, "a condition")
        kinds = [k for k in _CONDITIONS if k in data]
        if len(kinds) != 1:
            message = f"a condition tests one thing: {', '.join(_CONDITIONS)}"
            raise EntryError(line, message)
        kind = kinds[0]
        at = data.at(kind)
        if "equals" in data and kind != "field":
            raise EntryError(data.at("equals"), "equals: only goes with field:")
        match kind:
            case "field" | "no_field":
                name = self._name(data[kind], at, "a field name")
                equals = (
                    string(data["equals"], data.at("equals"), "equals")
                    if "equals" in data
                    else None
                )
                return FieldCondition(name, equals, negate=kind == "no_field")
            case "label" | "no_label":
                return LabelCondition(string(data[kind], at, "a label"), negate=kind == "no_label")
            case "locale" | "not_locale":
                return LocaleCondition(
                    string(data[kind], at, "a locale"), negate=kind == "not_locale"
                )
        if not isinstance(data["open"], bool):
            raise EntryError(at, "open: must be true or false")
        return OpenCondition(data["open"])

    def _add_label(self, step_id: str, data: LocatedDict) -> Step:
        only_keys(data, {"id", "add_label"}, "an add_label step")
        return LabelStep(step_id, string(data["add_label"], data.at("add_label"), "a label"))

    def _remove_label(self, step_id: str, data: LocatedDict) -> Step:
        only_keys(data, {"id", "remove_label"}, "a remove_label step")
        label = string(data["remove_label"], data.at("remove_label"), "a label")
        return LabelStep(step_id, label, remove=True)

    def _subscribe(self, step_id: str, data: LocatedDict) -> Step:
        only_keys(data, {"id", "subscribe"}, "a subscribe step")
        return TopicStep(step_id, self._name(data["subscribe"], data.at("subscribe"), "a topic"))

    def _unsubscribe(self, step_id: str, data: LocatedDict) -> Step:
        only_keys(data, {"id", "unsubscribe"}, "an unsubscribe step")
        topic = self._name(data["unsubscribe"], data.at("unsubscribe"), "a topic")
        return TopicStep(step_id, topic, unsubscribe=True)

    def _http(self, step_id: str, data: LocatedDict) -> Step:
        only_keys(data, {"id", "http"}, "an http step")
        call = mapping(data["http"], data.at("http"), "http")
        only_keys(call, {"url", "method", "timeout", "retries", "body", "save", "on_error"}, "http")
        if "url" not in call:
            raise EntryError(call.line, "http needs url:")
        url = self._url(call["url"], call.at("url"))
        method = string(call.get("method", "GET"), call.at("method"), "method").upper()
        if method not in _METHODS:
            raise EntryError(
                call.at("method"), f"method: {method!r} is not one of {', '.join(_METHODS)}"
            )
        timeout = number(
            call.get("timeout", 5), call.at("timeout"), "timeout (seconds)", low=0.1, high=20
        )
        retries = int(number(call.get("retries", 0), call.at("retries"), "retries", low=0, high=5))
        body = self._pairs(call, "body", "body") if "body" in call else ()
        save = self._pairs(call, "save", "save") if "save" in call else ()
        for name, _ in save:
            self._name(name, call.at("save"), "a field name in save")
        on_error = (
            string(call["on_error"], call.at("on_error"), "on_error")
            if "on_error" in call
            else None
        )
        return HttpCallStep(step_id, url, method, timeout, retries, body, save, on_error)

    def _wait(self, step_id: str, data: LocatedDict) -> Step:
        only_keys(data, {"id", "wait"}, "a wait step")
        return WaitStep(step_id, duration(data["wait"], data.at("wait"), "wait"))

    def _handover(self, step_id: str, data: LocatedDict) -> Step:
        only_keys(data, {"id", "handover"}, "a handover step")
        if data["handover"] is True:
            return HandoverStep(step_id)
        text = self._text(data, "handover", "the handover message")
        self.record(data.at("handover"), text)
        return HandoverStep(step_id, text)

    # -- parts ------------------------------------------------------------------------------

    def _text(self, data: LocatedDict, key: str, what: str, limit: int = MAX_TEXT) -> Localized:
        """A text whose every translation holds at most ``limit`` characters."""
        if key not in data:
            raise EntryError(data.line, f"{what} is missing ({key}:)")
        text = localized(data[key], data.at(key), what, self.default)
        for locale, content in text.texts:
            if len(content) > limit:
                message = (
                    f"{what} ({locale}) has {len(content)} characters; Messenger allows {limit}"
                )
                raise EntryError(data.at(key), message)
        return text

    def choices(
        self, data: LocatedDict, key: str, limit: int, *, links: bool
    ) -> tuple[Choice, ...]:
        listed = items(data[key], data.at(key), key)
        if not 1 <= len(listed) <= limit:
            raise EntryError(listed.line, f"{key}: give 1 to {limit}")
        read: list[Choice] = []
        for value, line in zip(listed, listed.lines, strict=True):
            entry = mapping(value, line, f"an item of {key}")
            only_keys(entry, {"title", "payload", "url"} if links else {"title", "payload"}, key)
            title = self._text(entry, "title", "a title", MAX_TITLE)
            if ("payload" in entry) == ("url" in entry):
                need = "payload: or url:" if links else "payload:"
                raise EntryError(line, f"an item of {key} needs {need}")
            payload = None
            if "payload" in entry:
                payload = string(entry["payload"], entry.at("payload"), "payload")
                if len(payload) > MAX_PAYLOAD:
                    message = (
                        f"payload has {len(payload)} characters; Messenger allows {MAX_PAYLOAD}"
                    )
                    raise EntryError(entry.at("payload"), message)
            url = self._url(entry["url"], entry.at("url")) if "url" in entry else None
            read.append(Choice(title, payload, url))
        return tuple(read)

    def _pairs(self, data: LocatedDict, key: str, what: str) -> tuple[tuple[str, str], ...]:
        pairs = mapping(data[key], data.at(key), what)
        return tuple(
            (name, string(value, pairs.at(name), f"{what}: {name}"))
            for name, value in pairs.items()
        )

    def _name(self, value: object, line: int, what: str) -> str:
        name = string(value, line, what)
        if not NAME.match(name):
            raise EntryError(line, f"{what} {name!r}: use letters, digits, '_', '-' or '.'")
        return name

    def _url(self, value: object, line: int) -> str:
        url = string(value, line, "a url")
        parts = urlsplit(url.replace("{{", "").replace("}}", ""))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise EntryError(line, f"url {url!r} must start with https:// (or http://)")
        return url

    def _default_retry(self, line: int) -> Localized:
        if self.default not in _RETRY:
            raise EntryError(line, f"retry: is required for a flow in {self.default!r}")
        return Localized.of(_RETRY, self.default)

    def record(
        self,
        line: int,
        text: Localized,
        *,
        quick_replies: tuple[Choice, ...] | tuple[Localized, ...] = (),
        buttons: tuple[Choice, ...] = (),
    ) -> None:
        for language, content in text.texts:
            replies = tuple(
                (r if isinstance(r, Localized) else r.title).pick(language) for r in quick_replies
            )
            titles = tuple(b.title.pick(language) for b in buttons)
            self.texts.append(TextSource(line, language, content, replies, titles))
