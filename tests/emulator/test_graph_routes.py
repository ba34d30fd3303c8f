"""How Graph calls are read: version prefixes, token sources, body encodings, unknown paths."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from tests.emulator.factories import graph_world, text_to

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "path",
    ["/v25.0/me/messages", "/v2.6/me/messages", "/me/messages", "/v26.0/{page}/messages"],
    ids=["v25", "v2.6", "unversioned", "page-id"],
)
async def test_any_version_and_no_version(path: str) -> None:
    async with graph_world() as world:
        person = world.person()
        response = await world.send(text_to(person), path=path.format(page=world.page.page_id))
    assert response.status_code == 200
    expected_version = path.split("/")[1] if path.startswith("/v") else "v25.0"
    assert response.headers["facebook-api-version"] == expected_version


async def test_token_in_the_query() -> None:
    async with graph_world() as world:
        person = world.person()
        response = await world.client.post(
            f"/v25.0/me/messages?access_token={world.token}", json=text_to(person)
        )
    assert response.status_code == 200


async def test_token_in_a_json_body() -> None:
    async with graph_world() as world:
        person = world.person()
        body = {**text_to(person), "access_token": world.token}
        response = await world.client.post("/v25.0/me/messages", json=body)
    assert response.status_code == 200


async def test_form_body_with_json_string_values() -> None:
    async with graph_world() as world:
        person = world.person()
        form = {
            "recipient": json.dumps({"id": person.psid}),
            "message": "{'text': 'Bonjour depuis un formulaire'}",  # Meta's own examples
            "messaging_type": "RESPONSE",
            "access_token": world.token,
        }
        response = await world.client.post("/v25.0/me/messages", data=form)
        item = world.emulator.state.messages[response.json()["message_id"]]
    assert item.text == "Bonjour depuis un formulaire"


async def test_parameters_in_the_query_of_a_post() -> None:
    async with graph_world() as world:
        person = world.person()
        query = (
            f"recipient=%7B%22id%22%3A%22{person.psid}%22%7D&message=%7B%22text%22%3A%22hi%22%7D"
        )
        response = await world.call("POST", f"/v25.0/me/messages?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("headers", "params", "expected"),
    [
        ({}, {}, (104, "An access token is required to request this resource.")),
        ({"Authorization": "Bearer nope"}, {}, (190, "Invalid OAuth access token.")),
        ({"Authorization": "Basic abc"}, {}, (104, None)),
    ],
    ids=["no-token", "unknown-token", "wrong-scheme"],
)
async def test_token_errors(
    headers: dict[str, str], params: dict[str, str], expected: tuple[int, str | None]
) -> None:
    async with graph_world() as world:
        person = world.person()
        response = await world.client.post(
            "/v25.0/me/messages", json=text_to(person), headers=headers, params=params
        )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == expected[0]
    if expected[1]:
        assert error["message"] == expected[1]


@pytest.mark.parametrize("good", [True, False], ids=["good-proof", "bad-proof"])
async def test_appsecret_proof_is_checked_when_given(good: bool) -> None:
    async with graph_world() as world:
        person = world.person()
        secret = world.page.app_secret if good else "not-the-secret"
        proof = hmac.new(secret.encode(), world.token.encode(), hashlib.sha256).hexdigest()
        response = await world.client.post(
            "/v25.0/me/messages",
            params={"access_token": world.token, "appsecret_proof": proof},
            json=text_to(person),
        )
    assert (response.status_code == 200) is good
    if not good:
        assert response.json()["error"]["message"].startswith("Invalid appsecret_proof")
        assert world.page.app_secret not in response.text


async def test_secrets_never_appear_in_errors() -> None:
    async with graph_world() as world:
        person = world.person()
        response = await world.send(text_to(person, "x" * 2001))
        body_and_headers = response.text + json.dumps(dict(response.headers))
    assert world.token not in body_and_headers
    assert world.page.app_secret not in body_and_headers


@pytest.mark.parametrize(
    ("content", "content_type", "fragment"),
    [
        (b'{"recipient": ', "application/json", "valid JSON"),
        (b"[1, 2]", "application/json", "valid JSON"),
        (b"recipient=%7Bnot-json&message=x", "application/x-www-form-urlencoded", "recipient"),
        (b"\xff\xfe", "application/x-www-form-urlencoded", "UTF-8"),
    ],
    ids=["truncated-json", "json-array", "form-bad-json", "not-utf8"],
)
async def test_malformed_bodies_are_graph_errors(
    content: bytes, content_type: str, fragment: str
) -> None:
    async with graph_world() as world:
        response = await world.call(
            "POST", "/v25.0/me/messages", content=content, headers={"Content-Type": content_type}
        )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 100
    assert fragment in error["message"]


@pytest.mark.parametrize(
    ("method", "path", "code", "message"),
    [
        ("GET", "/v25.0/me/feed_of_things", 2500, "Unknown path components: /feed_of_things"),
        ("POST", "/v25.0/me/messages/extra", 2500, "Unknown path components: /messages/extra"),
        ("GET", "/v25.0/", 2500, "Unknown path components: /"),
        (
            "POST",
            "/v25.0/424242/messages",
            100,
            "Unsupported post request. Object with ID '424242' does not exist, cannot be loaded "
            "due to missing permissions, or does not support this operation. Please read the "
            "Graph API documentation at https://developers.facebook.com/docs/graph-api",
        ),
        ("GET", "/v25.0/me/messages", 100, None),
        ("GET", "/v25.0/777", 100, None),
        ("DELETE", "/v25.0/act_1/messages", 100, None),
        ("POST", "/v25.0/act_1/campaigns", 2500, None),
    ],
    ids=[
        "unknown-edge",
        "too-deep",
        "root",
        "other-page",
        "get-on-send",
        "unknown-node",
        "delete-marketing",
        "unknown-ad-edge",
    ],
)
async def test_unknown_paths(method: str, path: str, code: int, message: str | None) -> None:
    async with graph_world() as world:
        response = await world.call(method, path, json={} if method != "GET" else None)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    if code == 100:
        assert (error["error_subcode"], error["type"]) == (33, "GraphMethodException")
    if message is not None:
        assert error["message"] == message


async def test_control_paths_with_a_wrong_method_answer_in_the_control_apis_style() -> None:
    async with graph_world() as world:
        response = await world.client.get("/_emulator/reset")
    assert response.status_code == 404
    assert "control API" in response.json()["error"]["message"]


async def test_multipart_send_uploads_and_sends_a_file() -> None:
    async with graph_world() as world:
        person = world.person()
        files = {"filedata": ("shirt.png", b"\x89PNG fake image", "image/png")}
        data: dict[str, Any] = {
            "recipient": json.dumps({"id": person.psid}),
            "message": json.dumps(
                {"attachment": {"type": "image", "payload": {"is_reusable": True}}}
            ),
        }
        response = await world.call("POST", "/v25.0/me/messages", data=data, files=files)
        body = response.json()
        upload = world.emulator.state.uploads[body["attachment_id"]]
        mismatch = await world.call(
            "POST",
            "/v25.0/me/messages",
            data={**data, "message": data["message"].replace("image", "audio")},
            files=files,
        )
    assert response.status_code == 200, response.text
    assert (upload.type, upload.url) == ("image", None)
    assert mismatch.json()["error"]["error_subcode"] == 2018047
