from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comptoir.domain.automation import (
    END,
    AddLabel,
    Answer,
    AnswerKind,
    Button,
    CallHttp,
    EndFlow,
    Flow,
    FlowContext,
    FlowState,
    Handover,
    HttpDone,
    Localized,
    OpeningHours,
    QuickReply,
    RemoveLabel,
    SendButtons,
    SendQuickReplies,
    SendTemplate,
    SendText,
    SetField,
    Subscribe,
    TemplateCard,
    Unsubscribe,
    Wait,
    WaitOver,
    advance,
    parse_range,
    start,
)
from comptoir.domain.automation.model import (
    AskStep,
    BranchCase,
    BranchStep,
    Card,
    Choice,
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
    TopicStep,
    WaitStep,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday, 11:00 in Paris


def text(fr: str, en: str | None = None) -> Localized:
    return Localized.of({"fr": fr} | ({"en": en} if en else {}), "fr")


def ctx(**kwargs: object) -> FlowContext:
    return FlowContext(now=NOW, **kwargs)  # type: ignore[arg-type]


ASK_EMAIL = AskStep(
    id="email",
    text=text("Votre e-mail ?", "Your e-mail?"),
    field="email",
    kind=AnswerKind.EMAIL,
    retry=text("Cette adresse ne semble pas valide.", "That address does not look right."),
)
SIGNUP = Flow(
    name="signup",
    triggers=(),
    steps=(
        SendTextStep("hello", text("Bonjour {{first_name}} !", "Hello {{first_name}}!")),
        ASK_EMAIL,
        SendTextStep("thanks", text("Merci, {{email}} est noté.", "Thanks, {{email}} noted.")),
    ),
)


def test_start_runs_up_to_the_first_question_in_the_contact_language() -> None:
    state, actions = start(SIGNUP, ctx(locale="en_GB", fields={"first_name": "Ann"}))
    assert actions == (SendText("Hello Ann!"), SendText("Your e-mail?"))
    assert state == FlowState("signup", "email", {}, 0)


def test_missing_translation_falls_back_to_the_default_language() -> None:
    flow = Flow("f", (), (SendTextStep("a", text("Bonjour")),))
    state, actions = start(flow, ctx(locale="de_DE"))
    assert actions == (SendText("Bonjour"), EndFlow("done"))
    assert state is None


def test_a_wrong_email_is_rejected_with_the_retry_message_then_a_right_one_is_stored() -> None:
    state, _ = start(SIGNUP, ctx(locale="fr_FR"))
    assert state is not None
    state, actions = advance(SIGNUP, state, Answer("marie@chez"), ctx(locale="fr_FR"))
    assert actions == (
        SendText("Cette adresse ne semble pas valide."),
        SendText("Votre e-mail ?"),
    )
    assert state == FlowState("signup", "email", {}, 1)
    state, actions = advance(SIGNUP, state, Answer("Marie@Example.com"), ctx(locale="fr_FR"))
    assert actions == (
        SetField("email", "marie@example.com"),
        SendText("Merci, marie@example.com est noté."),
        EndFlow("done"),
    )
    assert state is None


def test_too_many_wrong_answers_end_the_flow() -> None:
    state, _ = start(SIGNUP, ctx())
    for _ in range(2):
        assert state is not None
        state, _ = advance(SIGNUP, state, Answer("no"), ctx())
    assert state is not None
    state, actions = advance(SIGNUP, state, Answer("still no"), ctx())
    assert state is None
    assert actions == (EndFlow("gave_up"),)


def test_a_choice_is_asked_with_quick_replies_and_a_payload_answers_it() -> None:
    ask = AskStep(
        id="service",
        text=text("Quel service ?"),
        field="service",
        kind=AnswerKind.CHOICE,
        retry=text("Choisissez un service."),
        choices=(text("Coupe", "Cut"), text("Couleur", "Colour")),
    )
    flow = Flow("book", (), (ask,))
    state, actions = start(flow, ctx())
    assert actions == (
        SendQuickReplies(
            "Quel service ?", (QuickReply("Coupe", "Coupe"), QuickReply("Couleur", "Couleur"))
        ),
    )
    assert state is not None
    state, actions = advance(flow, state, Answer("Couleur", payload="Couleur"), ctx())
    assert actions == (SetField("service", "Couleur"), EndFlow("done"))


def test_branch_on_field_label_locale_and_opening_hours() -> None:
    hours = OpeningHours("Europe/Paris", {"mon": (parse_range("09:00-18:00"),)})
    flow = Flow(
        "route",
        (),
        (
            BranchStep(
                "which",
                (
                    BranchCase((OpenCondition(is_open=False),), "closed"),
                    BranchCase((LabelCondition("vip"), LocaleCondition("en")), "vip_en"),
                    BranchCase((FieldCondition("order", negate=True),), "no_order"),
                    BranchCase((FieldCondition("plan", equals="PRÉMIUM"),), "premium"),
                ),
                otherwise="other",
            ),
            SendTextStep("closed", text("fermé")),
            BranchStep("stop1", (), otherwise=END),
            SendTextStep("vip_en", text("vip", "vip en")),
            BranchStep("stop2", (), otherwise=END),
            SendTextStep("no_order", text("pas de commande")),
            BranchStep("stop3", (), otherwise=END),
            SendTextStep("premium", text("premium")),
            BranchStep("stop4", (), otherwise=END),
            SendTextStep("other", text("autre")),
        ),
    )

    def first(context: FlowContext) -> str:
        _, actions = start(flow, context)
        assert isinstance(actions[0], SendText)
        return actions[0].text

    night = FlowContext(now=NOW + timedelta(hours=10), hours=hours)
    assert first(night) == "fermé"
    assert first(ctx(hours=hours, labels=frozenset({"vip"}), locale="en_US")) == "vip en"
    assert first(ctx(hours=hours, labels=frozenset({"vip"}), locale="fr_FR")) == "pas de commande"
    assert first(ctx(fields={"order": "1", "plan": "premium"})) == "premium"
    assert first(ctx(fields={"order": "1", "plan": "basic"})) == "autre"


def test_labels_topics_buttons_templates_and_handover() -> None:
    flow = Flow(
        "misc",
        (),
        (
            LabelStep("l1", "lead"),
            LabelStep("l2", "cold", remove=True),
            TopicStep("t1", "promotions"),
            TopicStep("t2", "news", unsubscribe=True),
            BranchStep("b", (BranchCase((LabelCondition("lead"),), "buttons"),), otherwise=END),
            SendButtonsStep(
                "buttons",
                text("Et ensuite ?"),
                (Choice(text("Site"), url="https://example.com"), Choice(text("Aide"), "HELP")),
            ),
            SendQuickRepliesStep("qr", text("Oui ?"), (Choice(text("Oui"), "YES"),)),
            SendTemplateStep(
                "cards",
                (Card(text("Robe"), text("39 €"), "https://example.com/r.jpg", ()),),
            ),
            HandoverStep("human", text("Un conseiller arrive.")),
            SendTextStep("never", text("jamais")),
        ),
    )
    state, actions = start(flow, ctx(labels=frozenset({"cold"})))
    assert state is None
    assert actions == (
        AddLabel("lead"),
        RemoveLabel("cold"),
        Subscribe("promotions"),
        Unsubscribe("news"),
        SendButtons(
            "Et ensuite ?",
            (Button("Site", None, "https://example.com"), Button("Aide", "HELP", None)),
        ),
        SendQuickReplies("Oui ?", (QuickReply("Oui", "YES"),)),
        SendTemplate((TemplateCard("Robe", "39 €", "https://example.com/r.jpg", ()),)),
        SendText("Un conseiller arrive."),
        Handover(),
        EndFlow("handover"),
    )


def test_wait_pauses_until_the_wait_is_over_and_ignores_messages_meanwhile() -> None:
    flow = Flow(
        "later",
        (),
        (WaitStep("pause", timedelta(hours=2)), SendTextStep("after", text("Toujours là ?"))),
    )
    state, actions = start(flow, ctx())
    assert actions == (Wait(timedelta(hours=2), NOW + timedelta(hours=2)),)
    assert state is not None
    same, nothing = advance(flow, state, Answer("coucou"), ctx())
    assert (same, nothing) == (state, ())
    state, actions = advance(flow, state, WaitOver(), ctx())
    assert state is None
    assert actions == (SendText("Toujours là ?"), EndFlow("done"))


HTTP = Flow(
    "order",
    (),
    (
        HttpCallStep(
            "lookup",
            "https://shop.example/orders/{{order}}",
            method="POST",
            timeout_s=2.0,
            retries=1,
            body=(("email", "{{email}}"),),
            save=(("status", "order.status"), ("eta", "order.eta"), ("first", "items.0.name")),
            on_error="oops",
        ),
        SendTextStep("ok", text("Statut : {{status}}, livraison {{eta}}, {{first}}.")),
        BranchStep("stop", (), otherwise=END),
        SendTextStep("oops", text("Service indisponible.")),
    ),
)


def test_http_call_maps_the_answer_into_fields() -> None:
    context = ctx(fields={"order": "A12", "email": "a@b.fr"})
    state, actions = start(HTTP, context)
    assert actions == (
        CallHttp("https://shop.example/orders/A12", "POST", 2.0, 1, (("email", "a@b.fr"),)),
    )
    assert state is not None
    answer = {"order": {"status": "shipped", "eta": "demain"}, "items": [{"name": "robe"}]}
    state, actions = advance(HTTP, state, HttpDone(ok=True, data=answer), context)
    assert actions == (
        SetField("status", "shipped"),
        SetField("eta", "demain"),
        SetField("first", "robe"),
        SendText("Statut : shipped, livraison demain, robe."),
        EndFlow("done"),
    )


def test_http_failure_goes_to_on_error() -> None:
    state, _ = start(HTTP, ctx())
    assert state is not None
    state, actions = advance(HTTP, state, HttpDone(ok=False), ctx())
    assert actions == (SendText("Service indisponible."), EndFlow("done"))


def test_a_state_on_a_step_that_no_longer_exists_ends_the_flow() -> None:
    state, actions = advance(SIGNUP, FlowState("signup", "gone"), Answer("x"), ctx())
    assert (state, actions) == (None, (EndFlow("step_missing"),))


def test_a_state_of_another_flow_is_refused() -> None:
    with pytest.raises(ValueError, match="state of flow 'other'"):
        advance(SIGNUP, FlowState("other", "email"), Answer("x"), ctx())


def test_a_branch_loop_is_cut() -> None:
    flow = Flow("loop", (), (BranchStep("a", (), otherwise="a"),))
    assert start(flow, ctx()) == (None, (EndFlow("loop"),))


def test_a_text_answer_is_read_from_the_text_not_an_unrelated_payload() -> None:
    ask = AskStep("number", text("Numéro ?"), "order", AnswerKind.TEXT, text("Encore ?"))
    flow = Flow("order", (), (ask,))
    state, _ = start(flow, ctx())
    assert state is not None
    _, actions = advance(flow, state, Answer("CMD-12", payload="HOURS"), ctx())
    assert actions[0] == SetField("order", "CMD-12")


def test_choices_are_offered_in_the_contact_language_and_stored_in_the_default_one() -> None:
    ask = AskStep(
        id="news",
        text=text("Voulez-vous notre lettre ?", "Would you like our newsletter?"),
        field="newsletter",
        kind=AnswerKind.CHOICE,
        retry=text("Oui ou non ?", "Yes or no?"),
        choices=(text("Oui", "Yes"), text("Non", "No")),
    )
    flow = Flow("news", (), (ask,))
    english = ctx(locale="en_US")
    state, actions = start(flow, english)
    assert actions == (
        SendQuickReplies(
            "Would you like our newsletter?", (QuickReply("Yes", "Oui"), QuickReply("No", "Non"))
        ),
    )
    assert state is not None
    _, typed = advance(flow, state, Answer("yes"), english)
    assert typed[0] == SetField("newsletter", "Oui")
    _, tapped = advance(flow, state, Answer("No", payload="Non"), english)
    assert tapped[0] == SetField("newsletter", "Non")
    _, french_word = advance(flow, state, Answer("non"), english)
    assert french_word[0] == SetField("newsletter", "Non")
