"""The emulator is an independent implementation: it imports none of Comptoir's policy code.

Every module under ``src/comptoir/emulator`` is parsed and its imports listed; none may come
from ``comptoir.domain``, ``comptoir.services`` or ``comptoir.channels``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import comptoir.emulator

EMULATOR_DIR = Path(comptoir.emulator.__file__).parent
FORBIDDEN = ("comptoir.domain", "comptoir.services", "comptoir.channels")
MODULES = sorted(EMULATOR_DIR.rglob("*.py"))


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_the_emulator_has_graph_modules_to_check() -> None:
    assert EMULATOR_DIR / "graph" / "send.py" in MODULES
    assert EMULATOR_DIR / "catalogue" / "__init__.py" in MODULES


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(EMULATOR_DIR)) for p in MODULES])
def test_no_import_of_comptoirs_policy_code(path: Path) -> None:
    bad = [name for name in _imports(path) if name.startswith(FORBIDDEN)]
    assert bad == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from comptoir.domain.policy import decide\nimport comptoir.services.x\n")
    assert _imports(sample) == ["comptoir.domain.policy", "comptoir.services.x"]
