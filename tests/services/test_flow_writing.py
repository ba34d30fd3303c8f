"""The writing assistant on flow files: the same findings for ``flows check`` and the log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from comptoir.services.automation_flows import FlowResponder
from comptoir.services.flow_files import read_folder
from comptoir.services.flow_writing import check_flow_texts

FLOW = "flow: hi\nsteps:\n  - send: Bonjour !!! Bienvenue chez nous.\n"


def write_folder(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "hi.yaml").write_text(text, encoding="utf-8")
    return folder


def test_findings_name_the_file_and_line(tmp_path: Path) -> None:
    found = [str(f) for f in check_flow_texts(read_folder(write_folder(tmp_path, FLOW)).texts)]
    assert any("hi.yaml:3: warning" in line and "!!!" in line for line in found), found


def test_loading_a_folder_logs_its_writing_warnings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    flows = read_folder(write_folder(tmp_path, FLOW))
    with caplog.at_level(logging.WARNING, logger="comptoir.services.automation_flows"):
        thread = FlowResponder._report("flows", (), flows)
        assert thread is not None
        thread.join(60)
    assert any("hi.yaml:3" in record.getMessage() for record in caplog.records)


def test_a_well_written_folder_logs_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    flows = read_folder(write_folder(tmp_path, "flow: hi\nsteps:\n  - send: Bonjour !\n"))
    with caplog.at_level(logging.WARNING, logger="comptoir.services.automation_flows"):
        thread = FlowResponder._report("flows", (), flows)
        assert thread is not None
        thread.join(60)
    assert caplog.records == []
