"""Password resets and invitations: links in the log, single use, expiry, same answers."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest

from tests.web.inbox_api.conftest import Desk, error_of

pytestmark = pytest.mark.anyio

LINK = re.compile(r"/inbox/#(reset|invite)=([A-Za-z0-9_\-]+)")


def token_in(caplog: pytest.LogCaptureFixture, kind: str) -> str:
    for record in caplog.records:
        found = LINK.search(record.getMessage())
        if found and found.group(1) == kind:
            return found.group(2)
    raise AssertionError(f"no {kind} link in the log")


async def test_a_reset_link_sets_a_new_password_once(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    old_session = await desk.signed_in(nadia)
    caplog.set_level(logging.WARNING)
    browser = desk.browser()
    known = await browser.http.post("/inbox/api/password-reset", json={"email": nadia.email})
    unknown = await browser.http.post("/inbox/api/password-reset", json={"email": "x@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    token = token_in(caplog, "reset")
    weak = await browser.http.post(
        "/inbox/api/password-reset/confirm", json={"token": token, "password": "short"}
    )
    assert weak.status_code == 422
    assert error_of(weak)["code"] == "weak_password"
    done = await browser.http.post(
        "/inbox/api/password-reset/confirm",
        json={"token": token, "password": "a brand new passphrase"},
    )
    assert done.status_code == 200, done.text
    again = await browser.http.post(
        "/inbox/api/password-reset/confirm",
        json={"token": token, "password": "yet another passphrase"},
    )
    assert again.status_code == 400
    assert error_of(again)["code"] == "invalid_token"
    assert (await old_session.get("/inbox/api/me")).status_code == 401  # other sessions end
    assert (await desk.browser().sign_in(nadia)).status_code == 401
    assert (await desk.browser().sign_in(nadia, "a brand new passphrase")).status_code == 200


async def test_a_reset_link_expires_after_an_hour(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    nadia = desk.person("Nadia", "nadia@example.com")
    caplog.set_level(logging.WARNING)
    browser = desk.browser()
    await browser.http.post("/inbox/api/password-reset", json={"email": nadia.email})
    token = token_in(caplog, "reset")
    desk.clock.advance(timedelta(hours=1, seconds=1))
    late = await browser.http.post(
        "/inbox/api/password-reset/confirm",
        json={"token": token, "password": "a brand new passphrase"},
    )
    assert late.status_code == 400


async def test_an_invitation_creates_an_agent_who_signs_in(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    owner = desk.person("Nadia", "nadia@example.com", role="owner")
    browser = await desk.signed_in(owner)
    caplog.set_level(logging.WARNING)
    sent = await browser.post("/inbox/api/invitations", {"email": "leo@example.com"})
    assert sent.status_code == 201, sent.text
    assert "token" not in sent.text
    token = token_in(caplog, "invite")
    guest = desk.browser()
    info = await guest.http.post("/inbox/api/invitations/lookup", json={"token": token})
    assert info.json() == {
        "email": "leo@example.com",
        "workspace_name": "Salon Lumière",
        "role": "agent",
        "existing_user": False,
    }
    joined = await guest.http.post(
        "/inbox/api/invitations/accept",
        json={"token": token, "name": "Léo", "password": "leo's long passphrase"},
    )
    assert joined.status_code == 200, joined.text
    assert joined.json()["workspace"] == {"id": desk.shop, "name": "Salon Lumière", "role": "agent"}
    members = (await browser.get("/inbox/api/members")).json()["data"]
    assert sorted(m["name"] for m in members) == ["Léo", "Nadia"]
    reused = await desk.browser().http.post(
        "/inbox/api/invitations/accept",
        json={"token": token, "name": "Mallory", "password": "mallory passphrase"},
    )
    assert reused.status_code == 400


async def test_agents_cannot_invite(desk: Desk) -> None:
    agent = desk.person("Léo", "leo@example.com", role="agent")
    browser = await desk.signed_in(agent)
    response = await browser.post("/inbox/api/invitations", {"email": "x@example.com"})
    assert response.status_code == 403


async def test_reset_requests_are_throttled_per_address(desk: Desk) -> None:
    browser = desk.browser("203.0.113.9")
    answers = []
    for n in range(7):
        email = "nadia@example.com" if n % 2 else f"ghost{n}@example.com"
        response = await browser.http.post("/inbox/api/password-reset", json={"email": email})
        answers.append(response.status_code)
    assert answers[:5] == [202] * 5
    assert 429 in answers[5:]
    elsewhere = desk.browser("198.51.100.7")
    response = await elsewhere.http.post(
        "/inbox/api/password-reset", json={"email": "nadia@example.com"}
    )
    assert response.status_code == 202
