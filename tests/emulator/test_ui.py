"""The phone page: served by the emulator, free of HTML injection sinks and inline code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.emulator.harness import emulator_world

UI = Path(__file__).parents[2] / "src" / "comptoir" / "emulator" / "ui"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "content_type", "marker"),
    [
        ("/_emulator/ui/", "text/html", '<script src="app.js" defer></script>'),
        ("/_emulator/ui/app.js", "javascript", "/_emulator"),
        ("/_emulator/ui/style.css", "text/css", ".phone"),
    ],
)
async def test_the_phone_page_is_served(path: str, content_type: str, marker: str) -> None:
    async with emulator_world() as world:
        response = await world.client.get(path)
        assert response.status_code == 200
        assert content_type in response.headers["content-type"]
        assert marker in response.text


def test_app_js_never_writes_markup() -> None:
    source = (UI / "app.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, sink
    assert "new Function" not in source
    assert "textContent" in source


def test_index_has_no_inline_script_style_or_handlers() -> None:
    html = (UI / "index.html").read_text()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert re.search(r"\sstyle\s*=", html) is None
    assert "<style" not in html
    assert re.search(r"\son[a-z]+\s*=", html) is None


def test_app_js_sets_no_inline_style() -> None:
    source = (UI / "app.js").read_text()
    assert ".style." not in source
    assert 'setAttribute("style"' not in source
