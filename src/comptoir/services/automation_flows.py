"""Flows at run time: route an incoming message to a flow (or the running flow's next step),
run the engine (``domain.automation.engine``) and carry out its actions.

State lives in ``automation_threads`` (flow name, step, data, attempts in the data under
``"<attempts>"``, a wait's due time); fields, labels and topic consents in
``automation_contacts``. Messages go out through ``Automation.send`` (the one sending path,
as the bot). ``CallHttp`` runs at once (``automation_http``), its result fed back to the
engine; ``Wait`` sets ``wait_until``, which ``automation_waits`` polls; ``Handover`` takes
the conversation for a person.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from comptoir.domain.automation import actions as act
from comptoir.domain.automation.engine import (
    Answer,
    FlowContext,
    FlowEvent,
    FlowState,
    HttpDone,
    WaitOver,
    advance,
    start,
)
from comptoir.domain.automation.model import AskStep, Flow
from comptoir.domain.automation.router import Incoming as RouterIncoming
from comptoir.domain.automation.router import Routed
from comptoir.domain.consent import ConsentChannel
from comptoir.services.automation_http import call_http
from comptoir.services.automation_replies import Reply, Turn, render
from comptoir.services.consent import Answer as ConsentAnswer
from comptoir.services.consent import opt_in, opt_out
from comptoir.services.faq import FaqMatcher
from comptoir.services.flow_files import FlowLibrary, FlowSet, Problem
from comptoir.services.flow_writing import check_flow_texts
from comptoir.services.sending import Attachment, QuickReply
from comptoir.storage.automation import (
    ContactData,
    Incoming,
    load_contact_data,
    load_thread,
    save_contact_data,
    update_thread,
)

if TYPE_CHECKING:
    from comptoir.services.automation import Automation

log = logging.getLogger(__name__)

__all__ = ["FlowResponder", "router_event"]

#: Seconds between checks of a flows folder for changed files.
RELOAD_EVERY = 2.0

_ATTEMPTS = "<attempts>"
#: HTTP calls and their results fed back in one turn, at most (a flow calling in a loop).
MAX_CALLS_PER_TURN = 5


def router_event(item: Incoming) -> RouterIncoming:
    """The router's view of a stored incoming message or postback."""
    content = item.content
    postback = content.get("postback") if isinstance(content.get("postback"), dict) else None
    referral = content.get("referral")
    if postback is not None and isinstance(postback.get("referral"), dict):
        referral = postback["referral"]
    quick = content.get("quick_reply") if isinstance(content.get("quick_reply"), dict) else None
    ref = ad_id = None
    from_ad = False
    if isinstance(referral, dict):
        ref = str(referral["ref"]) if referral.get("ref") is not None else None
        ad_id = str(referral["ad_id"]) if referral.get("ad_id") is not None else None
        from_ad = str(referral.get("source", "")).upper() == "ADS" or ad_id is not None
    return RouterIncoming(
        text=None if postback is not None else item.text,
        quick_reply=str(quick["payload"]) if quick and quick.get("payload") else None,
        postback=str(postback["payload"]) if postback and postback.get("payload") else None,
        ref=ref,
        ad_id=ad_id,
        from_ad=from_ad,
    )


