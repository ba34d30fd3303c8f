"""The writing assistant over the texts of a flow folder: used by ``comptoir flows check``
and when automation loads or reloads a folder (its warnings go to the log)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from comptoir.domain.automation.text import placeholders
from comptoir.domain.writing import Finding, Severity
from comptoir.services.flow_files import FileText

#: Findings worth telling the author of a flow file (info-level hints are left out).
SHOWN = (Severity.ERROR, Severity.WARNING)


@dataclass(frozen=True, slots=True)
class FlowTextFinding:
    text: FileText
    finding: Finding

    def __str__(self) -> str:
        source, finding = self.text.source, self.finding
        hint = f" (suggestion: {finding.suggestion})" if finding.suggestion else ""
        return (
            f"{self.text.file}:{source.line}: {finding.severity.value} [{source.language}] "
            f"{finding.message}{hint}"
        )


def check_flow_texts(texts: Iterable[FileText]) -> Iterator[FlowTextFinding]:
    """The errors and warnings of every message text, in file order."""
    from comptoir.services.writing import check_message  # dictionaries load on first use

    for text in texts:
        source = text.source
        # Placeholders such as {{first_name}} are not words to spell-check.
        words = [part for name in placeholders(source.text) for part in name.split("_") if part]
        result = check_message(
            source.text,
            quick_replies=source.quick_replies,
            buttons=source.buttons,
            language=source.language if source.language in ("fr", "en") else "auto",
            workspace_words=words,
        )
        for finding in result.findings:
            if finding.severity in SHOWN:
                yield FlowTextFinding(text, finding)
