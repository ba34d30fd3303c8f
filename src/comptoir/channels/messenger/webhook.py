"""The Messenger webhook: verify the handshake and the signature, then decode the events.

The signature is checked on the raw bytes before anything is parsed: Meta signs the exact
body it sends (with non-ASCII characters escaped as ``\\u00e4``), so re-serialised JSON
would not match (reference §1.3).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

import msgspec

from comptoir.channels.messenger import wire
from comptoir.channels.messenger.events import ReceivedEvent
from comptoir.channels.messenger.normalise import normalise

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="
_CHALLENGE = re.compile(r"[0-9A-Za-z_-]{1,128}")


class MalformedPayloadError(ValueError):
    """The body is not JSON, or not a webhook envelope (``object`` and an ``entry`` list)."""


def verify_signature(raw: bytes, header: str | None, app_secret: str) -> bool:
    """Whether ``header`` (the ``X-Hub-Signature-256`` value) signs ``raw`` with the secret.

    Only ``sha256=<hex>`` is accepted; the legacy SHA-1 header is not enough. The digests
    are compared in constant time.
    """
    if not header or not app_secret:
        return False
    header = header.strip()
    if len(header) != len(_PREFIX) + 64 or header[: len(_PREFIX)].lower() != _PREFIX:
        return False
    try:
        given = bytes.fromhex(header[len(_PREFIX) :])
    except ValueError:
        return False
    expected = hmac.digest(app_secret.encode("utf-8"), raw, "sha256")
    return hmac.compare_digest(expected, given)


def sign(raw: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value for ``raw`` (used by tests and outgoing hooks)."""
    return _PREFIX + hmac.new(app_secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()


def verify_handshake(params: Mapping[str, str], verify_token: str) -> str | None:
    """The challenge to echo for Meta's verification GET, or None to refuse (403).

    Accepts ``hub.mode``/``hub.verify_token``/``hub.challenge`` and the ``hub_*`` spelling
    some frameworks turn them into. The challenge must look like one (Meta sends digits),
    so nothing arbitrary is reflected back.
    """

    def param(name: str) -> str | None:
        return params.get(f"hub.{name}", params.get(f"hub_{name}"))

    mode, token, challenge = param("mode"), param("verify_token"), param("challenge")
    if mode != "subscribe" or token is None or challenge is None or not verify_token:
        return None
    if not hmac.compare_digest(token.encode("utf-8"), verify_token.encode("utf-8")):
        return None
    if not _CHALLENGE.fullmatch(challenge):
        return None
    return challenge


def decode_envelope(raw: bytes) -> wire.Envelope:
    """The envelope, straight from bytes; ``MalformedPayloadError`` if it is not one."""
    try:
        return wire.ENVELOPE_DECODER.decode(raw)
    except msgspec.ValidationError as exc:
        raise MalformedPayloadError(f"not a webhook envelope: {exc}") from None
    except msgspec.DecodeError as exc:
        raise MalformedPayloadError(f"body is not valid JSON: {exc}") from None


def decode_events(raw: bytes) -> list[ReceivedEvent]:
    """Every event in a verified webhook body, as typed events (unknown kinds kept)."""
    return normalise(decode_envelope(raw))
