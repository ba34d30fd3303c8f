"""Webhooks out: signing, envelope, batching, retries, timeouts, subscriptions, standby."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from comptoir.emulator.app import create_app
from comptoir.emulator.core import build_emulator
from comptoir.emulator.state import PAGE_INBOX_APP_ID
from comptoir.emulator.webhook_retries import RETRY_DELAYS_SECONDS
from comptoir.emulator.webhooks import encode_body, sign
from tests.emulator.harness import CALLBACK_URL, Receiver, emulator_world, eventually
from tests.support.servers import serve_in_thread

pytestmark = pytest.mark.anyio


def test_sign_matches_known_hmacs() -> None:
    # Computed independently: printf '{}' | openssl dgst -sha256 -hmac secret (and -sha1).
    assert sign(b"{}", "secret") == (
        "sha256=77325902caca812dc259733aacd046b73817372c777b8d95b402647474516e13"
    )
    assert sign(b"{}", "secret", "sha1") == "sha1=5d61605c3feea9799210ddcb71307d4ba264225f"


def test_encode_body_escapes_non_ascii_like_meta() -> None:
    raw = encode_body({"text": "äöå ❤️"})
    assert raw == b'{"text":"\\u00e4\\u00f6\\u00e5 \\u2764\\ufe0f"}'
    assert json.loads(raw) == {"text": "äöå ❤️"}


async def test_event_is_signed_over_the_exact_bytes_sent() -> None:
    async with emulator_world() as world:
        page = await world.create_page()
        psid = await world.create_person(page["page_id"])
        await world.act(page["page_id"], psid, type="message", text="Ça marche ? ❤️")
        (post,) = world.receiver.posts
        assert post.signature_ok(page["app_secret"])
        assert post.sha1_signature_ok(page["app_secret"])
        assert not post.signature_ok("another-secret")
        assert b"\\u00c7a marche" in post.raw
        assert post.headers["content-type"] == "application/json"
        assert post.body["object"] == "page"
        (entry,) = post.body["entry"]
        assert entry["id"] == page["page_id"]
        assert isinstance(entry["time"], int)


async def test_legacy_sha1_header_can_be_turned_off() -> None:
    async with emulator_world() as world:
        await world.configure({"webhooks": {"legacy_sha1_signature": False}})
        page = await world.create_page()
        psid = await world.create_person(page["page_id"])
        await world.act(page["page_id"], psid, type="message", text="hi")
        (post,) = world.receiver.posts
        assert "x-hub-signature" not in post.headers
        assert post.signature_ok(page["app_secret"])


async def test_batching_puts_several_events_in_one_post() -> None:
    async with emulator_world() as world:
        await world.configure({"webhooks": {"batch_size": 3, "batch_window_ms": 50}})
        page = await world.create_page()
        psid = await world.create_person(page["page_id"])
        answers = await asyncio.gather(
            *(world.act(page["page_id"], psid, type="message", text=f"n{i}") for i in range(3))
        )
        (post,) = world.receiver.posts
        texts = sorted(e["message"]["text"] for e in post.events())
        assert texts == ["n0", "n1", "n2"]
        assert {a["webhook"]["delivery_id"] for a in answers} == {1}
        assert post.signature_ok(page["app_secret"])


async def test_a_batch_mixes_messaging_and_standby_entries() -> None:
    async with emulator_world() as world:
        await world.configure({"webhooks": {"batch_size": 2, "batch_window_ms": 50}})
        page = await world.create_page()
        mine = await world.create_person(page["page_id"], first_name="Mine")
        theirs = await world.create_person(page["page_id"], first_name="Theirs")
        owner = f"/_emulator/pages/{page['page_id']}/users/{theirs}/thread_owner"
        await world.client.put(owner, json={"app_id": "page_inbox", "notify": False})
        await asyncio.gather(
            world.act(page["page_id"], mine, type="message", text="one"),
            world.act(page["page_id"], theirs, type="message", text="two"),
        )
        (post,) = world.receiver.posts
        kinds = sorted(
            next(k for k in e if k in ("messaging", "standby")) for e in post.body["entry"]
        )
        assert kinds == ["messaging", "standby"]


async def test_failed_delivery_is_retried_then_delivered() -> None:
    receiver = Receiver(statuses=[500, 502, 503])
    async with emulator_world(receiver=receiver) as world:
        # Compress Meta's schedule so the first backed-off retry comes after 30 ms.
        await world.configure({"webhooks": {"retry_factor": 1000}})
        page = await world.create_page()
        psid = await world.create_person(page["page_id"])
        answer = await world.act(page["page_id"], psid, type="message", text="hi")
        # First attempt and the two immediate retries failed.
        assert answer["webhook"]["status"] == "retrying"
        assert answer["webhook"]["attempts"] == 3
        assert answer["webhook"]["status_code"] == 503
        await receiver.wait_for_posts(4)

        async def delivered() -> bool:
            log = (await world.client.get("/_emulator/webhooks")).json()["data"]
            return bool(log[0]["status"] == "delivered")

        await eventually(delivered)
        log = (await world.client.get("/_emulator/webhooks")).json()["data"]
        assert log[0]["attempts"] == 4
        assert len({p.raw for p in receiver.posts}) == 1


async def test_delivery_gives_up_after_max_attempts() -> None:
    receiver = Receiver(statuses=[500] * 10)
    async with emulator_world(receiver=receiver) as world:
        await world.configure({"webhooks": {"max_attempts": 1}})
        page = await world.create_page()
        psid = await world.create_person(page["page_id"])
        answer = await world.act(page["page_id"], psid, type="message", text="hi")
        assert answer["webhook"] == {
            "status": "failed",
            "attempts": 2,
            "delivery_id": 1,
            "status_code": 500,
            "error": "callback answered HTTP 500",
        }
        pages = (await world.client.get("/_emulator/pages")).json()["data"]
        assert pages[0]["app_installed"] is True  # a short failure does not unsubscribe


async def test_an_hour_of_failures_marks_failing_then_unsubscribes_the_app() -> None:
    receiver = Receiver(statuses=[500] * 20)
    async with emulator_world(receiver=receiver) as world:
        await world.configure({"webhooks": {"retry_factor": 1_000_000}})
        page = await world.create_page()
        psid = await world.create_person(page["page_id"])
        await world.act(page["page_id"], psid, type="message", text="hi")
        total = 1 + len(RETRY_DELAYS_SECONDS)
        await receiver.wait_for_posts(total)
        log_url = "/_emulator/webhooks"
        params = {"page_id": page["page_id"]}

        async def failed() -> bool:
            log = await world.client.get(log_url, params=params)
            return bool(log.json()["data"][0]["status"] == "failed")

        await eventually(failed)
        log = await world.client.get(log_url, params=params)
        assert log.json()["data"][0]["attempts"] == total
        assert log.json()["health"]["failing"] is True
        assert log.json()["health"]["disabled"] is True
        listed = (await world.client.get(f"/_emulator/pages/{page['page_id']}")).json()
        assert listed["app_installed"] is False

        # Later events are not sent until the callback is subscribed again.
        later = await world.act(page["page_id"], psid, type="message", text="again")
        assert later["webhook"]["status"] == "skipped"
        assert "not subscribed" in later["webhook"]["reason"]
        await world.client.put(
            f"/_emulator/pages/{page['page_id']}/webhook",
            json={"url": CALLBACK_URL, "verify_token": "let-me-in"},
        )
        receiver.statuses.clear()
        again = await world.act(page["page_id"], psid, type="message", text="back")
        assert again["webhook"]["status"] == "delivered"


async def test_a_slow_callback_times_out_and_counts_as_a_failure() -> None:
    receiver = Receiver(delay=0.3)
    async with emulator_world(receiver=receiver) as world:
        await world.configure({"webhooks": {"timeout_seconds": 0.05, "max_attempts": 0}})
        page = await world.create_page()
        psid = await world.create_person(page["page_id"])
        answer = await world.act(page["page_id"], psid, type="message", text="hi")
        assert answer["webhook"]["status"] == "failed"
        assert answer["webhook"]["error"] == "timed out"


@pytest.mark.parametrize(
    ("fields", "sent"),
    [
        ([], True),
        (["messages"], True),
        (["messaging_postbacks"], False),
    ],
)
async def test_only_subscribed_fields_are_sent(fields: list[str], sent: bool) -> None:
    async with emulator_world() as world:
        page = await world.create_page(fields=fields)
        psid = await world.create_person(page["page_id"])
        answer = await world.act(page["page_id"], psid, type="message", text="hi")
        assert (answer["webhook"]["status"] == "delivered") is sent
        assert bool(world.receiver.posts) is sent


async def test_events_of_a_thread_owned_by_another_app_go_to_standby() -> None:
    async with emulator_world() as world:
        page = await world.create_page()
        psid = await world.create_person(page["page_id"])
        owner_url = f"/_emulator/pages/{page['page_id']}/users/{psid}/thread_owner"
        taken = await world.client.put(owner_url, json={"app_id": PAGE_INBOX_APP_ID})
        assert taken.json()["thread_owner"]["app_id"] == PAGE_INBOX_APP_ID
        await world.act(page["page_id"], psid, type="message", text="help")
        await world.act(page["page_id"], psid, type="postback", payload="MENU", title="Menu")
        handover, message, postback = (p.body["entry"][0] for p in world.receiver.posts)
        assert "take_thread_control" in handover["messaging"][0]
        assert message["standby"][0]["message"]["text"] == "help"
        # A standby postback loses its payload (reference §1.5.3).
        assert postback["standby"][0]["postback"] == {
            "mid": postback["standby"][0]["postback"]["mid"],
            "title": "Menu",
        }


async def test_standby_needs_the_standby_field_when_fields_are_listed() -> None:
    async with emulator_world() as world:
        page = await world.create_page(fields=["messages"])
        psid = await world.create_person(page["page_id"])
        owner_url = f"/_emulator/pages/{page['page_id']}/users/{psid}/thread_owner"
        await world.client.put(owner_url, json={"app_id": "page_inbox", "notify": False})
        answer = await world.act(page["page_id"], psid, type="message", text="help")
        assert answer["webhook"]["status"] == "skipped"
        assert world.receiver.posts == []


async def test_thread_control_that_expired_is_back_to_messaging() -> None:
    async with emulator_world() as world:
        page = await world.create_page()
        psid = await world.create_person(page["page_id"])
        owner_url = f"/_emulator/pages/{page['page_id']}/users/{psid}/thread_owner"
        await world.client.put(
            owner_url, json={"app_id": "page_inbox", "expires_in": 60, "notify": False}
        )
        await world.client.post("/_emulator/clock", json={"advance": 61})
        await world.act(page["page_id"], psid, type="message", text="hello again")
        (post,) = world.receiver.posts
        assert "messaging" in post.body["entry"][0]


async def test_no_webhook_no_post() -> None:
    async with emulator_world() as world:
        page = await world.create_page(webhook=False)
        psid = await world.create_person(page["page_id"])
        answer = await world.act(page["page_id"], psid, type="message", text="hi")
        assert answer["webhook"] == {
            "status": "skipped",
            "attempts": 0,
            "reason": "the Page has no webhook",
        }


async def test_webhooks_reach_a_real_http_callback() -> None:
    """The default transport is real HTTP: a callback served by uvicorn gets the event."""
    receiver = Receiver()
    with serve_in_thread(receiver.app) as base:
        emulator = build_emulator()  # no test transport: real sockets
        app = create_app(emulator)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://emulator.test"
            ) as client,
        ):
            created = await client.post(
                "/_emulator/pages",
                json={
                    "name": "Real",
                    "webhook_url": f"{base}/webhook",
                    "verify_token": "let-me-in",
                },
            )
            page = created.json()
            assert page["webhook"]["verified"] is True
            user = await client.post(
                f"/_emulator/pages/{page['page_id']}/users",
                json={"first_name": "Ana", "last_name": "Lopez"},
            )
            psid = user.json()["psid"]
            acted = await client.post(
                f"/_emulator/pages/{page['page_id']}/users/{psid}/actions",
                json={"type": "message", "text": "¿Hola?"},
            )
            assert acted.json()["webhook"]["status"] == "delivered"
    (post,) = receiver.posts
    assert post.signature_ok(page["app_secret"])
    assert post.headers["user-agent"] == "facebookexternalua"
    assert post.events()[0]["message"]["text"] == "¿Hola?"
