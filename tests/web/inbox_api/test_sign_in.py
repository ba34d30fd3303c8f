"""Accounts through the inbox API: sign-in, cookies, sessions and their expiry, sign-out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from comptoir.storage.tables import sessions, users
from tests.web.inbox_api.conftest import Desk, error_of

pytestmark = pytest.mark.anyio


async def test_sign_in_sets_a_protected_cookie_and_me_answers(desk: Desk) -> None:
    nadia = desk.person("Nadia", "Nadia@Example.com", role="owner")
    browser = desk.browser()
    response = await browser.sign_in(nadia)
    assert response.status_code == 200, response.text
    cookie = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookie if c.startswith("comptoir_session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=lax" in session_cookie
    assert "Path=/inbox" in session_cookie
    assert "Secure" not in session_cookie  # plain http in this test
    body = response.json()
    assert body["user"] == {"id": nadia.user_id, "email": "Nadia@Example.com", "name": "Nadia"}
    assert body["workspace"] == {"id": desk.shop, "name": "Salon Lumière", "role": "owner"}
    me = await browser.get("/inbox/api/me")
    assert me.status_code == 200
    assert me.json()["csrf_token"] == body["csrf_token"]


async def test_the_email_is_matched_without_case_and_unique(desk: Desk) -> None:
    desk.person("Nadia", "nadia@example.com")
    browser = desk.browser()
    response = await browser.http.post(
        "/inbox/api/sign-in", json={"email": " NADIA@example.COM ", "password": desk_password()}
    )
    assert response.status_code == 200, response.text
    from comptoir.services import accounts

    now = desk.clock.now()
    with desk.container.engine.begin() as conn, pytest.raises(accounts.AccountExistsError):
        accounts.create_user(conn, "NADIA@EXAMPLE.COM", "another long password", "N", now)


def desk_password() -> str:
    from tests.web.inbox_api.conftest import PASSWORD

    return PASSWORD


async def test_wrong_password_and_unknown_email_get_the_same_answer(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    browser = desk.browser()
    wrong = await browser.sign_in(nadia, password="not the right one")
    unknown = await browser.http.post(
        "/inbox/api/sign-in", json={"email": "nobody@example.com", "password": "whatever12345"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert error_of(wrong) == error_of(unknown)
    assert "set-cookie" not in wrong.headers
    assert (await browser.get("/inbox/api/me")).status_code == 401


async def test_passwords_are_stored_as_argon2_hashes(desk: Desk) -> None:
    desk.person("Nadia", "nadia@example.com")
    with desk.container.engine.connect() as conn:
        stored = conn.execute(users.select()).one()
    assert stored.password_hash.startswith("$argon2id$")
    assert desk_password() not in stored.password_hash


async def test_without_a_session_every_endpoint_is_401(desk: Desk) -> None:
    browser = desk.browser()
    for path in ("/inbox/api/me", "/inbox/api/conversations", "/inbox/api/counts"):
        response = await browser.get(path)
        assert response.status_code == 401
        assert error_of(response)["code"] == "unauthenticated"
    browser.http.cookies.set("comptoir_session", "forged-session-id", domain="comptoir.test")
    assert (await browser.get("/inbox/api/me")).status_code == 401


async def test_the_session_id_is_stored_only_as_a_hash(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    browser = await desk.signed_in(nadia)
    cookie = browser.http.cookies.get("comptoir_session")
    assert cookie
    with desk.container.engine.connect() as conn:
        stored = conn.execute(sessions.select()).one()
    assert stored.id_hash != cookie
    assert cookie not in stored.id_hash


async def test_sessions_end_after_idle_time_and_after_their_absolute_lifetime(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    browser = await desk.signed_in(nadia)
    desk.clock.advance(timedelta(hours=11))
    assert (await browser.get("/inbox/api/me")).status_code == 200
    desk.clock.advance(timedelta(hours=11))  # used 11 h ago: still alive
    assert (await browser.get("/inbox/api/me")).status_code == 200
    desk.clock.advance(timedelta(hours=12, minutes=1))  # idle for more than 12 h
    assert (await browser.get("/inbox/api/me")).status_code == 401

    browser = await desk.signed_in(nadia)
    alive = 0
    for _ in range(40):  # used every 11 h 59: never idle, but 14 days is the end
        desk.clock.advance(timedelta(hours=11, minutes=59))
        if (await browser.get("/inbox/api/me")).status_code != 200:
            break
        alive += 1
    assert alive == 28  # 28 x 11 h 59 < 14 days <= 29 x 11 h 59


async def test_sign_out_ends_the_session_on_the_server(desk: Desk) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    browser = await desk.signed_in(nadia)
    stolen = browser.http.cookies.get("comptoir_session")
    response = await browser.post("/inbox/api/sign-out")
    assert response.status_code == 204
    thief = desk.browser()
    thief.http.cookies.set("comptoir_session", stolen or "", domain="comptoir.test")
    assert (await thief.get("/inbox/api/me")).status_code == 401


async def test_cookies_are_secure_when_configured(desk: Desk) -> None:
    from dataclasses import replace

    desk.container.settings = replace(desk.container.settings, secure_cookies=True)
    nadia = desk.person("Nadia", "nadia@example.com")
    response = await desk.browser().sign_in(nadia)
    assert all("Secure" in c for c in response.headers.get_list("set-cookie"))


async def test_a_person_of_no_workspace_cannot_sign_in(desk: Desk) -> None:
    from comptoir.services import accounts

    with desk.container.engine.begin() as conn:
        accounts.create_user(conn, "lone@example.com", desk_password(), "Lone", desk.clock.now())
    response = await desk.browser().http.post(
        "/inbox/api/sign-in", json={"email": "lone@example.com", "password": desk_password()}
    )
    assert response.status_code == 401


async def test_every_answer_carries_the_security_headers(desk: Desk) -> None:
    browser = desk.browser()
    for path in ("/inbox/api/me", "/inbox/", "/api/v1/pages"):
        response = await browser.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "object-src 'none'" in csp
        assert "base-uri 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


async def test_the_api_docs_page_may_load_its_assets_but_nothing_else_relaxes(desk: Desk) -> None:
    response = await desk.browser().get("/docs")
    csp = response.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in csp
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert (
        "cdn.jsdelivr.net"
        not in (await desk.browser().get("/inbox/")).headers["content-security-policy"]
    )
