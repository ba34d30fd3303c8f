"""``comptoir lint``: plain and JSON output, files, exit codes (1 on errors, 2 on bad usage)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from comptoir.cli import main

BAD_FRENCH_PROMOTION = (
    "Bonjour à tous !!! J’espère que vous allez bien.\n"
    "PROFITEZ DE NOS SOLDES : -50 % sur toute la boutique avec le code SOLDES50, la coupe "
    "à 19,90 € au lieu de 39,90 €, c’est le moment de vous faire plaisir avant les fêtes "
    "et de découvrir nos nouveaux soins. Dépéchez-vous, l’offre est valable jusqu’à "
    "dimanche 18h 😀😀😀🎉🎉"
)


def lint(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["lint", *args], input=stdin)
    return result.exit_code, result.output


def test_a_badly_written_french_promotion_under_a_tag_lists_each_finding_with_position() -> None:
    code, output = lint(BAD_FRENCH_PROMOTION, "--mechanism", "message_tag")

    assert code == 1
    lines = output.splitlines()
    findings = [line for line in lines if re.match(r"^\d+:\d+  (error|warning|info)  ", line)]
    assert "1:1  warning  preview.greeting_only  " in output
    assert "1:16  warning  style.repeated_punctuation  " in output
    assert "2:1  warning  style.shouting  " in output
    assert "2:26  error  policy.promotional_content  " in output  # -50 %
    assert "2:62  error  policy.promotional_content  " in output  # code SOLDES50
    assert "2:88  error  policy.promotional_content  Prix «\xa019,90 €\xa0»" in output
    assert re.search(
        r"^2:\d+  warning  spelling\.unknown_word  «\xa0Dépéchez-vous\xa0»", output, re.M
    )
    assert re.search(r"^2:\d+  warning  style\.emoji_overload  ", output, re.M)
    # each finding is followed by its suggestion, in French like the message
    for line in findings:
        follower = lines[lines.index(line) + 1]
        assert follower.startswith("  suggestion: "), line
    assert "  suggestion: Vouliez-vous écrire «\xa0Dépêchez-vous\xa0» ?" in output
    assert "  suggestion: Un seul «\xa0!\xa0» suffit." in output
    assert "  suggestion: Terminez la phrase après «\xa0…avec le code SOLDES50,\xa0»" in output
    assert lines[-1].startswith("6 erreur(s), 7 avertissement(s), 0 conseil(s)")
    assert lines[-1].endswith("langue : fr")


def test_the_same_message_as_a_reply_in_the_window_has_no_error() -> None:
    code, output = lint(BAD_FRENCH_PROMOTION, "--locale", "en")

    assert code == 0
    assert "policy.promotional_content" not in output
    assert "  suggestion: Use a single “!”." in output


def test_a_clean_message_exits_zero() -> None:
    assert lint("Votre commande est prête, à bientôt !") == (0, "Aucune remarque ; langue : fr\n")
    assert lint("Your order is ready.", "--format", "json")[0] == 0


def test_json_output_is_the_result_of_the_python_api() -> None:
    code, output = lint("Votre comande est prête", "--format", "json", "--mechanism", "utility")

    data = json.loads(output)
    assert code == 0
    assert data["language"] == "fr"
    [finding] = data["findings"]
    assert finding == {
        "rule_id": "spelling.unknown_word",
        "severity": "warning",
        "target": "text",
        "start": 6,
        "end": 13,
        "line": 1,
        "column": 7,
        "message": "«\xa0comande\xa0» n'est pas dans le dictionnaire français.",
        "suggestion": "Vouliez-vous écrire «\xa0commande\xa0» ? Si le mot est juste, ajoutez-le "
        "au dictionnaire de l'espace de travail.",
        "replacement": "commande",
    }
    assert data["counts"] == {"error": 0, "warning": 1, "info": 0}


def test_a_text_file_is_one_message(tmp_path: Path) -> None:
    path = tmp_path / "message.txt"
    path.write_text("Thanks for your ordre.\n", encoding="utf-8")

    code, output = lint(str(path))

    assert code == 0
    assert output.startswith("1:17  warning  spelling.unknown_word  “ordre” is not in the English")


def test_a_json_file_holds_a_message_or_a_list(tmp_path: Path) -> None:
    path = tmp_path / "flow.json"
    path.write_text(
        json.dumps(
            [
                {
                    "text": "Which time suits you?",
                    "quick_replies": ["9am", "Tomorrow afternoon please"],
                },
                {
                    "text": "Thanks!",
                    "buttons": [{"type": "postback", "title": "Open the booking page"}],
                },
            ]
        ),
        encoding="utf-8",
    )

    code, output = lint(str(path))

    assert code == 1
    assert "[0]\nquick_replies[1]:21  error  quick_reply.title_too_long  " in output
    assert "[1]\nbuttons[0]:21  error  button.title_too_long  " in output
    data = json.loads(lint(str(path), "--format", "json")[1])
    assert [len(item["findings"]) for item in data] == [1, 1]


def test_quick_replies_from_the_command_line() -> None:
    code, output = lint(
        "Quel jour ?", "--quick-reply", "Lundi", "--quick-reply", "Mardi en fin de journée"
    )

    assert code == 1
    assert "quick_replies[1]:21  error  quick_reply.title_too_long" in output


def test_extra_words_come_from_a_file(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# our products\nglowlift\n\n", encoding="utf-8")
    text = "Le sérum glowlift est arrivé."

    assert "spelling.unknown_word" in lint(text)[1]
    assert lint(text, "--words", str(words)) == (0, "Aucune remarque ; langue : fr\n")


def test_the_preview_size_and_the_channel_are_options() -> None:
    text = "Bonjour !\n" + "Votre commande est prête. " * 5

    assert "preview.greeting_only" in lint(text)[1]
    assert "preview.greeting_only" not in lint(text, "--preview-chars", "300")[1]
    long_text = "Merci. " * 150
    assert "length.channel" in lint(long_text, "--channel", "instagram")[1]
    assert "length.channel" not in lint(long_text)[1]


def test_stdin() -> None:
    code, output = lint("-", stdin="Votre comande est prête\n")

    assert code == 0
    assert output.startswith("1:7  warning  spelling.unknown_word")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Bonjour", "--mechanism", "spam"], "Invalid value for '--mechanism'"),
        (["Bonjour", "--channel", "sms"], "Invalid value for '--channel'"),
        (["Bonjour", "--preview-chars", "0"], "Invalid value for '--preview-chars'"),
        (["Bonjour", "--words", "/nonexistent/words.txt"], "does not exist"),
        ([], "Missing argument"),
    ],
)
def test_bad_usage_exits_two(args: list[str], message: str) -> None:
    code, output = lint(*args)

    assert code == 2
    assert message in output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON at line 1"),
        ("[]", "the list of messages is empty"),
        ('["text"]', "each message must be a JSON object"),
        ('{"text": 3}', "text: must be a string"),
        ('{"text": "Hi", "quick_replies": [1]}', "quick_replies[0]: must be a string"),
        ('{"text": "Hi", "colour": "red"}', "colour: unknown field"),
        ('{"text": "Hi", "mechanism": "spam"}', "mechanism: must be one of response, update"),
    ],
)
def test_a_bad_json_file_is_a_usage_error_not_a_traceback(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")

    code, output = lint(str(path))

    assert code == 2
    assert message in output
    assert "Traceback" not in output


def test_a_binary_file_or_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")

    assert lint(str(binary))[0] == 2
    assert "is not UTF-8 text" in lint(str(binary))[1]
    assert "is a folder" in lint(str(tmp_path))[1]
    assert lint("Merci", "--words", str(binary))[0] == 2
