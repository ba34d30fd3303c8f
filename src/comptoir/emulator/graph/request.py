"""One Graph API call, parsed once: path, version, token, parameters and uploaded files.

Graph takes parameters from the query string and the body alike (JSON, form-encoded, or
multipart), and form values that hold objects are JSON strings (``recipient={"id":"1"}``).
Values are kept as received and decoded to objects only when a handler asks for one
(``param_object``), so a plain JSON call pays for one decode. The access token comes from the
``access_token`` parameter (query first, then body) or an ``Authorization: Bearer`` (or
``OAuth``) header; it and ``appsecret_proof`` are removed from the parameters, so they never
reach the logs of calls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, unquote

import msgspec

from comptoir.emulator import catalogue

_JSON_DECODER = msgspec.json.Decoder()

#: Bodies over this size are refused before parsing (Meta's attachment limit is 25 MB).
MAX_BODY_BYTES = 26 * 1024 * 1024


@dataclass(slots=True)
class UploadedFile:
    """A file part of a multipart body (``filedata``)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class GraphRequest:
    method: str
    #: The path after the version prefix, e.g. ``/me/messages``.
    path: str
    #: ``v25.0``, or None when the call had no version prefix.
    version: str | None
    segments: list[str]
    params: dict[str, Any]
    token: str | None = None
    appsecret_proof: str | None = None
    files: dict[str, UploadedFile] = field(default_factory=dict)


def split_path(raw_path: str) -> tuple[str | None, list[str]]:
    """``/v25.0/me/messages`` -> (``v25.0``, [``me``, ``messages``])."""
    segments = [unquote(part) for part in raw_path.split("/") if part]
    if segments and _is_version(segments[0]):
        return segments[0], segments[1:]
    return None, segments


def _is_version(segment: str) -> bool:
    if len(segment) < 4 or segment[0] != "v":
        return False
    major, dot, minor = segment[1:].partition(".")
    return bool(dot) and major.isdigit() and minor.isdigit()


def version_number(version: str | None) -> float | None:
    """``v7.0`` -> 7.0; None for an unversioned call."""
    if version is None:
        return None
    return float(version[1:])


def parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Parameters (and files) of a request body; raises ``GraphError`` on malformed input."""
    if not body.strip():
        return {}, {}
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "multipart/form-data":
        return _parse_multipart(content_type, body)
    if media_type == "application/x-www-form-urlencoded" or (
        media_type != "application/json" and not body.lstrip().startswith(b"{")
    ):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise catalogue.invalid_parameter("The request body must be UTF-8") from None
        return dict(parse_qsl(text, keep_blank_values=True)), {}
    try:
        decoded = _JSON_DECODER.decode(body)
    except msgspec.DecodeError:
        raise catalogue.invalid_json("body") from None
    if not isinstance(decoded, dict):
        raise catalogue.invalid_json("body")
    return decoded, {}


def _parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise catalogue.invalid_parameter("The multipart body could not be read")
    params: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = UploadedFile(filename, part.get_content_type(), data)
        else:
            charset = part.get_content_charset() or "utf-8"
            params[name] = data.decode(charset, errors="replace")
    return params, files


def extract_token(
    params: dict[str, Any], query: dict[str, str], authorization: str | None
) -> tuple[str | None, str | None]:
    """(access token, appsecret_proof), removed from ``params``."""
    token = query.get("access_token")
    body_token = params.pop("access_token", None)
    if token is None and isinstance(body_token, str):
        token = body_token
    if token is None and authorization:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() in ("bearer", "oauth") and value.strip():
            token = value.strip()
    proof = params.pop("appsecret_proof", None)
    if proof is None:
        proof = query.get("appsecret_proof")
    return token, proof if isinstance(proof, str) else None


def merge_query(query: dict[str, str], params: dict[str, Any]) -> dict[str, Any]:
    """Query parameters fill in what the body does not give (the body wins)."""
    if not query:
        return params
    merged: dict[str, Any] = {
        k: v for k, v in query.items() if k not in ("access_token", "appsecret_proof")
    }
    merged.update(params)
    return merged


def decode_json_string(value: str, name: str) -> Any:
    """A form value that holds JSON. Meta's own examples use single quotes
    (``recipient={'id':'PSID'}``), so those are accepted too."""
    try:
        return json.loads(value)
    except ValueError:
        pass
    try:
        return json.loads(value.replace("'", '"'))
    except ValueError:
        raise catalogue.invalid_json(name) from None


def param_object(params: dict[str, Any], name: str) -> dict[str, Any] | None:
    """``params[name]`` as an object (decoding a JSON string), None when absent."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        value = decode_json_string(value, name)
    if not isinstance(value, dict):
        raise catalogue.param_must_be(name, "a JSON object")
    return value


def param_list(params: dict[str, Any], name: str) -> list[Any] | None:
    """``params[name]`` as a list: a JSON array, a JSON string of one, or ``a,b,c``."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            value = decode_json_string(text, name)
        else:
            return [part.strip() for part in text.split(",") if part.strip()]
    if not isinstance(value, list):
        raise catalogue.param_must_be(name, "an array")
    return value


def param_str(params: dict[str, Any], name: str) -> str | None:
    """``params[name]`` as a string (numbers are accepted and turned into strings)."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise catalogue.param_must_be(name, "a string")
    return str(value)


def check_body_size(length: int) -> None:
    """Refuse a body over ``MAX_BODY_BYTES`` (100/2018109, as an over-size attachment)."""
    if length > MAX_BODY_BYTES:
        raise catalogue.attachment_too_large()
