"""``comptoir flows check DIR``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.support import comptoir, environment

EXAMPLES = Path(__file__).parents[2] / "flows" / "examples"


@pytest.mark.parametrize("example", ["shop", "salon", "nonprofit"])
def test_examples_pass(tmp_path: Path, example: str) -> None:
    result = comptoir(["flows", "check", str(EXAMPLES / example)], environment(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: ")
    assert "FAQ entries" in result.output


def test_a_bad_file_is_refused_with_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "good.yaml").write_text("flow: hi\nsteps:\n  - send: Bonjour\n", encoding="utf-8")
    (folder / "bad.yaml").write_text(
        "flow: later\nsteps:\n  - send: Bonjour\n  - wait: 30h\n", encoding="utf-8"
    )
    result = comptoir(["flows", "check", str(folder)], environment(tmp_path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{folder / 'bad.yaml'}:4: waits add up to 30 h" in result.output
    assert "Error: 1 problem(s); nothing in" in result.output


def test_writing_warnings_are_printed_with_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "typo.yaml").write_text(
        "flow: typo\nsteps:\n  - send: Hi\n  - send:\n      fr: Bonjour\n"
        "      en: Thank you for your mesage.\n",
        encoding="utf-8",
    )
    result = comptoir(["flows", "check", str(folder)], environment(tmp_path))
    assert result.exit_code == 0, result.output
    assert f"{folder / 'typo.yaml'}:5: warning [en]" in result.output
    assert "mesage" in result.output
    quiet = comptoir(["flows", "check", "--no-writing", str(folder)], environment(tmp_path))
    assert "mesage" not in quiet.output


def test_placeholders_are_not_spelling_mistakes(tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        "flow: a\nsteps:\n  - send: 'Bonjour {{first_name}}, votre commande est prête.'\n",
        encoding="utf-8",
    )
    result = comptoir(["flows", "check", str(folder)], environment(tmp_path))
    assert result.exit_code == 0, result.output
    assert "first" not in result.output.replace(str(folder), "")


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = comptoir(["flows", "check", str(tmp_path / "nope")], environment(tmp_path))
    assert result.exit_code == 1
    assert "no such folder" in result.output
    assert "Traceback" not in result.output