class FlowResponder:
    """The ``Responder`` for flows: the running flow first, then the triggers."""

    def __init__(self, automation: Automation) -> None:
        self.automation = automation
        #: page_ref -> flows given directly (``use``), which win over a folder.
        self.sets: dict[int, FlowSet] = {}
        #: folder -> its library (loaded all or nothing, reloaded on change).
        self.libraries: dict[str, FlowLibrary] = {}
        self._checked: dict[str, float] = {}
        #: folder -> the problems of its last load (empty: loaded).
        self.problems: dict[str, tuple[Problem, ...]] = {}
        self._matchers: dict[int, tuple[FlowSet, FaqMatcher]] = {}

    def use(self, page_ref: int, flows: FlowSet) -> None:
        """Run ``flows`` for the Page (instead of its settings' ``flows_folder``)."""
        self.sets[page_ref] = flows

    def flows_for(self, page_ref: int, folder: str | None) -> FlowSet | None:
        given = self.sets.get(page_ref)
        if given is not None or not folder:
            return given
        library = self.libraries.get(folder)
        now = self.automation.container.clock.now().timestamp()
        if library is None:
            library = self.libraries[folder] = FlowLibrary(Path(folder))
            self.problems[folder] = library.load()
            self._report(folder, self.problems[folder], library.current)
            self._checked[folder] = now
        elif not 0 <= now - self._checked.get(folder, 0.0) < RELOAD_EVERY:
            self._checked[folder] = now
            self.reload(folder)
        return library.current

    def reload(self, folder: str) -> tuple[Problem, ...]:
        """Re-read ``folder`` if a file changed; the problems of the last load (all or
        nothing: a folder with problems keeps the previous set)."""
        library = self.libraries.get(folder)
        if library is None:
            library = self.libraries[folder] = FlowLibrary(Path(folder))
            found: tuple[Problem, ...] | None = library.load()
        else:
            found = library.reload_if_changed()
        if found is not None:
            self.problems[folder] = found
            self._report(folder, found, library.current)
        return self.problems.get(folder, ())

    @staticmethod
    def _report(
        folder: str, problems: Sequence[Problem] | None, loaded: FlowSet | None
    ) -> threading.Thread | None:
        """Log a load's problems, and (on a thread of its own, returned) its writing
        warnings."""
        if problems:
            log.error(
                "flows in %s not loaded (the previous set stays): %s",
                folder,
                "; ".join(str(p) for p in problems[:20]),
            )
        elif loaded is not None:
            # The writing checks load the dictionaries on first use (seconds of work): never
            # on the event loop, and never in the way of the answer being sent.
            thread = threading.Thread(
                target=_log_writing, args=(folder, loaded.texts), name="flow-writing", daemon=True
            )
            thread.start()
            return thread
        return None

    async def respond(self, turn: Turn) -> Sequence[Reply]:
        item = turn.incoming
        flows = self.flows_for(item.page_ref, turn.settings.flows_folder)
        if flows is None or not flows.flows:
            return ()
        event = router_event(item)
        thread = turn.thread or await self._run_db(load_thread, item.conversation_id)
        routed = flows.router.route(event)
        running = flows.by_name.get(thread.flow_name or "")
        if running is not None and thread.flow_step and not self._restarts(routed, event):
            step_index = running.index_of(thread.flow_step)
            waiting_on = running.steps[step_index] if step_index is not None else None
            if isinstance(waiting_on, AskStep):
                data = dict(thread.flow_data or {})
                attempts = int(data.pop(_ATTEMPTS, "0") or 0)
                state = FlowState(running.name, thread.flow_step, data, attempts)
                answer = Answer(item.text or "", event.quick_reply or event.postback)
                await self.step(turn, running, state, answer)
                return ()
        if isinstance(routed, Routed):
            await self.step(turn, routed.flow, None, None, thread.flow_name is not None)
            return ()
        return self._faq_answer(item.page_ref, flows, event, turn.locale)

    def _faq_answer(
        self, page_ref: int, flows: FlowSet, event: RouterIncoming, locale: str
    ) -> Sequence[Reply]:
        """The FAQ's answer to a typed question (not to a tapped button), if one is close."""
        if not flows.faq or not event.text or event.quick_reply or event.postback:
            return ()
        cached = self._matchers.get(page_ref)
        if cached is None or cached[0] is not flows:
            cached = (flows, FaqMatcher(flows.faq))
            self._matchers[page_ref] = cached
        found = cached[1].match(event.text)
        if found is None:
            return ()
        entry = found.entry
        quick = tuple(
            QuickReply(choice.title.pick(locale), choice.payload or "")
            for choice in entry.replies
            if choice.payload
        )
        return (Reply(render(entry.answer.pick(locale), {}), quick),)

    @staticmethod
    def _restarts(routed: object, event: RouterIncoming) -> bool:
        """A tap on a button or quick reply that starts a flow wins over a pending question;
        typed text answers the question."""
        return isinstance(routed, Routed) and (event.postback is not None or event.ref is not None)

    async def step(
        self,
        turn: Turn,
        flow: Flow,
        state: FlowState | None,
        event: FlowEvent | None,
        thread_had_flow: bool = True,
    ) -> None:
        """Start ``flow`` (``state`` None) or feed ``event``; carry out the actions.
        ``thread_had_flow`` False: nothing to clear when the flow ends at once."""
        item = turn.incoming
        contact = turn.contact or await self._run_db(load_contact_data, item.contact_id)
        context = FlowContext(
            now=turn.now,
            locale=turn.locale,
            fields={"first_name": item.first_name, **contact.fields},
            labels=contact.labels,
            hours=turn.settings.hours,
        )
        if state is None:
            new_state, actions = start(flow, context)
        else:
            assert event is not None
            new_state, actions = advance(flow, state, event, context)
        wait_until: datetime | None = None
        for _ in range(MAX_CALLS_PER_TURN):
            call, contact, wait_until = await self._carry_out(
                turn, new_state, actions, contact, flow.name
            )
            if call is None or new_state is None:
                break
            http = self.automation.http
            result = await call_http(http, call)
            context = FlowContext(
                now=turn.now,
                locale=turn.locale,
                fields={"first_name": item.first_name, **contact.fields},
                labels=contact.labels,
                hours=turn.settings.hours,
            )
            new_state, actions = advance(flow, new_state, HttpDone(result.ok, result.data), context)
        had_flow = state is not None or thread_had_flow
        if new_state is not None or had_flow:
            await self._save_state(item.conversation_id, new_state, turn.now, wait_until)

    async def _carry_out(
        self,
        turn: Turn,
        state: FlowState | None,
        actions: Sequence[act.Action],
        contact: ContactData,
        flow_name: str = "",
    ) -> tuple[act.CallHttp | None, ContactData, datetime | None]:
        item = turn.incoming
        fields = dict(contact.fields)
        labels = set(contact.labels)
        consents = list(contact.consents)
        answers: list[act.Subscribe | act.Unsubscribe] = []
        wait_until: datetime | None = None
        call: act.CallHttp | None = None
        handover = False
        replies: list[Reply] = []
        for action in actions:
            match action:
                case act.SendText(text=text):
                    replies.append(Reply(text))
                case act.SendQuickReplies(text=text, replies=quick):
                    replies.append(
                        Reply(text, tuple(QuickReply(q.title, q.payload) for q in quick))
                    )
                case act.SendButtons(text=text, buttons=buttons):
                    replies.append(Reply(attachment=_buttons(text, buttons)))
                case act.SendTemplate(cards=cards):
                    replies.append(Reply(attachment=_generic(cards)))
                case act.SetField(field=name, value=value):
                    fields[name] = value
                case act.AddLabel(label=label):
                    labels.add(label)
                case act.RemoveLabel(label=label):
                    labels.discard(label)
                case act.Subscribe(topic=topic):
                    consents.append(_consent(topic, "subscribe", turn.now, item.message_id))
                    answers.append(action)
                case act.Unsubscribe(topic=topic):
                    consents.append(_consent(topic, "unsubscribe", turn.now, item.message_id))
                    answers.append(action)
                case act.CallHttp():
                    call = action
                case act.Wait(until=until):
                    wait_until = until
                case act.Handover():
                    handover = True
                case act.EndFlow():
                    pass
        updated = ContactData(fields, frozenset(labels), tuple(consents))
        if updated != contact or answers:
            await self._run_db(_save_contact, item, updated, turn.now, tuple(answers), flow_name)
        for reply in replies:
            await self.automation.send(item.workspace_id, item.conversation_id, reply)
        if handover:
            from comptoir.services.handover import take

            await take(self.automation.container, item.workspace_id, item.conversation_id, "")
        return call, updated, wait_until if state is not None else None

    async def _save_state(
        self,
        conversation_id: int,
        state: FlowState | None,
        now: datetime,
        wait_until: datetime | None = None,
    ) -> None:
        if state is None:
            values: dict[str, Any] = {
                "flow_name": None,
                "flow_step": None,
                "flow_data": {},
                "wait_until": None,
            }
        else:
            data = dict(state.data)
            if state.attempts:
                data[_ATTEMPTS] = str(state.attempts)
            values = {
                "flow_name": state.flow,
                "flow_step": state.step,
                "flow_data": data,
                "wait_until": wait_until,
            }
        await self._run_db(_update, conversation_id, now, values)

    async def _run_db(self, function: Any, *args: Any) -> Any:
        return await self.automation.container.writes.run(lambda conn: function(conn, *args))

    async def wait_over(self, turn: Turn, flow: Flow, state: FlowState) -> None:
        await self.step(turn, flow, state, WaitOver())


