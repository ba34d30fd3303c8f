"""The Graph client against a recording fake: paths, headers, bodies, answers, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from comptoir.channels.messenger import errors
from comptoir.channels.messenger.send_api import (
    Attachment,
    DeleteMessengerProfile,
    GetUserProfile,
    GraphClient,
    InvalidSendError,
    Message,
    PassThreadControl,
    QuickReply,
    Recipient,
    ReleaseThreadControl,
    SendMessage,
    SendResult,
    SendSenderAction,
    SetMessengerProfile,
    SubscribeApp,
    SuccessResult,
    TakeThreadControl,
    UploadAttachment,
    UserProfile,
    UtilityTemplate,
)
from comptoir.domain.policy_model import Allowed, Mechanism, MessagingType, RecipientForm

TOKEN = "EAAG-page-token-never-in-urls"
BASE = "https://graph.example.test"


@dataclass
class FakeGraph:
    """Answers every request with the next programmed reply and records what it got."""

    replies: list[httpx.Response | Exception] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def reply(
        self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        content = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
        self.replies.append(httpx.Response(status, content=content, headers=headers))

    def fail(self, exc: Exception) -> None:
        self.replies.append(exc)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if self.replies else httpx.Response(200, json={"success": True})
        if isinstance(reply, Exception):
            raise reply
        return reply

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def last_json(self) -> Any:
        return json.loads(self.last.content)


@pytest.fixture
def graph() -> FakeGraph:
    return FakeGraph()


@pytest.fixture
async def client(graph: FakeGraph) -> AsyncIterator[GraphClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(graph.handler)) as http:
        yield GraphClient(BASE, http)


pytestmark = pytest.mark.anyio


def _assert_token_only_in_header(request: httpx.Request) -> None:
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(request.url)
    assert TOKEN.encode() not in request.content


async def test_send_text(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply(body={"recipient_id": "6100000000000001", "message_id": "m_out1"})

    result = await client.call(
        SendMessage(Recipient(id="6100000000000001"), Message(text="Hi!")), TOKEN
    )

    assert result == SendResult(recipient_id="6100000000000001", message_id="m_out1")
    assert graph.last.method == "POST"
    assert str(graph.last.url) == f"{BASE}/v25.0/me/messages"
    assert graph.last.headers["content-type"] == "application/json"
    _assert_token_only_in_header(graph.last)
    assert graph.last_json() == {
        "recipient": {"id": "6100000000000001"},
        "message": {"text": "Hi!"},
        "messaging_type": "RESPONSE",
    }


async def test_send_quick_replies_metadata_and_a_page_id(
    graph: FakeGraph, client: GraphClient
) -> None:
    message = Message(
        text="Pick a colour:",
        quick_replies=[QuickReply.text("Red", "PICK_RED"), QuickReply.email()],
        metadata="flow:colour",
    )

    await client.call(SendMessage(Recipient(id="61"), message, page_id="104000000000001"), TOKEN)

    assert graph.last.url.path == "/v25.0/104000000000001/messages"
    assert graph.last_json()["message"] == {
        "text": "Pick a colour:",
        "quick_replies": [
            {"content_type": "text", "title": "Red", "payload": "PICK_RED"},
            {"content_type": "user_email"},
        ],
        "metadata": "flow:colour",
    }


async def test_send_a_template_with_a_tag_and_reply_to(
    graph: FakeGraph, client: GraphClient
) -> None:
    buttons = [{"type": "postback", "title": "Track", "payload": "TRACK"}]
    message = Message(attachment=Attachment.template("button", text="Shipped!", buttons=buttons))
    request = SendMessage(
        Recipient(id="61"),
        message,
        messaging_type="MESSAGE_TAG",
        tag="HUMAN_AGENT",
        reply_to_mid="m_in1",
    )

    await client.call(request, TOKEN)

    assert graph.last_json() == {
        "recipient": {"id": "61"},
        "message": {
            "attachment": {
                "type": "template",
                "payload": {"template_type": "button", "text": "Shipped!", "buttons": buttons},
            }
        },
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "reply_to": {"mid": "m_in1"},
    }


async def test_send_a_utility_template(graph: FakeGraph, client: GraphClient) -> None:
    template = UtilityTemplate(
        "order_update_us",
        {"code": "en"},
        [{"type": "body", "parameters": [{"type": "text", "text": "566701"}]}],
    )

    await client.call(SendMessage(Recipient(id="61"), Message(template=template), "UTILITY"), TOKEN)

    assert graph.last_json()["messaging_type"] == "UTILITY"
    assert graph.last_json()["message"]["template"]["name"] == "order_update_us"


async def test_send_what_the_policy_engine_allowed(graph: FakeGraph, client: GraphClient) -> None:
    human_agent = Allowed(MessagingType.MESSAGE_TAG, "HUMAN_AGENT", RecipientForm.ID, Mechanism.TAG)
    by_token = Allowed(
        None,
        None,
        RecipientForm.NOTIFICATION_MESSAGES_TOKEN,
        Mechanism.NOTIFICATION_MESSAGES,
        recipient_value="nm-token-1",
    )

    await client.call(SendMessage.for_decision(human_agent, "61", Message(text="Hello")), TOKEN)
    tagged = graph.last_json()
    await client.call(SendMessage.for_decision(by_token, "61", Message(text="Sale!")), TOKEN)
    tokened = graph.last_json()

    assert (tagged["recipient"], tagged["messaging_type"], tagged["tag"]) == (
        {"id": "61"},
        "MESSAGE_TAG",
        "HUMAN_AGENT",
    )
    assert tokened["recipient"] == {"notification_messages_token": "nm-token-1"}
    assert "messaging_type" not in tokened


async def test_sender_actions(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply(body={"recipient_id": 61})

    result = await client.call(SendSenderAction("61", "react", "m_in1", "😊"), TOKEN)

    assert result.recipient_id == "61"
    assert graph.last_json() == {
        "recipient": {"id": "61"},
        "sender_action": "react",
        "payload": {"message_id": "m_in1", "reaction": "😊"},
    }
    await client.call(SendSenderAction("61", "typing_on"), TOKEN)
    assert graph.last_json() == {"recipient": {"id": "61"}, "sender_action": "typing_on"}


async def test_user_profile(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply(body={"id": 6100000000000001, "first_name": "Ada", "timezone": 2, "extra": "x"})

    profile = await client.call(
        GetUserProfile("6100000000000001", ("first_name", "timezone")), TOKEN
    )

    assert profile == UserProfile(id="6100000000000001", first_name="Ada", timezone=2.0)
    assert graph.last.method == "GET"
    assert graph.last.url.path == "/v25.0/6100000000000001"
    assert graph.last.url.params["fields"] == "first_name,timezone"
    assert graph.last.content == b""
    _assert_token_only_in_header(graph.last)


async def test_subscribe_app(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply(body={"success": "true"})

    result = await client.call(
        SubscribeApp("104000000000001", ("messages", "message_echoes")), TOKEN
    )

    assert result == SuccessResult(success=True)
    assert graph.last.url.path == "/v25.0/104000000000001/subscribed_apps"
    assert graph.last.url.params["subscribed_fields"] == "messages,message_echoes"
    _assert_token_only_in_header(graph.last)


async def test_messenger_profile_set_and_delete(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply(body={"result": "success"})
    graph.reply(body={"result": "success"})

    set_result = await client.call(
        SetMessengerProfile({"get_started": {"payload": "GET_STARTED"}}, platform="instagram"),
        TOKEN,
    )
    set_request = graph.last
    deleted = await client.call(DeleteMessengerProfile(("greeting", "persistent_menu")), TOKEN)

    assert set_result.success
    assert deleted.success
    assert set_request.url.params["platform"] == "instagram"
    assert json.loads(set_request.content) == {"get_started": {"payload": "GET_STARTED"}}
    assert graph.last.method == "DELETE"
    assert graph.last_json() == {"fields": ["greeting", "persistent_menu"]}


async def test_thread_control(graph: FakeGraph, client: GraphClient) -> None:
    await client.call(PassThreadControl("61", "263902037430900", "to a person"), TOKEN)
    passed = (graph.last.url.path, graph.last_json())
    await client.call(TakeThreadControl("61"), TOKEN)
    taken = (graph.last.url.path, graph.last_json())
    await client.call(ReleaseThreadControl("61"), TOKEN)

    assert passed == (
        "/v25.0/me/pass_thread_control",
        {"recipient": {"id": "61"}, "target_app_id": "263902037430900", "metadata": "to a person"},
    )
    assert taken == ("/v25.0/me/take_thread_control", {"recipient": {"id": "61"}})
    assert graph.last.url.path == "/v25.0/me/release_thread_control"


async def test_upload_by_url_and_by_bytes(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply(body={"attachment_id": "1857777774821032"})
    graph.reply(body={"attachment_id": 1857777774821033})

    by_url = await client.call(UploadAttachment("image", url="https://example.com/a.png"), TOKEN)
    url_body = graph.last_json()
    by_bytes = await client.call(
        UploadAttachment("image", data=b"\x89PNG...", filename="a.png", content_type="image/png"),
        TOKEN,
    )

    assert by_url.attachment_id == "1857777774821032"
    assert by_bytes.attachment_id == "1857777774821033"
    assert url_body == {
        "message": {
            "attachment": {
                "type": "image",
                "payload": {"is_reusable": True, "url": "https://example.com/a.png"},
            }
        }
    }
    assert graph.last.headers["content-type"].startswith("multipart/form-data")
    assert b'name="filedata"; filename="a.png"' in graph.last.content
    assert b'{"attachment":{"type":"image","payload":{"is_reusable":true}}}' in graph.last.content
    _assert_token_only_in_header(graph.last)


# -- errors ----------------------------------------------------------------------------------

E = errors
APPENDIX_C = [
    (400, 10, 2018278, "(#10) Sent outside of allowed window", E.OutsideWindowError),
    (400, 551, 1545041, "(#551) This person isn't available", E.RecipientUnavailableError),
    (400, 100, 2018001, "(#100) No matching user found", E.NoMatchingUserError),
    (400, 190, None, "Invalid OAuth access token.", E.AccessTokenError),
    (400, 613, None, "(#613) Calls to this api have exceeded the rate limit.", E.RateLimitedError),
    (400, 80006, None, "(#80006) There have been too many calls.", E.RateLimitedError),
    (400, 100, 1893061, "Invalid parameter", E.RetiredTagError),
    (400, 100, None, "(#100) Messaging type should be MESSAGE_TAG", E.InvalidParameterError),
    (400, 100, 2018014, "(#100) Cannot send both message and state", E.InvalidParameterError),
    (500, 1200, None, "Temporary send message failure. Please try again later.", E.TransientError),
    (400, 10900, None, "(#10900) Activity already replied to", E.PrivateReplyError),
    # Beyond Appendix C: the other codes of reference §4.2 the relay must tell apart.
    (400, 10, 1893063, "You are temporarily restricted", E.PageRestrictedError),
    (400, 10, None, "(#10) Permission denied", E.PermissionDeniedError),
    (400, 10, 1893015, "(#10) This user has stopped notifications", E.NotificationsStoppedError),
    (400, 2018300, None, "Another app controls this thread.", E.ThreadControlledElsewhereError),
    (400, 10, 2018300, "(#10) Another app controls this thread.", E.ThreadControlledElsewhereError),
    (400, 4, 2018354, "Marketing Messages – There has to be a minimum delay", E.RateLimitedError),
    (400, 200, 1545041, "Message Not Sent: unavailable", E.RecipientUnavailableError),
    (400, 32, None, "(#32) Page request limit reached", E.RateLimitedError),
    (500, 2, None, "An unexpected error has occurred.", E.TransientError),
    (400, 1, 99, "An unknown error occurred.", E.TransientError),
    (403, 230, None, "(#230) Requires a permission", E.PermissionDeniedError),
    (400, 368, None, "(#368) The action attempted has been deemed abusive", E.PageRestrictedError),
    (400, 987654, None, "Something new", E.GraphAPIError),
]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "code", "subcode", "message", "expected"),
    APPENDIX_C,
    ids=[f"{code}-{subcode or ''}" for _, code, subcode, _, _ in APPENDIX_C],
)
async def test_graph_errors_become_typed_exceptions(
    graph: FakeGraph,
    client: GraphClient,
    status: int,
    code: int,
    subcode: int | None,
    message: str,
    expected: type[errors.GraphAPIError],
) -> None:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    graph.reply(status, {"error": {**error, "fbtrace_id": "AbCdEfGhIjK"}})

    with pytest.raises(errors.GraphAPIError) as caught:
        await client.call(SendMessage(Recipient(id="61"), Message(text="Hi")), TOKEN)

    exc = caught.value
    assert type(exc) is expected
    assert (exc.code, exc.subcode, exc.http_status) == (code, subcode, status)
    assert exc.message == message
    assert exc.fbtrace_id == "AbCdEfGhIjK"
    assert TOKEN not in str(exc)
    assert TOKEN not in repr(exc)


@pytest.mark.parametrize(
    ("code", "subcode", "retryable", "marks_contact", "needs_reconnect"),
    [
        (613, None, True, False, False),
        (4, None, True, False, False),
        (80006, None, True, False, False),
        (1200, None, True, False, False),
        (10, 2018278, False, False, False),
        (551, None, False, True, False),
        (100, None, False, False, False),
        (190, None, False, False, True),
    ],
)
def test_the_retry_decision_comes_from_the_type(
    code: int, subcode: int | None, retryable: bool, marks_contact: bool, needs_reconnect: bool
) -> None:
    exc = errors.error_from_response(
        400, {"error": {"code": code, "error_subcode": subcode, "message": "m"}}
    )

    assert (type(exc).retryable, type(exc).marks_contact, type(exc).needs_reconnect) == (
        retryable,
        marks_contact,
        needs_reconnect,
    )


def test_rate_limits_say_how_long_to_wait() -> None:
    body = {"error": {"code": 80006, "message": "too many"}}
    usage = json.dumps({"104": [{"type": "messenger", "estimated_time_to_regain_access": 7}]})

    default = errors.error_from_response(400, body)
    from_usage = errors.error_from_response(400, body, {"X-Business-Use-Case-Usage": usage})
    from_header = errors.error_from_response(400, body, {"Retry-After": "42"})

    assert isinstance(default, errors.RateLimitedError)
    assert default.retry_after == 60.0
    assert isinstance(from_usage, errors.RateLimitedError)
    assert from_usage.retry_after == 420.0
    assert isinstance(from_header, errors.RateLimitedError)
    assert from_header.retry_after == 42.0


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (502, b"<html>Bad gateway</html>", errors.TransientError),
        (503, b"", errors.TransientError),
        (429, b"", errors.TransientError),
        (404, b"not json", errors.GraphAPIError),
        (400, {"error": "a string"}, errors.GraphAPIError),
        (400, {"error": {"message": "odd", "is_transient": True}}, errors.TransientError),
    ],
)
async def test_error_bodies_that_are_not_graph_errors(
    graph: FakeGraph, client: GraphClient, status: int, body: Any, expected: type[Exception]
) -> None:
    graph.reply(status, body)

    with pytest.raises(errors.GraphAPIError) as caught:
        await client.call(SendMessage(Recipient(id="61"), Message(text="Hi")), TOKEN)

    assert type(caught.value) is expected
    assert caught.value.http_status == status


async def test_connection_refused_is_transient_and_nothing_was_sent(
    graph: FakeGraph, client: GraphClient
) -> None:
    graph.fail(httpx.ConnectError(f"cannot connect to {BASE}"))

    with pytest.raises(errors.TransientError) as caught:
        await client.call(SendMessage(Recipient(id="61"), Message(text="Hi")), TOKEN)

    assert type(caught.value) is errors.TransientError
    assert "nothing was sent" in str(caught.value)


async def test_a_read_timeout_is_an_unknown_outcome(graph: FakeGraph, client: GraphClient) -> None:
    graph.fail(httpx.ReadTimeout("timed out"))

    with pytest.raises(errors.UnknownOutcomeError) as caught:
        await client.call(SendMessage(Recipient(id="61"), Message(text="Hi")), TOKEN)

    assert caught.value.retryable
    assert TOKEN not in str(caught.value)


async def test_an_unreadable_success_is_an_unknown_outcome(
    graph: FakeGraph, client: GraphClient
) -> None:
    graph.reply(200, b"<html>ok</html>")

    with pytest.raises(errors.UnknownOutcomeError):
        await client.call(SendMessage(Recipient(id="61"), Message(text="Hi")), TOKEN)


# -- refused before sending ------------------------------------------------------------------

TO = Recipient(id="61")
HI = Message(text="a")
IMAGE = Attachment.media("image", url="https://x")
REFUSED = [
    (lambda: Recipient(id="61", comment_id="c1"), "exactly one"),
    (lambda: Recipient(), "exactly one"),
    (lambda: Message(), "exactly one of text"),
    (lambda: Message(text="a", attachment=IMAGE), "exactly one"),
    (lambda: Message(text="x" * 2000), "under 2000"),
    (lambda: Message(text="   "), "empty"),
    (lambda: Message(text="q", quick_replies=[QuickReply.text("t", "p")] * 14), "limit is 13"),
    (lambda: QuickReply.text("x" * 21, "p"), "limit is 20"),
    (lambda: QuickReply("text", title="ok"), "payload"),
    (lambda: QuickReply("location"), "content_type"),
    (lambda: Attachment.media("image"), "url or an attachment_id"),
    (lambda: Attachment("sticker", {}), "attachment type"),
    (lambda: Attachment("template", {}), "template_type"),
    (lambda: Message(attachments=[Attachment.media("video", url="https://x")]), "images"),
    (lambda: SendMessage(TO, HI, "MESSAGE_TAG"), "tag goes with"),
    (lambda: SendMessage(TO, HI, "RESPONSE", tag="HUMAN_AGENT"), "tag goes with"),
    (lambda: SendMessage(TO, HI, "PROMO"), "messaging_type"),
    (lambda: SendMessage(TO, HI, "UTILITY"), "utility template"),
    (lambda: SendMessage(TO, HI, page_id="../app"), "valid Graph id"),
    (lambda: SendSenderAction("61", "react", "m_1"), "reaction"),
    (lambda: SendSenderAction("61", "unreact"), "message_id"),
    (lambda: SetMessengerProfile({"home_url": "x"}), "unknown"),
    (lambda: DeleteMessengerProfile(()), "among"),
    (lambda: UploadAttachment("image"), "either a url"),
    (lambda: Message(text="a", metadata="m" * 1000), "metadata"),
]


@pytest.mark.parametrize(("build", "words"), REFUSED)
def test_bad_requests_are_refused_before_sending(build: Any, words: str) -> None:
    with pytest.raises(InvalidSendError, match=words):
        build()


async def test_ids_in_paths_are_checked(graph: FakeGraph, client: GraphClient) -> None:
    with pytest.raises(InvalidSendError, match="valid Graph id"):
        await client.call(GetUserProfile("61/../../me/accounts"), TOKEN)
    with pytest.raises(InvalidSendError, match="field name"):
        await client.call(GetUserProfile("61", ("first_name&access_token=x",)), TOKEN)
    with pytest.raises(InvalidSendError, match="list"):
        await client.call(SubscribeApp("104", "messages"), TOKEN)
    assert graph.requests == []


async def test_a_missing_token_is_refused(graph: FakeGraph, client: GraphClient) -> None:
    with pytest.raises(InvalidSendError, match="access token"):
        await client.call(SendSenderAction("61", "mark_seen"), "")
    assert graph.requests == []


def test_the_api_version_is_checked() -> None:
    with pytest.raises(ValueError, match=r"v25\.0"):
        GraphClient(BASE, httpx.AsyncClient(), api_version="25")


def test_requests_are_plain_values() -> None:
    first = SendMessage(Recipient(id="61"), Message(text="Hi"))

    assert first == SendMessage(Recipient(id="61"), Message(text="Hi"))
    assert first != SendMessage(Recipient(id="62"), Message(text="Hi"))
