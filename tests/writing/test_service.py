"""``comptoir.services.writing``: the API other code calls (the REST endpoint, flows,
broadcasts, the composer). Its results are JSON-serialisable; bad input is a clear
``WritingInputError`` naming the field."""

from __future__ import annotations

import json

import pytest

from comptoir.domain.writing import RULE_IDS, Severity
from comptoir.services import writing
from comptoir.services.writing import WritingInputError, check_payload


def test_a_result_round_trips_through_json() -> None:
    result = writing.check_message(
        "PROFITEZ DE NOS SOLDES !!! Votre comande 🎉🎉🎉",
        mechanism="message_tag",
        quick_replies=["Oui", "Non merci, pas maintenant"],
    )

    data = json.loads(json.dumps(result.to_json()))
    assert data["language"] == "fr"
    assert {f["rule_id"] for f in data["findings"]} >= {
        "style.shouting",
        "policy.promotional_content",
        "style.repeated_punctuation",
        "spelling.unknown_word",
        "style.emoji_overload",
        "quick_reply.title_too_long",
    }
    assert data["counts"]["error"] == result.count(Severity.ERROR) > 0
    text_findings = [f for f in data["findings"] if f["target"] == "text"]
    assert all({"line", "column"} <= f.keys() for f in text_findings)
    assert all("line" not in f for f in data["findings"] if f["target"] != "text")


def test_check_payload_takes_send_api_shaped_parts() -> None:
    result = check_payload(
        {
            "text": "Choose a time",
            "quick_replies": [
                {"content_type": "text", "title": "Tomorrow at 9am", "payload": "T9"},
                {"content_type": "user_email"},
                {"content_type": "text", "title": "Later this week if possible", "payload": "L"},
            ],
            "cards": [
                {"title": "Haircut", "subtitle": "45 minutes", "buttons": [{"title": "Book"}]}
            ],
            "locale": "fr",
        }
    )

    [finding] = result.findings
    assert (finding.rule_id, finding.target) == ("quick_reply.title_too_long", "quick_replies[2]")
    assert finding.message.startswith("Titre de réponse rapide de 27 caractères")


def test_defaults_fill_what_the_payload_leaves_out() -> None:
    payload = {"text": "Soldes : -20 % ce week-end."}

    assert check_payload(payload).has_errors is False
    assert check_payload(payload, mechanism="message_tag").has_errors is True
    assert (
        check_payload({**payload, "mechanism": "response"}, mechanism="message_tag").has_errors
        is False
    )


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ([], "body", "must be a JSON object"),
        ({"text": None}, "text", "must be a string"),
        ({"text": "Hi", "channel": "sms"}, "channel", "must be one of messenger, instagram"),
        ({"text": "Hi", "mechanism": 3}, "mechanism", "must be a string"),
        ({"text": "Hi", "language": "de"}, "language", "must be one of auto, en, fr"),
        ({"text": "Hi", "locale": "de"}, "locale", "must be one of en, fr"),
        ({"text": "Hi", "preview_chars": 0}, "preview_chars", "at least 1"),
        ({"text": "Hi", "preview_chars": "100"}, "preview_chars", "whole number"),
        ({"text": "Hi", "quick_replies": "Yes"}, "quick_replies", "must be a list"),
        ({"text": "Hi", "buttons": [{"title": 4}]}, "buttons[0]", "string title"),
        ({"text": "Hi", "cards": [{"title": 1}]}, "cards[0]", "must be strings"),
        ({"text": "Hi", "cards": ["x"]}, "cards[0]", "object with a title"),
        ({"text": "Hi", "workspace_words": "Glowlift"}, "workspace_words", "must be a list"),
        ({"text": "Hi", "secret": "x"}, "secret", "unknown field"),
    ],
)
def test_bad_payloads_name_the_field(payload: object, field: str, words: str) -> None:
    with pytest.raises(WritingInputError) as raised:
        check_payload(payload)

    assert raised.value.field == field
    assert words in raised.value.message


def test_dictionaries_load_once_per_process() -> None:
    assert writing.dictionaries() is writing.dictionaries()
    assert set(writing.dictionaries()) == {"en", "fr"}


def test_every_rule_has_a_unique_id() -> None:
    assert len(RULE_IDS) == len(set(RULE_IDS))
    assert all(rule_id.count(".") == 1 for rule_id in RULE_IDS)