def _save_contact(
    conn: Any,
    item: Incoming,
    data: ContactData,
    now: datetime,
    answers: tuple[act.Subscribe | act.Unsubscribe, ...],
    flow_name: str,
) -> None:
    """Fields, labels and the flow's consent list; each consent also goes to the consent
    record (``services.consent``), in the same transaction."""
    save_contact_data(conn, item.contact_id, data, now)
    for action in answers:
        how = ConsentAnswer(
            ConsentChannel.FLOW,
            wording=action.wording,
            answer=action.answer,
            detail={"message_id": item.message_id, "flow": flow_name},
        )
        record = opt_in if isinstance(action, act.Subscribe) else opt_out
        record(conn, item.contact_id, action.topic, now, how, workspace_id=item.workspace_id)


def _update(conn: Any, conversation_id: int, now: datetime, values: dict[str, Any]) -> None:
    update_thread(conn, conversation_id, now, **values)


def _consent(topic: str, action: str, now: datetime, message_id: int) -> dict[str, str]:
    return {
        "topic": topic,
        "action": action,
        "at": now.isoformat(),
        "message_id": str(message_id),
    }


def _button(button: act.Button) -> dict[str, Any]:
    if button.url:
        return {"type": "web_url", "title": button.title, "url": button.url}
    return {"type": "postback", "title": button.title, "payload": button.payload or ""}


def _buttons(text: str, buttons: Sequence[act.Button]) -> Attachment:
    payload = {
        "template_type": "button",
        "text": text,
        "buttons": [_button(b) for b in buttons],
    }
    return Attachment(type="template", payload=payload)


def _generic(cards: Sequence[act.TemplateCard]) -> Attachment:
    elements = []
    for card in cards:
        element: dict[str, Any] = {"title": card.title}
        if card.subtitle:
            element["subtitle"] = card.subtitle
        if card.image_url:
            element["image_url"] = card.image_url
        if card.buttons:
            element["buttons"] = [_button(b) for b in card.buttons]
        elements.append(element)
    return Attachment(type="template", payload={"template_type": "generic", "elements": elements})


def _log_writing(folder: str, texts: Any) -> None:
    try:
        for found in check_flow_texts(texts):
            log.warning("flows in %s: writing: %s", folder, found)
    except Exception:
        log.exception("flows in %s: the writing checks failed", folder)
