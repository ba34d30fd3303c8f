"""A Page's flows folder: loaded on first use, reloaded on change, all or nothing; a file
with an error is refused with its line number and the previous flows keep answering."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.automation.support import bot_texts, configure, settle
from tests.support.stack import Stack

pytestmark = pytest.mark.anyio

HOURS = """\
flow: hours
triggers:
  - keyword: [horaires]
steps:
  - send: Ouvert de 9 h à 18 h.
"""

BROKEN = """\
flow: broken
triggers:
  - keyword: [prix]
steps:
  - send: Nos prix sont en boutique.
  - wait: 30h
"""


def yaml_files(root: Path) -> list[str]:
    return sorted(path.name for path in root.rglob("*.yaml"))


async def test_a_bad_file_is_refused_with_its_line_and_the_old_flows_stay(
    stack: Stack, tmp_path: Path
) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "hours.yaml").write_text(HOURS, encoding="utf-8")
    auth = await configure(stack, {"flows_folder": str(folder)})
    listed = await stack.comptoir.get(f"/api/v1/pages/{stack.page.page_id}/flows", headers=auth)
    assert listed.status_code == 200, listed.text
    assert listed.json()["flows"] == ["hours"]
    assert listed.json()["problems"] == []

    (folder / "prices.yaml").write_text(BROKEN, encoding="utf-8")
    reloaded = await stack.comptoir.post(
        f"/api/v1/pages/{stack.page.page_id}/flows/reload", headers=auth
    )
    assert reloaded.status_code == 200, reloaded.text
    answer = reloaded.json()
    assert answer["flows"] == ["hours"]  # nothing half-loaded
    (problem,) = answer["problems"]
    assert problem["file"].endswith("prices.yaml")
    assert problem["line"] == 6
    await stack.customer_says("Vos horaires ?")
    await settle(stack)
    await stack.customer_says("Et vos prix ?")
    await settle(stack)
    assert await bot_texts(stack) == ["Ouvert de 9 h à 18 h."]

    (folder / "prices.yaml").write_text(BROKEN.replace("30h", "2h"), encoding="utf-8")
    await stack.advance(5)  # the runtime looks at the folder again every few seconds
    await stack.customer_says("Et vos prix ?")
    await settle(stack)
    assert (await bot_texts(stack))[-1] == "Nos prix sont en boutique."


async def test_flows_endpoints_need_a_folder(stack: Stack) -> None:
    auth = await configure(stack, {})
    listed = await stack.comptoir.get(f"/api/v1/pages/{stack.page.page_id}/flows", headers=auth)
    assert listed.status_code == 422
    assert listed.json()["error"]["fields"][0]["field"] == "flows_folder"


async def test_flow_files_are_managed_through_the_api_all_or_nothing(
    stack: Stack, tmp_path: Path
) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    auth = await configure(stack, {"flows_folder": str(folder)})
    files = f"/api/v1/pages/{stack.page.page_id}/flows/files"

    added = await stack.comptoir.put(f"{files}/hours.yaml", content=HOURS, headers=auth)
    assert added.status_code == 200, added.text
    assert added.json()["flows"] == ["hours"]
    assert (folder / "hours.yaml").read_text(encoding="utf-8") == HOURS

    refused = await stack.comptoir.put(f"{files}/prices.yaml", content=BROKEN, headers=auth)
    assert refused.status_code == 422, refused.text
    (problem,) = refused.json()["error"]["problems"]
    assert (problem["file"], problem["line"]) == ("prices.yaml", 6)
    assert not (folder / "prices.yaml").exists()

    await stack.customer_says("horaires")
    await settle(stack)
    assert await bot_texts(stack) == ["Ouvert de 9 h à 18 h."]

    for bad_name in ("../escape.yaml", "notes.txt", ".hidden.yaml"):
        answer = await stack.comptoir.put(f"{files}/{bad_name}", content=HOURS, headers=auth)
        assert answer.status_code in (404, 422), (bad_name, answer.text)
    assert yaml_files(tmp_path) == ["hours.yaml"]

    removed = await stack.comptoir.delete(f"{files}/hours.yaml", headers=auth)
    assert removed.status_code == 200, removed.text
    assert removed.json()["flows"] == []
    missing = await stack.comptoir.delete(f"{files}/hours.yaml", headers=auth)
    assert missing.status_code == 404
