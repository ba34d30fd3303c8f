"""The Graph API client: typed requests that know their path and their answer's type.

    client = GraphClient("https://graph.facebook.com", http)
    result = await client.call(SendMessage(Recipient(id=psid), Message(text="Hi")), token)

The Page token travels in the ``Authorization: Bearer`` header, never in the URL, so it
cannot end up in access logs or exception messages. A Graph error becomes a typed
exception (``errors.error_from_response``); a failure on the way becomes a
``TransientError`` when the request surely did not leave, or an ``UnknownOutcomeError``
when it may have reached Meta.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import httpx
import msgspec

from comptoir.channels.messenger.errors import (
    GraphAPIError,
    TransientError,
    UnknownOutcomeError,
    error_from_response,
)
from comptoir.channels.messenger.graph_requests import (
    DeleteMessengerProfile,
    GetUserProfile,
    GraphRequest,
    PassThreadControl,
    ReleaseThreadControl,
    SendMessage,
    SendSenderAction,
    SetMessengerProfile,
    SubscribeApp,
    TakeThreadControl,
    UploadAttachment,
)
from comptoir.channels.messenger.outgoing import (
    Attachment,
    InvalidSendError,
    Message,
    QuickReply,
    Recipient,
    ThreadControl,
    UtilityTemplate,
)
from comptoir.channels.messenger.results import (
    AttachmentUploadResult,
    SenderActionResult,
    SendResult,
    SuccessResult,
    UserProfile,
)

__all__ = [
    "Attachment",
    "AttachmentUploadResult",
    "DeleteMessengerProfile",
    "GetUserProfile",
    "GraphAPIError",
    "GraphClient",
    "GraphRequest",
    "InvalidSendError",
    "Message",
    "PassThreadControl",
    "QuickReply",
    "Recipient",
    "ReleaseThreadControl",
    "SendMessage",
    "SendResult",
    "SendSenderAction",
    "SenderActionResult",
    "SetMessengerProfile",
    "SubscribeApp",
    "SuccessResult",
    "TakeThreadControl",
    "ThreadControl",
    "UploadAttachment",
    "UserProfile",
    "UtilityTemplate",
]

T = TypeVar("T")
_VERSION = re.compile(r"v\d+\.\d+")


class GraphClient:
    """Sends ``GraphRequest``s through an ``httpx.AsyncClient`` made elsewhere."""

    def __init__(self, base_url: str, http: httpx.AsyncClient, api_version: str = "v25.0") -> None:
        if not _VERSION.fullmatch(api_version):
            raise ValueError(f"api_version {api_version!r} should look like v25.0")
        self._base = base_url.rstrip("/")
        self._http = http
        self._version = api_version

    async def call(self, method: GraphRequest[T], access_token: str) -> T:
        """Send ``method`` with the Page (or app) token; its typed answer, or a GraphAPIError."""
        if not access_token:
            raise InvalidSendError("an access token is needed")
        url = f"{self._base}/{self._version}/{method.path()}"
        headers = {"Authorization": f"Bearer {access_token}"}
        request = self._build(method, url, headers)
        try:
            response = await self._http.send(request)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientError(
                f"Graph API unreachable ({type(exc).__name__}); nothing was sent"
            ) from None
        except httpx.TransportError as exc:
            raise UnknownOutcomeError(
                f"Graph API call interrupted ({type(exc).__name__}); it may have been received"
            ) from None
        if response.status_code >= 300:
            raise error_from_response(response.status_code, response.content, response.headers)
        try:
            return method.decode(response.content)
        except (msgspec.DecodeError, ValueError) as exc:
            raise UnknownOutcomeError(
                f"Graph API answered HTTP {response.status_code} with an unreadable body: {exc}",
                http_status=response.status_code,
            ) from None

    def _build(self, method: GraphRequest[Any], url: str, headers: dict[str, str]) -> httpx.Request:
        files = method.files()
        body = method.body()
        if files is not None:
            fields = {}
            if isinstance(body, Mapping):
                fields = {key: msgspec.json.encode(value).decode() for key, value in body.items()}
            return self._http.build_request(
                method.http_method,
                url,
                params=method.query(),
                headers=headers,
                data=fields,
                files=dict(files),
            )
        content = None
        if body is not None:
            content = msgspec.json.encode(body)
            headers["Content-Type"] = "application/json"
        return self._http.build_request(
            method.http_method, url, params=method.query(), headers=headers, content=content
        )
