"""Every content limit of the reference's §2 at its boundary: n passes, n + 1 fails.

Each row builds a message with a size ``n``; the limit ``n`` is accepted and ``n + 1`` is
refused with a code-100 error naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from comptoir.emulator.state import Person
from tests.emulator.factories import graph_world, make_page, make_upload

pytestmark = pytest.mark.anyio

Make = Callable[[int], dict[str, Any]]
URL = "https://shop.example.com/item"


def _button(title: str = "Voir", payload: str = "SEE") -> dict[str, Any]:
    return {"type": "postback", "title": title, "payload": payload}


def _template(payload: dict[str, Any]) -> dict[str, Any]:
    return {"attachment": {"type": "template", "payload": payload}}


def _generic(elements: list[dict[str, Any]]) -> dict[str, Any]:
    return _template({"template_type": "generic", "elements": elements})


def _element(**overrides: Any) -> dict[str, Any]:
    return {"title": "Tarte aux pommes", "subtitle": "6 parts", **overrides}


def _quick_replies(replies: list[dict[str, Any]]) -> dict[str, Any]:
    return {"text": "Choisissez", "quick_replies": replies}


def _qr(title: str = "Oui", payload: str = "YES") -> dict[str, Any]:
    return {"content_type": "text", "title": title, "payload": payload}


def _receipt(count: int) -> dict[str, Any]:
    return _template(
        {
            "template_type": "receipt",
            "recipient_name": "Camille Martin",
            "order_number": "A-1042",
            "currency": "EUR",
            "payment_method": "Visa 1234",
            "summary": {"total_cost": 42.5},
            "elements": [{"title": "Croissant", "price": 1.5}] * count,
        }
    )


def _images(count: int) -> dict[str, Any]:
    image = {"type": "image", "payload": {"url": "https://cdn.example.com/p.jpg"}}
    return {"attachments": [image] * count}


def _media(buttons: int) -> dict[str, Any]:
    element = {
        "media_type": "image",
        "url": "https://www.facebook.com/photo.php?fbid=1",
        "buttons": [_button()] * buttons,
    }
    return _template({"template_type": "media", "elements": [element]})


LIMITS: list[tuple[str, Make, int]] = [
    ("text-2000", lambda n: {"text": "x" * n}, 2000),
    ("metadata-1000", lambda n: {"text": "x", "metadata": "m" * n}, 1000),
    ("quick-replies-13", lambda n: _quick_replies([_qr()] * n), 13),
    ("quick-reply-title-20", lambda n: _quick_replies([_qr(title="t" * n)]), 20),
    ("quick-reply-payload-1000", lambda n: _quick_replies([_qr(payload="p" * n)]), 1000),
    (
        "button-template-text-640",
        lambda n: _template({"template_type": "button", "text": "t" * n, "buttons": [_button()]}),
        640,
    ),
    (
        "button-template-buttons-3",
        lambda n: _template({"template_type": "button", "text": "t", "buttons": [_button()] * n}),
        3,
    ),
    ("button-title-20", lambda n: _template(
        {"template_type": "button", "text": "t", "buttons": [_button(title="b" * n)]}), 20),
    ("postback-payload-1000", lambda n: _template(
        {"template_type": "button", "text": "t", "buttons": [_button(payload="p" * n)]}), 1000),
    ("generic-elements-10", lambda n: _generic([_element()] * n), 10),
    ("generic-title-80", lambda n: _generic([_element(title="t" * n)]), 80),
    ("generic-subtitle-80", lambda n: _generic([_element(subtitle="s" * n)]), 80),
    ("generic-buttons-3", lambda n: _generic([_element(buttons=[_button()] * n)]), 3),
    ("media-buttons-3", _media, 3),
    ("receipt-elements-100", _receipt, 100),
    ("images-30", _images, 30),
    ("optin-title-65", lambda n: _template(
        {"template_type": "notification_messages", "title": "t" * n, "payload": "DEALS"}), 65),
]  # fmt: skip


async def _send(message: dict[str, Any], *, when: str = "2026-07-01T12:00:00") -> Any:
    async with graph_world() as world:
        world.at(when)
        person = world.person()
        return await world.send({"recipient": {"id": person.psid}, "message": message})


@pytest.mark.parametrize(("make", "limit"), [r[1:] for r in LIMITS], ids=[r[0] for r in LIMITS])
async def test_limit_n_passes(make: Make, limit: int) -> None:
    response = await _send(make(limit))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("make", "limit"), [r[1:] for r in LIMITS], ids=[r[0] for r in LIMITS])
async def test_limit_n_plus_1_fails(make: Make, limit: int) -> None:
    response = await _send(make(limit + 1))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 100
    assert "message" in error["message"] or "payload" in error["message"]


@pytest.mark.parametrize(
    ("message", "fragment"),
    [
        ({}, "Message cannot be empty"),
        ({"text": ""}, "Message cannot be empty"),
        ({"text": "x", "attachment": {"type": "image", "payload": {"url": URL}}}, "only one of"),
        (_quick_replies([{"content_type": "text"}]), "message[quick_replies][0][title]"),
        (_quick_replies([{"content_type": "text", "title": "ok"}]), "[0][payload]"),
        (_quick_replies([{"content_type": "phone"}]), "content_type"),
        (_generic([{"title": "only a title"}]), "besides its title"),
        (_generic([_element(default_action={"type": "web_url", "url": URL, "title": "x"})]),
         "must not have a title"),
        (_template({"template_type": "list", "elements": []}), "template_type"),
        (_template({"template_type": "button", "text": "t", "buttons": []}), "at least 1"),
        (_template({"template_type": "button", "text": "t",
                    "buttons": [{"type": "web_url", "title": "Go", "url": "ftp://x"}]}),
         "valid URL"),
        (_template({"template_type": "button", "text": "t",
                    "buttons": [{"type": "phone_number", "title": "Call", "payload": "0612"}]}),
         "phone number"),
        (_template({"template_type": "button", "text": "t",
                    "buttons": [{"type": "element_share", "title": "Share"}]}), "type"),
        (_receipt(1) | {"attachment": {"type": "template", "payload": {
            "template_type": "receipt", "recipient_name": "C", "order_number": "1",
            "currency": "EUR", "payment_method": "Visa"}}}, "summary"),
        ({"attachment": {"type": "gif", "payload": {"url": URL}}}, "type"),
        ({"attachment": {"type": "image", "payload": {}}}, "payload][url]"),
        ({"text": "x", "quick_replies": []}, "at least 1"),
        ({"sticker_id": "abc"}, "sticker"),
    ],
    ids=[
        "empty", "empty-text", "text-and-attachment", "qr-no-title", "qr-no-payload",
        "qr-bad-type", "generic-title-only", "default-action-title", "removed-list-template",
        "no-buttons", "bad-url", "bad-phone", "removed-share-button", "receipt-no-summary",
        "bad-attachment-type", "attachment-no-url", "empty-quick-replies", "bad-sticker",
    ],
)  # fmt: skip
async def test_malformed_content_is_refused_naming_the_problem(
    message: dict[str, Any], fragment: str
) -> None:
    response = await _send(message)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 100
    assert fragment in error["message"]


# ---- content rules that changed with time ---------------------------------------------------

DATED = [
    ("location-qr-2019-10-28", "2019-10-28T12:00:00",
     _quick_replies([{"content_type": "location"}]), None),
    ("location-qr-2019-10-29", "2019-10-29T12:00:00",
     _quick_replies([{"content_type": "location"}]),
     "(#100) Location Quick Reply is now deprecated on API 4.0. Please refer to our Developer "
     "Documentation for more info."),
    ("images-2025-03-18", "2025-03-18T12:00:00", _images(2), "not supported"),
    ("images-2025-03-19", "2025-03-19T12:00:00", _images(2), None),
    ("sticker-2026-05-31", "2026-05-31T12:00:00", {"sticker_id": 767226160478561},
     "not supported"),
    ("sticker-2026-06-01", "2026-06-01T12:00:00", {"sticker_id": 767226160478561}, None),
    ("audio-call-2026-02-10", "2026-02-10T12:00:00", _template(
        {"template_type": "button", "text": "t", "buttons": [{"type": "audio_call"}]}),
     "type"),
    ("audio-call-2026-02-11", "2026-02-11T12:00:00", _template(
        {"template_type": "button", "text": "t", "buttons": [{"type": "audio_call"}]}), None),
    ("optin-no-title-2023-02-20", "2023-02-20T12:00:00",
     _template({"template_type": "notification_messages", "payload": "P"}), "title"),
    ("optin-no-title-2023-02-21", "2023-02-21T12:00:00",
     _template({"template_type": "notification_messages", "payload": "P"}), None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("when", "message", "fragment"), [r[1:] for r in DATED], ids=[r[0] for r in DATED]
)
async def test_content_rules_hold_from_their_dates(
    when: str, message: dict[str, Any], fragment: str | None
) -> None:
    response = await _send(message, when=when)
    if fragment is None:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 400
        assert fragment in response.json()["error"]["message"]


# ---- attachments ----------------------------------------------------------------------------


def _image(payload: dict[str, Any], kind: str = "image") -> dict[str, Any]:
    return {"attachment": {"type": kind, "payload": payload}}


async def test_an_unreachable_url_is_100_2018008() -> None:
    response = await _send(_image({"url": "https://cdn.unreachable.invalid/a.png"}))
    error = response.json()["error"]
    assert (error["code"], error["error_subcode"]) == (100, 2018008)


async def test_a_reusable_attachment_gets_an_id_that_can_be_sent_again() -> None:
    async with graph_world() as world:
        person = world.person()
        body = {"recipient": {"id": person.psid}}
        first = await world.send(
            {
                **body,
                "message": _image({"url": "https://cdn.example.com/a.png", "is_reusable": True}),
            }
        )
        attachment_id = first.json()["attachment_id"]
        again = await world.send({**body, "message": _image({"attachment_id": attachment_id})})
        upload = world.emulator.state.uploads[attachment_id]
        item = world.emulator.state.messages[again.json()["message_id"]]
    assert first.status_code == again.status_code == 200
    assert (upload.page_id, upload.type, upload.url) == (
        world.page.page_id,
        "image",
        "https://cdn.example.com/a.png",
    )
    assert item.attachment == {
        "type": "image",
        "payload": {"attachment_id": attachment_id, "url": "https://cdn.example.com/a.png"},
    }


@pytest.mark.parametrize(
    ("age_ms", "kind", "owner", "expected"),
    [
        (90 * 86_400_000, "image", "self", None),
        (90 * 86_400_000 + 1, "image", "self", 2018074),
        (0, "image", "other", 2018074),
        (0, "video", "self", 2018047),
    ],
    ids=["90-days", "90-days-and-1-ms", "another-pages", "type-mismatch"],
)
async def test_attachment_ids(age_ms: int, kind: str, owner: str, expected: int | None) -> None:
    async with graph_world() as world:
        world.at("2026-07-01T12:00:00")
        page = world.page if owner == "self" else make_page(world.emulator)
        upload = make_upload(world.emulator, page, kind)
        world.advance(age_ms / 1000)
        person = world.person()
        response = await world.send(
            {
                "recipient": {"id": person.psid},
                "message": _image({"attachment_id": upload.attachment_id}),
            }
        )
    if expected is None:
        assert response.status_code == 200
    else:
        assert response.json()["error"]["error_subcode"] == expected


async def test_media_template_takes_facebook_urls_or_attachment_ids_only() -> None:
    async with graph_world() as world:
        person: Person = world.person()
        upload = make_upload(world.emulator, world.page, "video")

        async def media(element: dict[str, Any]) -> int:
            message = _template({"template_type": "media", "elements": [element]})
            response = await world.send({"recipient": {"id": person.psid}, "message": message})
            return response.status_code

        external = await media({"media_type": "image", "url": "https://cdn.example.com/a.png"})
        hosted = await media({"media_type": "image", "url": "https://business.facebook.com/p/1"})
        by_id = await media({"media_type": "video", "attachment_id": upload.attachment_id})
        both = await media(
            {
                "media_type": "video",
                "attachment_id": upload.attachment_id,
                "url": "https://fb.com/x",
            }
        )
    assert (external, hosted, by_id, both) == (400, 200, 200, 400)


@pytest.mark.parametrize(
    ("path", "elements", "expected"),
    [
        ("/v7.0/me/messages", [{"id": "1234"}], 2018328),
        ("/v8.0/me/messages", [{"id": "1234"}], None),
        ("/me/messages", [{"id": "1234"}], None),
        ("/v25.0/me/messages", [{"id": "shoe"}], 2018320),
    ],
    ids=["v7.0", "v8.0", "unversioned", "bad-product-id"],
)
async def test_product_template(path: str, elements: list[Any], expected: int | None) -> None:
    async with graph_world() as world:
        person = world.person()
        message = _template({"template_type": "product", "elements": elements})
        response = await world.send(
            {"recipient": {"id": person.psid}, "message": message}, path=path
        )
    if expected is None:
        assert response.status_code == 200
    else:
        assert response.json()["error"]["error_subcode"] == expected


@pytest.mark.parametrize(
    ("url", "whitelist", "ok"),
    [
        ("https://shop.example.com/cart", ["https://example.com"], True),
        ("https://shop.example.com/cart", ["https://other.example.org"], False),
        ("http://shop.example.com/cart", ["https://example.com"], False),
    ],
    ids=["whitelisted", "not-whitelisted", "not-https"],
)
async def test_messenger_extensions_need_a_whitelisted_https_domain(
    url: str, whitelist: list[str], ok: bool
) -> None:
    async with graph_world() as world:
        world.page.profile["whitelisted_domains"] = whitelist
        person = world.person()
        button = {"type": "web_url", "title": "Panier", "url": url, "messenger_extensions": True}
        message = _template(
            {"template_type": "button", "text": "Votre panier", "buttons": [button]}
        )
        response = await world.send({"recipient": {"id": person.psid}, "message": message})
    assert (response.status_code == 200) is ok
