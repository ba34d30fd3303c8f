"""``comptoir flows check DIR``: validate a folder of flow files without starting anything.

Prints ``file:line: problem`` for each problem and exits 1 when there is one; then runs the
writing assistant on every message text and prints its errors and warnings the same way (a
writing error, such as a message Messenger would refuse, also exits 1).
"""

from __future__ import annotations

from pathlib import Path

import click

from comptoir.domain.automation.text import placeholders
from comptoir.domain.writing import Severity
from comptoir.services.flow_files import FileText, FlowFilesError, read_folder

_SHOWN = (Severity.ERROR, Severity.WARNING)


@click.group()
def flows() -> None:
    """Automation flows kept in files."""


@flows.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--no-writing", is_flag=True, help="Skip the writing assistant's checks.")
def check(folder: Path, no_writing: bool) -> None:
    """Check the flow files in FOLDER: exit 0 when they would load, 1 otherwise."""
    try:
        loaded = read_folder(folder)
    except FlowFilesError as error:
        for problem in error.problems:
            click.echo(f"{problem}", err=True)
        count = len(error.problems)
        click.echo(f"Error: {count} problem(s); nothing in {folder} would be loaded.", err=True)
        raise SystemExit(1) from None
    writing_errors = 0 if no_writing else _check_writing(loaded.texts)
    summary = f"{len(loaded.flows)} flow(s) and {len(loaded.faq)} FAQ entries in {folder}"
    if writing_errors:
        click.echo(f"Error: {summary}; {writing_errors} writing error(s).", err=True)
        raise SystemExit(1)
    click.echo(f"OK: {summary}.")


def _check_writing(texts: tuple[FileText, ...]) -> int:
    from comptoir.services.writing import check_message

    errors = 0
    for text in texts:
        source = text.source
        names = placeholders(source.text)
        words = [part for name in names for part in name.split("_") if part]
        result = check_message(
            source.text,
            quick_replies=source.quick_replies,
            buttons=source.buttons,
            language=source.language if source.language in ("fr", "en") else "auto",
            workspace_words=words,
        )
        for finding in result.findings:
            if finding.severity not in _SHOWN:
                continue
            errors += finding.severity is Severity.ERROR
            hint = f" (suggestion: {finding.suggestion})" if finding.suggestion else ""
            click.echo(
                f"{text.file}:{source.line}: {finding.severity.value} [{source.language}] "
                f"{finding.message}{hint}"
            )
    return errors
