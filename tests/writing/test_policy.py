"""policy.promotional_content: promotion where the mechanism forbids it (a tag, a utility
template) is an error; in a one-time notification a warning; in the window or a marketing
message, nothing."""

from __future__ import annotations

import pytest

from comptoir.domain.writing import Severity
from comptoir.domain.writing.rules.policy import promotional_wording
from tests.writing.support import check, found, spans

PROMO_FR = "Profitez de -20 % sur les soins avec le code BIENVENUE20 jusqu’à dimanche."
PROMO_EN = "Flash sale: 30% off everything, limited time only. Use promo code SPRING30."

ROWS = [
    # (text, mechanism, expected severities of policy findings)
    (PROMO_FR, "message_tag", {Severity.ERROR}),
    (PROMO_FR, "utility", {Severity.ERROR}),
    (PROMO_FR, "notification", {Severity.WARNING}),
    (PROMO_FR, "response", set()),
    (PROMO_FR, "update", set()),
    (PROMO_FR, "marketing", set()),
    (PROMO_EN, "message_tag", {Severity.ERROR}),
    (PROMO_EN, "utility", {Severity.ERROR}),
    (PROMO_EN, "notification", {Severity.WARNING}),
    (PROMO_EN, "response", set()),
    (PROMO_EN, "marketing", set()),
]


@pytest.mark.parametrize(("text", "mechanism", "severities"), ROWS)
def test_promotion_by_mechanism(text: str, mechanism: str, severities: set[Severity]) -> None:
    result = check(text, mechanism=mechanism)

    assert {f.severity for f in found(result, "policy.promotional_content")} == severities


def test_each_promotional_expression_is_pointed_at_in_french() -> None:
    result = check(PROMO_FR, mechanism="message_tag", locale="fr")

    assert spans(result, "policy.promotional_content") == ["Profitez de -20 %", "code BIENVENUE20"]


def test_each_promotional_expression_is_pointed_at_in_english() -> None:
    result = check(PROMO_EN, mechanism="utility", locale="en")

    assert spans(result, "policy.promotional_content") == [
        "sale",
        "30% off",
        "limited time",
        "promo code",
    ]
    finding = found(result, "policy.promotional_content")[0]
    assert "a utility template" in finding.message
    assert finding.suggestion
    assert "marketing message" in finding.suggestion


def test_the_error_explains_the_tag_in_the_readers_language() -> None:
    finding = found(
        check(PROMO_FR, mechanism="message_tag", locale="fr"), "policy.promotional_content"
    )[0]

    assert "étiquette de message" in finding.message
    assert finding.suggestion
    assert "fenêtre de 24 heures" in finding.suggestion


def test_a_price_alone_is_a_warning_a_receipt_may_have_one() -> None:
    result = check("Votre commande de 45,90 € a été expédiée ce matin.", mechanism="utility")

    [finding] = found(result, "policy.promotional_content")
    assert (result.text[finding.start : finding.end], finding.severity) == (
        "45,90 €",
        Severity.WARNING,
    )


def test_a_price_beside_promotional_wording_is_an_error() -> None:
    text = "Soldes : la coupe à 19,90 € au lieu de $39.90, dernière chance !"

    result = check(text, mechanism="message_tag")

    by_span = {
        text[f.start : f.end]: f.severity for f in found(result, "policy.promotional_content")
    }
    assert by_span == {
        "Soldes": Severity.ERROR,
        "19,90 €": Severity.ERROR,
        "$39.90": Severity.ERROR,
        "dernière chance": Severity.ERROR,
    }


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Le linge sale est récupéré mardi à 9 h.", "fr"),
        ("La remise des clés a lieu demain à 10 h.", "fr"),
        ("Profitez bien de votre séjour, votre chambre est prête.", "fr"),
        ("Your parcel is waiting for customs clearance.", "en"),
        ("Don’t miss your appointment tomorrow at 9am.", "en"),
        ("Our sales team will call you back today.", "en"),
        ("Your order has shipped and should arrive on Friday.", "en"),
    ],
)
def test_useful_updates_are_not_taken_for_promotion(text: str, language: str) -> None:
    result = check(text, mechanism="message_tag", language=language)

    assert found(result, "policy.promotional_content") == []


def test_promotional_wording_is_available_to_other_rules() -> None:
    assert [m.group() for m in promotional_wording("Black Friday : -30 % sur tout !", "fr")] == [
        "Black Friday",
        "-30 %",
    ]
    assert promotional_wording("Summer sale today", "fr") == []
    assert [m.group() for m in promotional_wording("Summer sale today", "en")] == ["sale"]


def test_a_tax_reduction_is_not_a_discount() -> None:
    text = "Votre reçu fiscal est prêt : il ouvre droit à une réduction d’impôt de 66 %."

    assert found(check(text, mechanism="utility"), "policy.promotional_content") == []
