"""The ``message`` of a Send API call: its content and limits (reference §2.2, §2.8, §2.9).

``check_message`` returns a ``Content``: what the thread will show, whether it counts as audio
or video for the rate limit, the opt-in request it makes, a utility template to render, and an
attachment to keep when ``is_reusable`` is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from comptoir.emulator import catalogue, rules
from comptoir.emulator.graph import fields
from comptoir.emulator.graph.request import UploadedFile
from comptoir.emulator.graph.templates import (
    PAYLOAD_MAX,
    ContentContext,
    OptInSpec,
    check_template,
    find_upload,
)

MEDIA_TYPES = ("image", "audio", "video", "file")
ATTACHMENT_TYPES = (*MEDIA_TYPES, "template")
QUICK_REPLY_TYPES = ("text", "user_phone_number", "user_email")
QUICK_REPLIES_MAX = 13
QUICK_REPLY_TITLE_MAX = 20
METADATA_MAX = 1000
#: Files larger than this are refused (§2.8: 25 MB).
ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024
#: Hosts that can never be fetched: the reserved ``.invalid`` top-level domain (RFC 2606)
#: stands for an unreachable URL, so a test can cause 100/2018008.
UNREACHABLE_SUFFIX = ".invalid"

_CONTENT_KEYS = ("text", "attachment", "attachments", "sticker_id", "template")
_FILE_PREFIX = {"image": "image/", "audio": "audio/", "video": "video/"}


@dataclass(slots=True)
class Content:
    text: str | None = None
    quick_replies: list[dict[str, Any]] | None = None
    attachment: dict[str, Any] | None = None
    metadata: str | None = None
    #: Audio or video: counted against the 10 calls/s limit instead of 300.
    media: bool = False
    optin: OptInSpec | None = None
    #: ``message.template`` of a utility send, checked against the Page's templates.
    utility: dict[str, Any] | None = None
    #: (type, url or None) of an attachment to keep (``is_reusable``), or None.
    reusable: tuple[str, str | None] | None = None


def check_message(
    message: dict[str, Any],
    ctx: ContentContext,
    *,
    files: dict[str, UploadedFile] | None = None,
    text_max: int | None = None,
) -> Content:
    present = [key for key in _CONTENT_KEYS if message.get(key) not in (None, "")]
    if not present:
        raise catalogue.empty_message()
    if len(present) > 1:
        raise catalogue.invalid_parameter(
            "Param message must contain only one of text, attachment, attachments, "
            f"sticker_id or template (got {', '.join(present)})"
        )
    content = Content()
    kind = present[0]
    if kind == "text":
        limit = text_max or int(rules.value_at("message.text_max", ctx.now, 2000))
        content.text = fields.required_text(message, "text", "message[text]", limit)
    elif kind == "attachment":
        attachment = fields.obj(message["attachment"], "message[attachment]")
        _check_attachment(attachment, "message[attachment]", ctx, files or {}, content)
    elif kind == "attachments":
        _check_images(message["attachments"], ctx, content)
    elif kind == "sticker_id":
        _check_sticker(message["sticker_id"], ctx, content)
    else:
        content.utility = fields.obj(message["template"], "message[template]")
    if message.get("quick_replies") is not None:
        if kind not in ("text", "attachment", "attachments"):
            raise catalogue.invalid_parameter(
                "Param message[quick_replies] needs a message with text or an attachment"
            )
        content.quick_replies = check_quick_replies(message["quick_replies"], ctx)
    content.metadata = fields.text(message, "metadata", "message[metadata]", max_len=METADATA_MAX)
    return content


def check_quick_replies(value: Any, ctx: ContentContext) -> list[dict[str, Any]]:
    name = "message[quick_replies]"
    replies = fields.items({"q": value}, "q", name, minimum=1, maximum=QUICK_REPLIES_MAX) or []
    allowed: tuple[str, ...] = QUICK_REPLY_TYPES
    if rules.value_at("message.quick_reply_location", ctx.now, False):
        allowed = (*QUICK_REPLY_TYPES, "location")
    for index, raw in enumerate(replies):
        reply_name = f"{name}[{index}]"
        reply = fields.obj(raw, reply_name)
        if reply.get("content_type") == "location" and "location" not in allowed:
            raise catalogue.location_quick_reply()
        kind = fields.choice(
            reply, "content_type", f"{reply_name}[content_type]", allowed, required=True
        )
        if kind != "text":
            continue
        image = fields.url(reply, "image_url", f"{reply_name}[image_url]")
        title = fields.text(reply, "title", f"{reply_name}[title]", max_len=QUICK_REPLY_TITLE_MAX)
        if title is None and image is None:
            raise catalogue.missing_parameter(f"{reply_name}[title]")
        fields.text(
            reply,
            "payload",
            f"{reply_name}[payload]",
            required=image is None,
            max_len=PAYLOAD_MAX,
        )
    return replies


def _check_attachment(
    attachment: dict[str, Any],
    name: str,
    ctx: ContentContext,
    files: dict[str, UploadedFile],
    content: Content,
) -> None:
    kind = fields.choice(attachment, "type", f"{name}[type]", ATTACHMENT_TYPES, required=True)
    payload = fields.obj(attachment.get("payload", {}), f"{name}[payload]")
    if kind == "template":
        content.optin = check_template(payload, f"{name}[payload]", ctx)
        if content.optin is None and payload.get("template_type") == "media":
            element = payload["elements"][0]
            content.media = element.get("media_type") == "video"
        content.attachment = {"type": "template", "payload": payload}
        return
    assert kind is not None
    content.media = kind in ("audio", "video")
    reusable = fields.flag(payload, "is_reusable", f"{name}[payload][is_reusable]")
    if payload.get("attachment_id") is not None:
        if payload.get("url") is not None:
            raise catalogue.invalid_parameter(
                f"Param {name}[payload] must have either url or attachment_id, not both"
            )
        upload = find_upload(payload["attachment_id"], kind, ctx)
        content.attachment = {
            "type": kind,
            "payload": {"attachment_id": upload.attachment_id, "url": upload.url},
        }
        return
    if payload.get("url") is not None:
        address = fields.url(payload, "url", f"{name}[payload][url]", required=True)
        assert address is not None
        host = fields.check_url(address, f"{name}[payload][url]")
        if host.endswith(UNREACHABLE_SUFFIX):
            raise catalogue.fetch_failed()
        content.attachment = {"type": kind, "payload": {"url": address}}
        content.reusable = (kind, address) if reusable else None
        return
    upload_file = files.get("filedata")
    if upload_file is None:
        raise catalogue.missing_parameter(f"{name}[payload][url]")
    check_file(kind, upload_file)
    content.attachment = {"type": kind, "payload": {"filename": upload_file.filename}}
    content.reusable = (kind, None) if reusable else None


def check_file(kind: str, upload: UploadedFile) -> None:
    """An uploaded file's size (100/2018109) and type against the declared one (2018047)."""
    if len(upload.data) > ATTACHMENT_MAX_BYTES:
        raise catalogue.attachment_too_large()
    prefix = _FILE_PREFIX.get(kind)
    if prefix is not None and not upload.content_type.lower().startswith(prefix):
        raise catalogue.upload_type_mismatch()


