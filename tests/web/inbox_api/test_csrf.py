"""CSRF: every change made with a session needs the X-CSRF-Token header; the endpoints used
before signing in take JSON only and refuse cross-site origins."""

from __future__ import annotations

import pytest

from tests.web.inbox_api.conftest import Desk, error_of

pytestmark = pytest.mark.anyio


async def test_changes_without_or_with_a_wrong_token_are_refused(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    _, conversation_id = desk.rows.thread(desk.shop, desk.shop_page)
    browser = await desk.signed_in(nadia)
    path = f"/inbox/api/conversations/{conversation_id}"
    token = browser.csrf
    browser.csrf = ""
    missing = await browser.patch(path, {"status": "resolved"})
    assert missing.status_code == 403
    assert error_of(missing)["code"] == "csrf_failed"
    wrong = await browser.patch(path, {"status": "resolved"}, {"X-CSRF-Token": token[:-2] + "xx"})
    assert wrong.status_code == 403
    note = await browser.post(f"{path}/notes", {"text": "hello"})
    assert note.status_code == 403
    assert (await browser.post("/inbox/api/sign-out")).status_code == 403
    browser.csrf = token
    ok = await browser.patch(path, {"status": "resolved"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "resolved"


async def test_a_cross_site_origin_is_refused_even_with_the_token(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    _, conversation_id = desk.rows.thread(desk.shop, desk.shop_page)
    browser = await desk.signed_in(nadia)
    response = await browser.patch(
        f"/inbox/api/conversations/{conversation_id}",
        {"status": "resolved"},
        {"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    same = await browser.patch(
        f"/inbox/api/conversations/{conversation_id}",
        {"status": "resolved"},
        {"Origin": "http://comptoir.test"},
    )
    assert same.status_code == 200


async def test_sign_in_takes_json_only_and_refuses_other_sites(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    browser = desk.browser()
    form = await browser.http.post(
        "/inbox/api/sign-in", data={"email": nadia.email, "password": nadia.password}
    )
    assert form.status_code == 415
    cross = await browser.http.post(
        "/inbox/api/sign-in",
        json={"email": nadia.email, "password": nadia.password},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    assert "set-cookie" not in cross.headers


async def test_reading_needs_no_token(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    browser = await desk.signed_in(nadia)
    browser.csrf = ""
    assert (await browser.get("/inbox/api/conversations")).status_code == 200
