"""``X-Hub-Signature-256`` over the raw bytes, and the verification handshake."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from comptoir.channels.messenger.webhook import sign, verify_handshake, verify_signature

SECRET = "app-secret-for-tests"
BODY = b'{"object":"page","entry":[]}'


def hub256(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_good_signature_passes() -> None:
    assert verify_signature(BODY, hub256(BODY), SECRET)
    assert sign(BODY, SECRET) == hub256(BODY)


def test_upper_case_hex_and_surrounding_space_pass() -> None:
    header = hub256(BODY)
    assert verify_signature(BODY, " sha256=" + header[7:].upper() + " ", SECRET)


@pytest.mark.parametrize(
    "header",
    [
        hub256(BODY, "another-secret"),
        hub256(BODY + b" "),
        "sha256=" + "0" * 64,
        "sha256=",
        "sha256=zz" + "0" * 62,
        "sha256=" + "0" * 63,
        "garbage",
        "sha256=é" + "0" * 63,
    ],
    ids=[
        "wrong-secret",
        "other-body",
        "zeros",
        "empty-digest",
        "not-hex",
        "short",
        "no-prefix",
        "non-ascii",
    ],
)
def test_a_bad_signature_fails(header: str) -> None:
    assert not verify_signature(BODY, header, SECRET)


@pytest.mark.parametrize("header", [None, ""])
def test_a_missing_signature_fails(header: str | None) -> None:
    assert not verify_signature(BODY, header, SECRET)


def test_the_legacy_sha1_signature_alone_is_not_enough() -> None:
    sha1 = "sha1=" + hmac.new(SECRET.encode(), BODY, hashlib.sha1).hexdigest()

    assert not verify_signature(BODY, sha1, SECRET)


def test_no_secret_configured_never_verifies() -> None:
    assert not verify_signature(BODY, hub256(BODY, ""), "")


def test_the_exact_unicode_escaped_bytes_are_what_is_signed() -> None:
    # Meta signs the body as sent, with non-ASCII characters escaped (reference §1.3).
    sent = (
        b'{"object":"page","entry":[{"id":"1","messaging":'
        b'[{"message":{"text":"\\u00e4\\u00f6\\u00e5"}}]}]}'
    )
    header = hub256(sent)
    reserialised = json.dumps(json.loads(sent), ensure_ascii=False, separators=(",", ":")).encode()

    assert verify_signature(sent, header, SECRET)
    assert reserialised != sent
    assert not verify_signature(reserialised, header, SECRET)


def test_handshake_echoes_the_challenge_for_the_right_token() -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}

    assert verify_handshake(params, "tok") == "1158201444"
    underscored = {key.replace(".", "_"): value for key, value in params.items()}
    assert verify_handshake(underscored, "tok") == "1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "tok", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": "tok"},
        {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "<script>"},
        {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": ""},
    ],
    ids=[
        "wrong-token",
        "wrong-mode",
        "no-token",
        "no-challenge",
        "odd-challenge",
        "empty-challenge",
    ],
)
def test_handshake_refuses(params: dict[str, str]) -> None:
    assert verify_handshake(params, "tok") is None


def test_handshake_with_no_configured_token_refuses() -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}

    assert verify_handshake(params, "") is None
