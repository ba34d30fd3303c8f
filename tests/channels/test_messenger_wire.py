"""Webhook payloads, one fixture per event kind, decoded into typed events."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from comptoir.channels.messenger.events import (
    DeliveryReceived,
    EchoReceived,
    HandoverAction,
    HandoverReceived,
    MessageEdited,
    MessageReceived,
    OptInKind,
    OptInReceived,
    PolicyEnforcementReceived,
    PostbackReceived,
    ReactionReceived,
    ReadReceived,
    ReceivedEvent,
    ReferralReceived,
    UnknownEvent,
)
from comptoir.channels.messenger.webhook import MalformedPayloadError, decode_events

FIXTURES = Path(__file__).parent.parent / "fixtures" / "messenger"
PAGE = "104000000000001"
PERSON = "6100000000000001"


def load(name: str) -> list[ReceivedEvent]:
    return decode_events((FIXTURES / f"{name}.json").read_bytes())


def ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def test_text_message() -> None:
    [event] = load("text")

    assert event == MessageReceived(
        page_id=PAGE,
        psid=PERSON,
        timestamp=ms(1767225600050),
        dedupe_key="mid:m_AbCdEf0001",
        mid="m_AbCdEf0001",
        text="Hi, is this in stock?",
    )
    assert event.timestamp.tzinfo is UTC


def test_quick_reply_carries_its_payload() -> None:
    [event] = load("quick_reply")

    assert isinstance(event, MessageReceived)
    assert (event.text, event.quick_reply_payload) == ("Green", "COLOR_GREEN")


def test_image_attachment() -> None:
    [event] = load("image")

    assert isinstance(event, MessageReceived)
    assert event.text is None
    [image] = event.attachments
    assert (image.type, image.url) == ("image", "https://scontent.example/photo.jpg")


def test_sticker_reply_link_share_and_command() -> None:
    [event] = load("sticker_reply")

    assert isinstance(event, MessageReceived)
    assert event.reply_to_mid == "m_PageOut0001"
    assert event.commands == ("flights",)
    assert [(a.type, a.sticker_id) for a in event.attachments] == [
        ("image", "369239263222822"),
        ("sticker", "369239263222822"),
        ("fallback", None),
    ]
    assert event.attachments[2].url == "https://example.com/article"
    assert event.attachments[2].title == "Shared link"


def test_get_started_postback_with_an_m_me_ref() -> None:
    [event] = load("get_started_ref")

    assert isinstance(event, PostbackReceived)
    assert (event.psid, event.payload, event.title) == (
        "6100000000000002",
        "GET_STARTED",
        "Get Started",
    )
    assert event.referral is not None
    assert (event.referral.ref, event.referral.source) == ("summer_coupon", "SHORTLINK")
    assert event.dedupe_key == "mid:m_AbCdEf0004"


def test_first_message_from_an_ad() -> None:
    [event] = load("ad_message")

    assert isinstance(event, MessageReceived)
    assert event.referral is not None
    assert event.referral.from_ad
    assert event.referral.ad_id == "120200000000001"
    assert event.referral.ad_title == "Spring sale"
    assert event.referral.post_id == "104000000000001_987654321"
    assert event.referral.flow_id == "55500000001"


def test_referral_on_an_existing_thread() -> None:
    [event] = load("referral")

    assert isinstance(event, ReferralReceived)
    assert event.referral.ref == "store_qr_12"
    assert not event.referral.from_ad
    assert event.dedupe_key == f"referral:{PAGE}:{PERSON}:1767226000001"


def test_delivery_and_read_in_one_post() -> None:
    delivery, read = load("delivery_read")

    assert isinstance(delivery, DeliveryReceived)
    assert delivery.mids == ("m_PageOut0001",)
    assert delivery.watermark == ms(1767226099000)
    # The documented delivery has no timestamp: the watermark stands in for it.
    assert delivery.timestamp == ms(1767226099000)
    assert delivery.dedupe_key == f"delivery:{PAGE}:{PERSON}:1767226099000"
    assert isinstance(read, ReadReceived)
    assert read.watermark == ms(1767226099000)
    assert read.dedupe_key == f"read:{PAGE}:{PERSON}:1767226099000"


def test_reaction_and_edit() -> None:
    reaction, edit = load("reaction_edit")

    assert isinstance(reaction, ReactionReceived)
    assert (reaction.mid, reaction.reaction, reaction.emoji, reaction.action) == (
        "m_PageOut0001",
        "love",
        "\u2764\ufe0f",
        "react",
    )
    assert isinstance(edit, MessageEdited)
    assert (edit.mid, edit.text, edit.num_edit) == (
        "m_AbCdEf0001",
        "Hi, is the blue one in stock?",
        1,
    )


def test_echo_of_our_own_message() -> None:
    [event] = load("echo")

    assert isinstance(event, EchoReceived)
    # An echo goes from the Page to the person: the person is the recipient.
    assert (event.page_id, event.psid) == (PAGE, PERSON)
    assert (event.app_id, event.metadata, event.text) == (
        "1517776481860111",
        "ticket-42",
        "Yes, it is!",
    )
    assert not event.from_page_inbox


def test_echo_of_a_message_typed_in_metas_page_inbox() -> None:
    [event] = load("page_inbox_echo")

    assert isinstance(event, EchoReceived)
    assert event.from_page_inbox
    assert event.text == "Bonjour, c'est Léa du magasin."


def test_notification_messages_optin() -> None:
    [event] = load("optin_notification_messages")

    assert isinstance(event, OptInReceived)
    assert event.kind is OptInKind.NOTIFICATION_MESSAGES
    assert (event.token, event.payload, event.title) == (
        "8700000000000001",
        "OPTIN_DEALS",
        "Updates and promotions",
    )
    assert event.timezone == "Europe/Paris"
    # A seconds string, as in the documented sample.
    assert event.token_expires_at == datetime(2027, 1, 1, tzinfo=UTC)


def test_stop_notifications_with_a_seconds_timestamp() -> None:
    [event] = load("optin_stop")

    assert isinstance(event, OptInReceived)
    assert event.status == "STOP NOTIFICATIONS"
    assert event.timestamp == datetime.fromtimestamp(1767226410, tz=UTC)


def test_one_time_notification_optin() -> None:
    [event] = load("optin_otn")

    assert isinstance(event, OptInReceived)
    assert event.kind is OptInKind.ONE_TIME_NOTIFICATION
    assert (event.token, event.payload) == ("5500000000000077", "BACK_IN_STOCK_SKU42")


def test_checkbox_optin_names_a_user_ref_not_a_psid() -> None:
    [event] = load("optin_checkbox")

    assert isinstance(event, OptInReceived)
    assert event.kind is OptInKind.PLUGIN
    assert (event.psid, event.user_ref, event.ref) == (None, "cb-user-0042", "checkout_page")
    assert event.dedupe_key == f"optin:{PAGE}:cb-user-0042:1767226430001"


def test_control_passed_by_the_page_inbox() -> None:
    [event] = load("pass_control")

    assert isinstance(event, HandoverReceived)
    assert event.action is HandoverAction.PASS
    assert (event.previous_owner_app_id, event.new_owner_app_id) == (
        "263902037430900",
        "1517776481860111",
    )


def test_take_request_and_roles() -> None:
    take, request, roles = load("take_control")

    assert isinstance(take, HandoverReceived)
    assert take.action is HandoverAction.TAKE
    assert take.metadata == "agent took over"
    assert isinstance(request, HandoverReceived)
    assert request.action is HandoverAction.REQUEST
    assert request.requested_owner_app_id == "1517776481860111"
    assert isinstance(roles, HandoverReceived)
    assert roles.action is HandoverAction.APP_ROLES
    assert roles.psid is None
    assert roles.app_roles == {"1517776481860111": ("primary_receiver",)}


def test_standby_events_are_flagged() -> None:
    message, postback = load("standby_message")

    assert isinstance(message, MessageReceived)
    assert message.standby
    assert message.dedupe_key == "mid:m_AbCdEf0009"
    assert isinstance(postback, PostbackReceived)
    assert postback.standby
    assert postback.payload is None  # only the app that sent the button gets it
    assert postback.dedupe_key == f"postback:{PAGE}:{PERSON}:1767226601001"


def test_policy_enforcement_names_no_person() -> None:
    [event] = load("policy_enforcement")

    assert isinstance(event, PolicyEnforcementReceived)
    assert (event.page_id, event.psid, event.action) == (PAGE, None, "warning")
    assert event.reason is not None
    assert event.reason.startswith("The bot violated")


def test_unknown_kinds_are_kept_and_known_ones_survive_new_fields() -> None:
    feedback, message, odd_delivery, change = load("unknown_kind")

    assert isinstance(feedback, UnknownEvent)
    assert feedback.kind == "response_feedback"
    assert feedback.raw["response_feedback"] == {
        "mid": "m_PageOut0002",
        "feedback": "Good response",
    }
    assert feedback.psid == PERSON
    assert isinstance(message, MessageReceived)
    assert message.text == "still fine"
    # A known kind with fields of the wrong type is kept whole rather than dropped.
    assert isinstance(odd_delivery, UnknownEvent)
    assert odd_delivery.kind == "invalid"
    assert odd_delivery.raw["delivery"]["watermark"] == "not-a-number-but-a-list"
    assert "_decode_error" in odd_delivery.raw
    assert isinstance(change, UnknownEvent)
    assert change.kind == "changes:feed"
    assert change.raw["value"]["comment_id"] == "104000000000001_55501"


def test_instagram_message_and_seen() -> None:
    message, seen = load("instagram")

    assert isinstance(message, MessageReceived)
    assert message.platform == "instagram"
    assert message.page_id == "17841400000000001"
    assert isinstance(seen, ReadReceived)
    assert (seen.watermark, seen.mid) == (None, "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlF")


def test_every_fixture_decodes_with_stable_keys() -> None:
    for path in sorted(FIXTURES.glob("*.json")):
        first = decode_events(path.read_bytes())
        second = decode_events(path.read_bytes())
        assert first, path.name
        assert [e.dedupe_key for e in first] == [e.dedupe_key for e in second], path.name
        assert all(e.timestamp.tzinfo is UTC for e in first), path.name


def test_several_entries_and_items_come_out_flat_in_order() -> None:
    body = (
        b'{"object":"page","entry":['
        b'{"id":"1","time":1,"messaging":[{"sender":{"id":"7"},"recipient":{"id":"1"},'
        b'"timestamp":1767225600000,"message":{"mid":"m_1","text":"a"}},'
        b'{"sender":{"id":"7"},"recipient":{"id":"1"},"timestamp":1767225600001,'
        b'"message":{"mid":"m_2","text":"b"}}]},'
        b'{"id":"2","time":2,"messaging":[{"sender":{"id":"8"},"recipient":{"id":"2"},'
        b'"timestamp":1767225600002,"message":{"mid":"m_3","text":"c"}}]}]}'
    )

    events = decode_events(body)

    assert [(e.page_id, e.dedupe_key) for e in events] == [
        ("1", "mid:m_1"),
        ("1", "mid:m_2"),
        ("2", "mid:m_3"),
    ]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b"[]", "not a webhook envelope"),
        (b'{"object":"page"}', "not a webhook envelope"),
        (b'{"object":"page","entry":{"id":"1"}}', "not a webhook envelope"),
        (b'{"object":"page","entry":[{"time":1}]}', "not a webhook envelope"),
        (b'{"object":"page","entry":[{"id":"1","messaging":"nope"}]}', "not a webhook envelope"),
    ],
)
def test_malformed_bodies_raise_a_typed_error(body: bytes, words: str) -> None:
    with pytest.raises(MalformedPayloadError, match=words):
        decode_events(body)


def test_an_empty_entry_list_is_no_events() -> None:
    assert decode_events(b'{"object":"page","entry":[]}') == []