def _check_images(value: Any, ctx: ContentContext, content: Content) -> None:
    name = "message[attachments]"
    maximum = rules.value_at("message.multiple_images", ctx.now)
    if maximum is None:
        raise catalogue.invalid_parameter(f"Param {name} is not supported at this time")
    images = fields.items({"a": value}, "a", name, minimum=1, maximum=int(maximum)) or []
    checked = []
    for index, raw in enumerate(images):
        image_name = f"{name}[{index}]"
        image = fields.obj(raw, image_name)
        fields.choice(image, "type", f"{image_name}[type]", ("image",), required=True)
        one = Content()
        _check_attachment(image, image_name, ctx, {}, one)
        checked.append(one.attachment)
    # The thread keeps one attachment per item: several images are kept together.
    content.attachment = {"type": "image", "payload": {"attachments": checked}}


def _check_sticker(value: Any, ctx: ContentContext, content: Content) -> None:
    if not rules.value_at("message.sticker_id", ctx.now, False):
        raise catalogue.invalid_parameter("Param message[sticker_id] is not supported at this time")
    sticker = fields.numeric_id(value)
    if sticker is None:
        raise catalogue.param_must_be("message[sticker_id]", "a sticker id")
    content.attachment = {"type": "image", "payload": {"sticker_id": int(sticker)}}
