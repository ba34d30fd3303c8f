"""Flows in files: a folder of YAML files read, checked and loaded all at once.

    flows = read_folder(Path("flows/shop"))        # FlowSet, or FlowFilesError
    library = FlowLibrary(Path("flows/shop"))
    problems = library.load()                       # () when loaded; else nothing changed
    library.current.router.route(Incoming(text="horaires"))

Files (``*.yaml``, ``*.yml``, sub-folders included) are read in path order; a file holds one
flow (``flow:``) or FAQ entries (``faq:``). Every problem names the file, the line and what is
wrong. Loading is all or nothing: a folder with one bad file loads nothing new and the
library keeps its previous set. ``reload_if_changed`` re-reads the folder when a file was
added, removed or modified.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from comptoir.domain.automation.checks import check_flow
from comptoir.domain.automation.model import (
    Choice,
    FaqEntry,
    Flow,
    KeywordTrigger,
    Step,
    Trigger,
)
from comptoir.domain.automation.router import Router
from comptoir.services.flow_steps import MAX_QUICK_REPLIES, NAME, StepReader, TextSource
from comptoir.services.flow_triggers import read_trigger
from comptoir.services.flow_yaml import (
    LOCALE,
    EntryError,
    LocatedDict,
    LocatedList,
    items,
    localized,
    mapping,
    only_keys,
    read_yaml,
    string,
)

SUFFIXES = (".yaml", ".yml")
_FLOW_KEYS = {"flow", "description", "default_locale", "triggers", "steps"}
_FAQ_KEYS = {"faq", "default_locale"}


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong, where: printed as ``file:line: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line < 1:  # the file or folder as a whole
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


class FlowFilesError(Exception):
    """A folder that cannot be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True, slots=True)
class FileText:
    """A message text of a flow file, for the writing assistant."""

    file: str
    source: TextSource


@dataclass(frozen=True)
class FlowSet:
    """The flows (in routing order) and FAQ entries of a folder."""

    flows: tuple[Flow, ...] = ()
    faq: tuple[FaqEntry, ...] = ()
    texts: tuple[FileText, ...] = field(default=(), repr=False)
    signature: tuple[tuple[str, int, int], ...] = field(default=(), repr=False)

    @cached_property
    def router(self) -> Router:
        return Router(self.flows)

    @cached_property
    def by_name(self) -> dict[str, Flow]:
        return {flow.name: flow for flow in self.flows}


def read_folder(folder: Path) -> FlowSet:
    """Every flow file under ``folder``, checked; ``FlowFilesError`` with all the problems."""
    if not folder.is_dir():
        raise FlowFilesError([Problem(str(folder), 0, "no such folder")])
    paths = flow_paths(folder)
    problems: list[Problem] = []
    flows: list[Flow] = []
    faq: list[FaqEntry] = []
    texts: list[FileText] = []
    where: dict[str, tuple[str, int]] = {}
    exact: dict[Trigger, _Where] = {}
    for path in paths:
        shown = str(path)
        read = _read_file(path, problems)
        if read is None:
            continue
        flow, entries, reader = read
        texts.extend(FileText(shown, source) for source in reader.texts)
        faq.extend(entries)
        if flow is None:
            continue
        flow_obj, name_line, trigger_lines = flow
        if flow_obj.name in where:
            first, first_line = where[flow_obj.name]
            message = f"flow name {flow_obj.name!r} is already used in {first}:{first_line}"
            problems.append(Problem(shown, name_line, message))
            continue
        where[flow_obj.name] = (shown, name_line)
        flows.append(flow_obj)
        for trigger, line in zip(flow_obj.triggers, trigger_lines, strict=True):
            _check_unique(trigger, (flow_obj.name, shown, line), exact, problems)
    if problems:
        raise FlowFilesError(problems)
    return FlowSet(tuple(flows), tuple(faq), tuple(texts), _signature(paths))


_Where = tuple[str, str, int]  # flow name, file, line


def _check_unique(
    trigger: Trigger, here: _Where, seen: dict[Trigger, _Where], problems: list[Problem]
) -> None:
    """A payload, ref, ad or Get Started that starts two flows: only the first ever would."""
    if isinstance(trigger, KeywordTrigger):
        return  # keywords overlap on purpose; the first flow in path order wins
    first = seen.setdefault(trigger, here)
    if first is not here:
        name, file, line = first
        message = (
            f"this trigger already starts flow {name!r} ({file}:{line}); "
            "the first one wins, so this one would never fire"
        )
        problems.append(Problem(here[1], here[2], message))


