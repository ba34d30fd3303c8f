"""``comptoir flows check DIR``: validate a folder of flow files without starting anything.

Prints ``file:line: problem`` for each problem and exits 1 when there is one; then runs the
writing assistant on every message text and prints its errors and warnings the same way (a
writing error, such as a message Messenger would refuse, also exits 1).
"""

from __future__ import annotations

from pathlib import Path

import click

from comptoir.domain.writing import Severity
from comptoir.services.flow_files import FileText, FlowFilesError, read_folder
from comptoir.services.flow_writing import check_flow_texts


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
    errors = 0
    for found in check_flow_texts(texts):
        errors += found.finding.severity is Severity.ERROR
        click.echo(str(found))
    return errors
