"""Managing a Page's flows folder through the REST API: a file is written (or removed) only
when the whole folder, with the change, still loads without a problem.

The change is tried on a copy of the folder first (``flow_files.read_folder``); problems are
returned with paths relative to the folder, and nothing is changed. A file is replaced
atomically (written beside, then renamed).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from comptoir.services.flow_files import FlowFilesError, Problem, read_folder

__all__ = ["MAX_FILE_BYTES", "FlowAdminError", "delete_flow_file", "put_flow_file"]

MAX_FILE_BYTES = 256 * 1024
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,80}\.ya?ml$")


class FlowAdminError(ValueError):
    """A request that cannot be carried out (bad name, missing file); nothing changed."""


def _checked_name(name: str) -> str:
    if not _NAME.match(name):
        raise FlowAdminError(
            "a flow file name is letters, digits, '-' or '_' ending in .yaml or .yml"
        )
    return name


def _try(folder: Path, change: str, text: str | None) -> tuple[Problem, ...]:
    """Load a copy of ``folder`` with ``change`` written (``text``) or removed (None)."""
    with tempfile.TemporaryDirectory(prefix="comptoir-flows-") as scratch:
        copy = Path(scratch) / "flows"
        if folder.is_dir():
            shutil.copytree(folder, copy)
        else:
            copy.mkdir()
        target = copy / change
        if text is None:
            target.unlink(missing_ok=True)
        else:
            target.write_text(text, encoding="utf-8")
        try:
            read_folder(copy)
        except FlowFilesError as error:
            return tuple(_relative(problem, copy) for problem in error.problems)
    return ()


def _relative(problem: Problem, copy: Path) -> Problem:
    try:
        shown = str(Path(problem.file).relative_to(copy))
    except ValueError:
        shown = Path(problem.file).name
    return Problem(shown, problem.line, problem.message)


def put_flow_file(folder: Path, name: str, text: str) -> tuple[Problem, ...]:
    """Write ``name`` in ``folder`` when the folder still loads with it; else its problems
    (and nothing written)."""
    _checked_name(name)
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise FlowAdminError(f"a flow file is at most {MAX_FILE_BYTES // 1024} KiB")
    problems = _try(folder, name, text)
    if problems:
        return problems
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{name}.tmp"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, folder / name)
    return ()


def delete_flow_file(folder: Path, name: str) -> tuple[Problem, ...]:
    """Remove ``name`` from ``folder`` when the rest still loads; else the problems."""
    _checked_name(name)
    if not (folder / name).is_file():
        raise FlowAdminError(f"no flow file {name}")
    problems = _try(folder, name, None)
    if problems:
        return problems
    (folder / name).unlink()
    return ()
