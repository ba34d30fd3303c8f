"""Invitation and password-reset links: sent by e-mail when ``COMPTOIR_SMTP_URL`` is set,
printed in the log otherwise. This is the one place where such a token may appear, as a link
for the person it belongs to.

``smtp://user:password@host:587?from=inbox@example.com`` uses STARTTLS when the server offers
it; ``smtps://`` connects over TLS.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import anyio.to_thread

from comptoir.settings import Settings

log = logging.getLogger(__name__)


def inbox_link(settings: Settings, kind: str, token: str) -> str:
    """``<public_url>/inbox/#<kind>=<token>``: the token stays in the fragment."""
    return f"{settings.public_url.rstrip('/')}/inbox/#{kind}={token}"


def _send_smtp(url: str, message: EmailMessage) -> None:
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    sender = parse_qs(parts.query).get("from", [f"comptoir@{host}"])[0]
    message["From"] = sender
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, parts.port or 465, context=context, timeout=20
        )
    else:
        client = smtplib.SMTP(host, parts.port or 25, timeout=20)
    with client:
        if parts.scheme != "smtps" and client.has_extn("starttls"):
            client.starttls(context=context)
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


async def deliver_link(settings: Settings, to: str, subject: str, intro: str, link: str) -> None:
    """Send ``link`` to ``to``; never raises (a failure is logged without the link)."""
    if not settings.smtp_url:
        log.warning("%s for %s: %s", subject, to, link)
        return
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = subject
    message.set_content(f"{intro}\n\n{link}\n")
    try:
        await anyio.to_thread.run_sync(_send_smtp, settings.smtp_url, message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("could not e-mail %s to %s: %s", subject.lower(), to, type(exc).__name__)
