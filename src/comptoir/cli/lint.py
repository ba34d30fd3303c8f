"""``comptoir lint``: check a message's writing from the command line.

    comptoir lint "Bonjour, votre commande est prête."
    comptoir lint message.txt --mechanism message_tag
    comptoir lint messages.json --format json

Exit status: 1 when a finding is an error, 0 otherwise, 2 on bad usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from comptoir.domain.writing import CheckResult, Finding, Mechanism, Severity, line_column
from comptoir.services.writing import WritingInputError, check_payload

#: locale -> (summary, no findings, label before a suggestion)
_WORDING = {
    "en": (
        "{error} error(s), {warning} warning(s), {info} hint(s); language: {language}",
        "No findings; language: {language}",
        "suggestion",
    ),
    "fr": (
        "{error} erreur(s), {warning} avertissement(s), {info} conseil(s) ; langue : {language}",
        "Aucune remarque ; langue : {language}",
        "suggestion",
    ),
}


@click.command()
@click.argument("text_or_file")
@click.option(
    "--channel",
    type=click.Choice(["messenger", "instagram"]),
    default="messenger",
    show_default=True,
    help="Where the message is sent: its length limit.",
)
@click.option(
    "--mechanism",
    type=click.Choice([m.value for m in Mechanism]),
    default="response",
    show_default=True,
    help="How it is delivered; message_tag and utility forbid promotion.",
)
@click.option(
    "--lang",
    "language",
    type=click.Choice(["auto", "fr", "en"]),
    default="auto",
    show_default=True,
    help="The message's language.",
)
@click.option(
    "--locale",
    type=click.Choice(["auto", "fr", "en"]),
    default="auto",
    show_default=True,
    help="Language of the findings (auto: the message's).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--words",
    "words_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Extra dictionary words (product names, brand), one per line.",
)
@click.option(
    "--preview-chars",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Characters a notification preview shows.",
)
@click.option("--quick-reply", "quick_replies", multiple=True, help="A quick-reply title (repeat).")
@click.option("--button", "buttons", multiple=True, help="A button title (repeat).")
def lint(
    text_or_file: str,
    channel: str,
    mechanism: str,
    language: str,
    locale: str,
    output_format: str,
    words_file: Path | None,
    preview_chars: int,
    quick_replies: tuple[str, ...],
    buttons: tuple[str, ...],
) -> None:
    """Check the writing of TEXT_OR_FILE: a message, a text file holding one, or a .json file
    holding {"text", "quick_replies", "buttons", "cards"} or a list of them ("-": stdin)."""
    defaults: dict[str, object] = {
        "channel": channel,
        "mechanism": mechanism,
        "language": language,
        "preview_chars": preview_chars,
        "workspace_words": _read_words(words_file) if words_file else [],
    }
    if locale != "auto":
        defaults["locale"] = locale
    payloads, many = _payloads(text_or_file, list(quick_replies), list(buttons))
    try:
        results = [check_payload(payload, **defaults) for payload in payloads]
    except WritingInputError as error:
        raise click.UsageError(str(error)) from None
    if output_format == "json":
        data: Any = [r.to_json() for r in results] if many else results[0].to_json()
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for index, result in enumerate(results):
            if many:
                click.echo(f"[{index}]")
            _print_text(result, locale if locale != "auto" else result.language)
    click.get_current_context().exit(1 if any(r.has_errors for r in results) else 0)


def _payloads(
    argument: str, quick_replies: list[str], buttons: list[str]
) -> tuple[list[object], bool]:
    """The messages to check, and whether the input held a list of them."""
    extra: dict[str, object] = {}
    if quick_replies:
        extra["quick_replies"] = quick_replies
    if buttons:
        extra["buttons"] = buttons
    if argument == "-":
        return [{"text": _strip_final_newline(sys.stdin.read()), **extra}], False
    path = Path(argument)
    if _is_dir(path):
        raise click.UsageError(f"{path} is a folder; give a message or a file")
    if not _is_file(path):
        return [{"text": argument, **extra}], False
    content = _read(path)
    if path.suffix.lower() != ".json":
        return [{"text": _strip_final_newline(content), **extra}], False
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        raise click.UsageError(
            f"{path}: invalid JSON at line {error.lineno}: {error.msg}"
        ) from None
    items = data if isinstance(data, list) else [data]
    if not items:
        raise click.UsageError(f"{path}: the list of messages is empty")
    for item in items:
        if not isinstance(item, dict):
            raise click.UsageError(f"{path}: each message must be a JSON object")
        item.update({k: v for k, v in extra.items() if k not in item})
    return list(items), isinstance(data, list)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a message too long or odd to be a path
        return False


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.UsageError(f"{path} is not UTF-8 text") from None
    except OSError as error:
        raise click.UsageError(f"cannot read {path}: {error.strerror or error}") from None


def _read_words(path: Path) -> list[str]:
    lines = _read(path).splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _strip_final_newline(text: str) -> str:
    return text[:-1] if text.endswith("\n") else text


def _print_text(result: CheckResult, locale: str) -> None:
    summary, clean, suggestion_label = _WORDING["fr" if locale == "fr" else "en"]
    for finding in result.findings:
        click.echo(
            f"{_position(result, finding)}  {finding.severity.value}  "
            f"{finding.rule_id}  {finding.message}"
        )
        if finding.suggestion:
            click.echo(f"  {suggestion_label}: {finding.suggestion}")
    if result.findings:
        counts = {s.value: result.count(s) for s in Severity}
        click.echo(summary.format(language=result.language, **counts))
    else:
        click.echo(clean.format(language=result.language))


def _position(result: CheckResult, finding: Finding) -> str:
    if finding.target == "text":
        line, column = line_column(result.text, finding.start)
        return f"{line}:{column}"
    return f"{finding.target}:{finding.start + 1}"