def flow_paths(folder: Path) -> list[Path]:
    """The flow files under ``folder``, in path order; hidden files and folders (an editor's
    ``.#name.yaml``, ``.git``) are skipped."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.suffix in SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and path.is_file()
    )


def _signature(paths: Iterable[Path]) -> tuple[tuple[str, int, int], ...]:
    found: list[tuple[str, int, int]] = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(found)


_Read = tuple[tuple[Flow, int, tuple[int, ...]] | None, list[FaqEntry], StepReader]


def _read_file(path: Path, problems: list[Problem]) -> _Read | None:
    shown = str(path)
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(shown, 1, "not UTF-8 text"))
        return None
    except OSError as error:
        problems.append(Problem(shown, 0, f"cannot be read: {error.strerror}"))
        return None
    try:
        document = mapping(read_yaml(source), 1, "a flow file")
        default = string(
            document.get("default_locale", "fr"), document.at("default_locale"), "default_locale"
        )
        if not LOCALE.match(default):
            message = f"default_locale: {default!r} is not a language code like fr or en"
            raise EntryError(document.at("default_locale"), message)
        reader = StepReader(default)
        if "faq" in document:
            only_keys(document, _FAQ_KEYS, "an FAQ file")
            return None, _read_faq(document, reader), reader
        if "flow" not in document:
            raise EntryError(1, "a flow file starts with flow: (its name) or faq: (a list)")
        only_keys(document, _FLOW_KEYS, "a flow file")
    except EntryError as error:
        problems.append(Problem(shown, error.line, error.message))
        return None
    flow = _read_flow(document, reader, shown, problems)
    if flow is None:
        return None, [], reader
    listed = document.get("triggers")
    trigger_lines = tuple(listed.lines) if isinstance(listed, LocatedList) else ()
    return (flow, document.at("flow"), trigger_lines), [], reader


def _read_flow(
    document: LocatedDict, reader: StepReader, shown: str, problems: list[Problem]
) -> Flow | None:
    before = len(problems)
    name = ""
    triggers = []
    steps: list[Step] = []
    lines: dict[str, int] = {}
    try:
        name = string(document["flow"], document.at("flow"), "the flow name")
        if not NAME.match(name):
            raise EntryError(
                document.at("flow"), f"flow name {name!r}: use letters, digits, '_', '-' or '.'"
            )
        if "triggers" in document:
            listed = items(document["triggers"], document.at("triggers"), "triggers")
            for value, line in zip(listed, listed.lines, strict=True):
                try:
                    triggers.append(read_trigger(value, line))
                except EntryError as error:
                    problems.append(Problem(shown, error.line, error.message))
        if "steps" not in document:
            raise EntryError(document.line, "a flow needs steps:")
        listed = items(document["steps"], document.at("steps"), "steps")
    except EntryError as error:
        problems.append(Problem(shown, error.line, error.message))
        return None
    for number, (value, line) in enumerate(zip(listed, listed.lines, strict=True), start=1):
        try:
            step = reader.step(value, line, number)
        except EntryError as error:
            problems.append(Problem(shown, error.line, error.message))
            continue
        lines[step.id] = line  # a repeated id is reported where it repeats
        steps.append(step)
    if len(problems) > before:
        return None
    flow = Flow(name, tuple(triggers), tuple(steps))
    for problem in check_flow(flow):
        line = (
            lines.get(problem.step, document.at("steps")) if problem.step else document.at("flow")
        )
        problems.append(Problem(shown, line, problem.message))
    return None if len(problems) > before else flow


def _read_faq(document: LocatedDict, reader: StepReader) -> list[FaqEntry]:
    listed = items(document["faq"], document.at("faq"), "faq")
    entries: list[FaqEntry] = []
    for value, line in zip(listed, listed.lines, strict=True):
        entry = mapping(value, line, "an FAQ entry")
        only_keys(entry, {"questions", "answer", "quick_replies"}, "an FAQ entry")
        if "questions" not in entry or "answer" not in entry:
            raise EntryError(line, "an FAQ entry needs questions: and answer:")
        questions = items(entry["questions"], entry.at("questions"), "questions")
        asked = tuple(
            string(q, at, "a question") for q, at in zip(questions, questions.lines, strict=True)
        )
        if not asked:
            raise EntryError(questions.line, "questions: give at least one")
        answer = localized(entry["answer"], entry.at("answer"), "the answer", reader.default)
        replies: tuple[Choice, ...] = ()
        if "quick_replies" in entry:
            replies = reader.choices(entry, "quick_replies", MAX_QUICK_REPLIES, links=False)
        reader.record(entry.at("answer"), answer, quick_replies=replies)
        entries.append(FaqEntry(asked, answer, replies))
    return entries


class FlowLibrary:
    """The loaded set of a folder, replaced only by a set that loads without problems."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._current = FlowSet()
        self._seen: tuple[tuple[str, int, int], ...] | None = None
        self._lock = threading.Lock()

    @property
    def current(self) -> FlowSet:
        return self._current

    def load(self) -> tuple[Problem, ...]:
        """Read the folder; on success it becomes ``current`` and () is returned, otherwise
        the problems are returned and ``current`` stays as it was."""
        with self._lock:
            if self.folder.is_dir():
                self._seen = _signature(flow_paths(self.folder))
            try:
                loaded = read_folder(self.folder)
            except FlowFilesError as error:
                return error.problems
            self._current = loaded
            return ()

    def reload_if_changed(self) -> tuple[Problem, ...] | None:
        """``load()`` when a file was added, removed or changed since the last ``load``; None
        when nothing did (a folder left broken is not re-read until it changes again)."""
        if self.folder.is_dir() and _signature(flow_paths(self.folder)) == self._seen:
            return None
        return self.load()
