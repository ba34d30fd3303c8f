"""The webhook receiver: handshake, signature, Page lookup, size cap, malformed bodies."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from comptoir.services.intake import intake_of
from comptoir.storage import tables
from comptoir.storage.pages import connect_page
from comptoir.web.log_limit import LogLimiter
from tests.support.stack import WebhookHarness, sign

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).parent.parent / "fixtures" / "messenger"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def stored(harness: WebhookHarness) -> dict[str, int]:
    return {
        table.name: len(harness.rows(table))
        for table in (tables.webhook_events, tables.contacts, tables.messages)
    }


NOTHING = {"webhook_events": 0, "contacts": 0, "messages": 0}


# ---- handshake -------------------------------------------------------------------------


async def test_handshake_echoes_the_challenge(webhook_harness: WebhookHarness) -> None:
    response = await webhook_harness.client.get(
        "/webhooks/messenger",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": webhook_harness.verify_token,
            "hub.challenge": "1158201444",
        },
    )
    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        pytest.param(
            {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
            "bad_verify_token",
            id="wrong-token",
        ),
        pytest.param(
            {"hub.mode": "unsubscribe", "hub.verify_token": "verify-0001", "hub.challenge": "1"},
            "bad_handshake",
            id="wrong-mode",
        ),
        pytest.param(
            {"hub.mode": "subscribe", "hub.verify_token": "verify-0001"},
            "bad_handshake",
            id="no-challenge",
        ),
        pytest.param({}, "bad_handshake", id="no-params"),
    ],
)
async def test_handshake_refusals_are_403_json(
    webhook_harness: WebhookHarness, params: dict[str, str], code: str
) -> None:
    response = await webhook_harness.client.get("/webhooks/messenger", params=params)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == code
    assert "verify-0001" not in response.text


# ---- signature and Page ----------------------------------------------------------------


async def test_a_signed_event_is_stored_and_acknowledged(webhook_harness: WebhookHarness) -> None:
    response = await webhook_harness.post(fixture("text"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    # Acknowledged means committed: no waiting needed to read it back.
    messages = webhook_harness.rows(tables.messages)
    assert [m["text"] for m in messages] == ["Hi, is this in stock?"]


async def test_bad_signature_is_403_and_stores_nothing(webhook_harness: WebhookHarness) -> None:
    response = await webhook_harness.post(fixture("text"), secret="not-the-app-secret")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "bad_signature"
    assert stored(webhook_harness) == NOTHING


async def test_signature_of_another_body_is_refused(webhook_harness: WebhookHarness) -> None:
    body = fixture("text")
    tampered = body.replace(b"Hi, is this in stock?", b"Hi, is this in stoc!?")
    response = await webhook_harness.post(
        tampered, signature=sign(body, webhook_harness.app_secret)
    )
    assert response.status_code == 403
    assert stored(webhook_harness) == NOTHING


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
    ],
)
async def test_missing_signature_is_401_and_stores_nothing(
    webhook_harness: WebhookHarness, header: str | None
) -> None:
    response = await webhook_harness.post(fixture("text"), signature=header)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "missing_signature"
    assert stored(webhook_harness) == NOTHING


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("sha1=0123456789abcdef0123456789abcdef01234567", id="sha1"),
        pytest.param("sha256=zz", id="not-hex"),
        pytest.param("0" * 64, id="no-prefix"),
    ],
)
async def test_malformed_signatures_are_403(webhook_harness: WebhookHarness, header: str) -> None:
    response = await webhook_harness.post(fixture("text"), signature=header)
    assert response.status_code == 403
    assert stored(webhook_harness) == NOTHING


async def test_unknown_page_is_404_and_stores_nothing(webhook_harness: WebhookHarness) -> None:
    body = fixture("text").replace(b"104000000000001", b"999000000000009")
    response = await webhook_harness.post(body)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "unknown_page"
    assert "999000000000009" in error["message"]
    assert stored(webhook_harness) == NOTHING


async def test_an_envelope_naming_a_known_and_an_unknown_page_is_refused(
    webhook_harness: WebhookHarness,
) -> None:
    envelope = json.loads(fixture("text"))
    other = json.loads(json.dumps(envelope["entry"][0]).replace("104000000000001", "999"))
    envelope["entry"].append(other)
    response = await webhook_harness.post(json.dumps(envelope).encode())
    assert response.status_code == 404
    assert stored(webhook_harness) == NOTHING


async def test_the_signature_covers_the_exact_escaped_bytes(
    webhook_harness: WebhookHarness,
) -> None:
    # Meta escapes non-ASCII characters; the signature is over those bytes, not a re-encoding.
    body = (
        b'{"object":"page","entry":[{"id":"104000000000001","time":1767225600123,"messaging":[{'
        b'"sender":{"id":"6100000000000001"},"recipient":{"id":"104000000000001"},'
        b'"timestamp":1767225600050,"message":{"mid":"m_accents","text":"\\u00e4\\u00f6\\u00e5 '
        b'\\u2764\\ufe0f"}}]}]}'
    )
    response = await webhook_harness.post(body)
    assert response.status_code == 200
    assert webhook_harness.rows(tables.messages)[0]["text"] == "äöå ❤️"
    raw = webhook_harness.rows(tables.webhook_events)[0]["payload"]
    assert raw["message"]["text"] == "äöå ❤️"


async def test_a_rotated_app_secret_is_picked_up(webhook_harness: WebhookHarness) -> None:
    assert (await webhook_harness.post(fixture("text"))).status_code == 200  # cached now
    container = webhook_harness.container
    with container.engine.begin() as connection:
        connect_page(
            connection,
            container.secrets,
            workspace_id=webhook_harness.workspace_id,
            page_id=webhook_harness.page_id,
            access_token=webhook_harness.access_token,
            app_secret="the-new-app-secret",
            verify_token=webhook_harness.verify_token,
            now=webhook_harness.clock.now(),
        )
    response = await webhook_harness.post(fixture("quick_reply"), secret="the-new-app-secret")
    assert response.status_code == 200
    old = await webhook_harness.post(fixture("image"), secret=webhook_harness.app_secret)
    assert old.status_code == 403


# ---- body ------------------------------------------------------------------------------


async def test_a_body_over_the_cap_is_413(webhook_harness: WebhookHarness) -> None:
    cap = webhook_harness.container.settings.webhook_max_body
    body = b'{"object":"page","entry":[],"pad":"' + b"x" * cap + b'"}'
    response = await webhook_harness.post(body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert stored(webhook_harness) == NOTHING


async def test_a_streamed_body_over_the_cap_is_413_without_content_length(
    webhook_harness: WebhookHarness,
) -> None:
    cap = webhook_harness.container.settings.webhook_max_body
    chunk = b"x" * 65536

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(cap // len(chunk) + 2):
            yield chunk

    response = await webhook_harness.client.post(
        "/webhooks/messenger",
        content=chunks(),
        headers={"X-Hub-Signature-256": "sha256=" + "0" * 64},
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{not json", id="not-json"),
        pytest.param(b"[]", id="array"),
        pytest.param(b'{"object":"page"}', id="no-entry"),
        pytest.param(b'{"object":"page","entry":[{"time":1}]}', id="entry-without-id"),
        pytest.param(b'{"object":"page","entry":[]}', id="empty-entry"),
        pytest.param(b"", id="empty-body"),
    ],
)
async def test_malformed_bodies_are_400(webhook_harness: WebhookHarness, body: bytes) -> None:
    response = await webhook_harness.post(body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed"
    assert stored(webhook_harness) == NOTHING


async def test_another_object_is_400(webhook_harness: WebhookHarness) -> None:
    response = await webhook_harness.post(fixture("instagram"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_object"


async def test_an_unknown_kind_is_kept_and_acknowledged(webhook_harness: WebhookHarness) -> None:
    response = await webhook_harness.post(fixture("unknown_kind"))
    assert response.status_code == 200
    events = webhook_harness.rows(tables.webhook_events)
    kinds = sorted(event["kind"] for event in events)
    assert kinds == ["message", "unknown", "unknown", "unknown"]
    unknown = [e["payload"] for e in events if e["kind"] == "unknown"]
    assert any("response_feedback" in payload for payload in unknown)
    # The well-formed message beside them is stored as usual.
    assert [m["text"] for m in webhook_harness.rows(tables.messages)] == ["still fine"]


async def test_events_that_cannot_be_stored_get_503(webhook_harness: WebhookHarness) -> None:
    await intake_of(webhook_harness.container).aclose()
    response = await webhook_harness.post(fixture("text"))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "not_stored"


# ---- logging ---------------------------------------------------------------------------


async def test_refusals_are_logged_once_per_key_without_secrets(
    webhook_harness: WebhookHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="comptoir.web.webhooks")
    forged = sign(fixture("text"), "forged-secret")
    for _ in range(5):
        response = await webhook_harness.post(fixture("text"), signature=forged)
        assert response.status_code == 403
    lines = [r.getMessage() for r in caplog.records if r.name == "comptoir.web.webhooks"]
    assert len(lines) == 1
    assert "bad_signature" in lines[0]
    for secret in (webhook_harness.app_secret, forged, "forged-secret"):
        assert secret not in caplog.text


def test_log_limiter_holds_back_repeats_and_counts_them(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    limiter = LogLimiter(10.0, clock=lambda: now[0])
    logger = logging.getLogger("tests.log_limit")
    caplog.set_level(logging.WARNING, logger="tests.log_limit")
    assert limiter.warning(logger, "k", "refused %s", "a")
    assert not limiter.warning(logger, "k", "refused %s", "a")
    assert not limiter.warning(logger, "k", "refused %s", "a")
    assert limiter.warning(logger, "other", "refused %s", "b")
    now[0] += 10.0
    assert limiter.warning(logger, "k", "refused %s", "a")
    assert [r.getMessage() for r in caplog.records] == [
        "refused a",
        "refused b",
        "refused a (2 similar lines held back)",
    ]
