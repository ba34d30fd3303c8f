"""Comptoir's Graph client against the emulator, in-process: the emulator is a real peer."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from comptoir.channels.messenger import errors
from comptoir.channels.messenger.send_api import (
    DeleteMessengerProfile,
    GetUserProfile,
    GraphClient,
    Message,
    QuickReply,
    Recipient,
    SendMessage,
    SendSenderAction,
    SetMessengerProfile,
    SubscribeApp,
)
from comptoir.emulator.app import create_app
from comptoir.emulator.core import Emulator, build_emulator
from comptoir.emulator.state import Page, Person

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 5, 5, 12, 0, tzinfo=UTC)


@dataclass
class Peer:
    emulator: Emulator
    client: GraphClient
    page: Page
    person: Person


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    emulator = build_emulator()
    emulator.clock.freeze()
    emulator.clock.set(NOW)
    state = emulator.state
    page = state.add_page(
        Page(
            page_id=state.new_numeric_id("1"),
            name="Peer Shop",
            app_id=state.new_numeric_id("2"),
            app_secret=secrets.token_hex(16),
            access_token="EAA" + secrets.token_urlsafe(24),
        )
    )
    last = int((NOW - timedelta(hours=1)).timestamp() * 1000)
    person = state.add_person(
        Person(
            psid=state.new_numeric_id("3"),
            page_id=page.page_id,
            first_name="Camille",
            last_name="Martin",
            last_user_message_ms=last,
            last_qualifying_action_ms=last,
        )
    )
    transport = httpx.ASGITransport(app=create_app(emulator))
    async with httpx.AsyncClient(transport=transport) as http:
        yield Peer(emulator, GraphClient("https://graph.test", http), page, person)


async def test_a_message_goes_and_lands_in_the_thread(peer: Peer) -> None:
    message = Message(
        text="Your order has shipped.", quick_replies=[QuickReply.text("Thanks", "OK")]
    )

    result = await peer.client.call(
        SendMessage(Recipient(id=peer.person.psid), message), peer.page.access_token
    )

    assert result.recipient_id == peer.person.psid
    assert result.message_id
    [item] = peer.emulator.state.thread(peer.page.page_id, peer.person.psid)
    assert (item.mid, item.text) == (result.message_id, "Your order has shipped.")
    # The emulator's log of calls holds no token: it came in the header.
    assert all(peer.page.access_token not in str(call.request) for call in peer.emulator.state.sent)


async def test_outside_the_window_is_a_typed_error(peer: Peer) -> None:
    peer.emulator.clock.set(NOW + timedelta(days=2))

    with pytest.raises(errors.OutsideWindowError) as caught:
        await peer.client.call(
            SendMessage(Recipient(id=peer.person.psid), Message(text="Hello?")),
            peer.page.access_token,
        )

    assert (caught.value.code, caught.value.subcode) == (10, 2018278)
    assert not caught.value.retryable


async def test_a_blocked_person_marks_the_contact(peer: Peer) -> None:
    peer.person.blocked = True

    with pytest.raises(errors.RecipientUnavailableError) as caught:
        await peer.client.call(
            SendMessage(Recipient(id=peer.person.psid), Message(text="Hi")), peer.page.access_token
        )

    assert caught.value.marks_contact


async def test_a_wrong_token_asks_for_a_reconnection(peer: Peer) -> None:
    with pytest.raises(errors.AccessTokenError) as caught:
        await peer.client.call(SendSenderAction(peer.person.psid, "typing_on"), "EAAwrong")

    assert caught.value.needs_reconnect


async def test_sender_action_profile_subscription_and_messenger_profile(peer: Peer) -> None:
    token = peer.page.access_token

    action = await peer.client.call(SendSenderAction(peer.person.psid, "mark_seen"), token)
    profile = await peer.client.call(GetUserProfile(peer.person.psid), token)
    subscribed = await peer.client.call(
        SubscribeApp(peer.page.page_id, ("messages", "messaging_postbacks")), token
    )
    set_profile = await peer.client.call(
        SetMessengerProfile({"get_started": {"payload": "GET_STARTED"}}), token
    )
    deleted = await peer.client.call(DeleteMessengerProfile(("get_started",)), token)

    assert action.recipient_id == peer.person.psid
    assert (profile.first_name, profile.last_name) == ("Camille", "Martin")
    assert subscribed.success
    assert "messaging_postbacks" in peer.page.subscribed_fields
    assert set_profile.success
    assert deleted.success
    assert "get_started" not in peer.page.profile
