"""The inbox page and its files: served under /inbox/, and written so that nothing in them
can turn text into markup or run inline code."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from comptoir.web.inbox_ui import STATIC_DIR, load_static
from tests.support.api import Api, error_of

pytestmark = pytest.mark.anyio


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """These screens run on SQLite only: the inbox API tests (``tests/web/inbox_api``) and
    ``test_inbox_browser.py`` cover both databases, and a browser run costs a minute."""
    return sqlite_url


JS_FILES = sorted(STATIC_DIR.rglob("*.js"))


async def test_the_shell_and_its_files_are_served(api: Api) -> None:
    shell = await api.http.get("/inbox/")
    assert shell.status_code == 200
    assert shell.headers["content-type"].startswith("text/html")
    assert shell.headers["cache-control"] == "no-store"
    assert '<script type="module" src="/inbox/static/js/app.js">' in shell.text

    script = await api.http.get("/inbox/static/js/app.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    style = await api.http.get("/inbox/static/inbox.css")
    assert style.headers["content-type"].startswith("text/css")

    for answer in (shell, script, style):
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "object-src 'none'" in policy
        assert "base-uri 'none'" in policy
        assert answer.headers["x-content-type-options"] == "nosniff"

    redirect = await api.http.get("/inbox", follow_redirects=False)
    assert redirect.status_code == 308
    assert redirect.headers["location"] == "/inbox/"


@pytest.mark.parametrize(
    "name",
    ["nothing.js", "../__init__.py", "..%2F__init__.py", "js/../../__init__.py", "index.html"],
)
async def test_only_the_static_files_are_served(api: Api, name: str) -> None:
    response = await api.http.get(f"/inbox/static/{name}")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_every_module_the_pages_import_is_served() -> None:
    files = load_static()
    imported = set()
    for path in JS_FILES:
        for target in re.findall(r"""from\s+["']\./([\w.-]+)["']""", path.read_text()):
            imported.add(f"js/{target}")
    assert imported, "the modules import each other"
    assert imported <= set(files)


@pytest.mark.parametrize("path", JS_FILES, ids=lambda p: p.name)
def test_the_scripts_never_write_markup(path: object) -> None:
    """Customer text is untrusted: the page builds elements and sets textContent only."""
    source = STATIC_DIR.joinpath(str(path)).read_text()
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert forbidden not in source, f"{forbidden} in {path}"
    assert "new Function" not in source
    assert not re.search(r"setAttribute\(\s*['\"]on", source), "inline handler attribute"


class _Inline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.labelled_ids: set[str] = set()
        self.controls: list[tuple[str, str, bool]] = []
        self._in_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, _ in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"<{tag} {name}=...>")
        if tag == "script" and not values.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("inline <style>")
        if tag == "label":
            self._in_label += 1
            if values.get("for"):
                self.labelled_ids.add(str(values["for"]))
        if tag in ("input", "select", "textarea"):
            self.controls.append((tag, str(values.get("id")), self._in_label > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._in_label -= 1


def test_the_shell_has_no_inline_code_and_every_control_has_a_label() -> None:
    parser = _Inline()
    parser.feed((STATIC_DIR / "index.html").read_text())
    assert parser.problems == []
    unlabelled = [
        (tag, ident)
        for tag, ident, wrapped in parser.controls
        if not wrapped and ident not in parser.labelled_ids
    ]
    assert unlabelled == []
