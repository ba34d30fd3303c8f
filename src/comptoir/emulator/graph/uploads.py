"""The Attachment Upload API: ``POST /{page-id}/message_attachments`` (reference §2.12).

``{"message": {"attachment": {"type", "payload": {"url", "is_reusable": true}}}}`` or a
multipart body with ``message`` and ``filedata``. Answers ``{"attachment_id"}``; the id is
private to the Page and expires after 90 days. The emulator does not fetch URLs: a host under
the reserved ``.invalid`` domain stands for one that cannot be fetched (100/2018008).
"""

from __future__ import annotations

from comptoir.emulator import catalogue
from comptoir.emulator.graph import fields
from comptoir.emulator.graph.context import GraphContext, Reply
from comptoir.emulator.graph.request import GraphRequest, param_object
from comptoir.emulator.graph.validate import MEDIA_TYPES, UNREACHABLE_SUFFIX, check_file
from comptoir.emulator.state import Upload


async def upload_endpoint(ctx: GraphContext, request: GraphRequest, node: str) -> Reply:
    page = ctx.page_for_node(request, node)
    if request.method != "POST":
        raise catalogue.unsupported_request(request.method, node)
    message = param_object(request.params, "message")
    if message is None:
        raise catalogue.missing_parameter("message")
    attachment = fields.obj(message.get("attachment"), "message[attachment]")
    kind = fields.choice(
        attachment, "type", "message[attachment][type]", MEDIA_TYPES, required=True
    )
    assert kind is not None
    payload = fields.obj(attachment.get("payload", {}), "message[attachment][payload]")
    fields.flag(payload, "is_reusable", "message[attachment][payload][is_reusable]")
    address = fields.url(payload, "url", "message[attachment][payload][url]")
    if address is not None:
        host = fields.check_url(address, "message[attachment][payload][url]")
        if host.endswith(UNREACHABLE_SUFFIX):
            raise catalogue.fetch_failed()
    else:
        upload_file = request.files.get("filedata")
        if upload_file is None:
            raise catalogue.missing_parameter("message[attachment][payload][url]")
        check_file(kind, upload_file)
    state = ctx.emulator.state
    upload = Upload(
        attachment_id=state.new_numeric_id("68"),
        page_id=page.page_id,
        type=kind,
        url=address,
        created_ms=ctx.now_ms(),
    )
    state.uploads[upload.attachment_id] = upload
    return Reply(200, {"attachment_id": upload.attachment_id})
