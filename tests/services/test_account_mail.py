"""Invitation and reset links: e-mailed through SMTP when configured, logged otherwise."""

from __future__ import annotations

import logging
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from comptoir.services.account_mail import deliver_link, inbox_link
from comptoir.settings import Settings

pytestmark = pytest.mark.anyio


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to take one message (no TLS offered, so no STARTTLS)."""

    def handle(self) -> None:
        received: list[str] = self.server.received  # type: ignore[attr-defined]
        self.wfile.write(b"220 fake ESMTP\r\n")
        in_data = False
        lines: list[str] = []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode().rstrip("\r\n")
            if in_data:
                if line == ".":
                    received.append("\n".join(lines))
                    in_data = False
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line)
                continue
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-fake\r\n250 AUTH PLAIN\r\n")
            elif verb == "AUTH":
                received.append(f"auth {line.split(' ', 2)[1]}")
                self.wfile.write(b"235 ok\r\n")
            elif verb == "DATA":
                in_data = True
                self.wfile.write(b"354 go on\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[str]]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], server.received  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def settings(tmp_path: Path, **values: object) -> Settings:
    return replace(Settings(data_dir=tmp_path, public_url="https://shop.example/"), **values)


async def test_links_go_by_email_when_smtp_is_configured(
    tmp_path: Path, smtp_server: tuple[int, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    port, received = smtp_server
    configured = settings(
        tmp_path, smtp_url=f"smtp://inbox:s3cret@127.0.0.1:{port}?from=inbox@shop.example"
    )
    link = inbox_link(configured, "reset", "TOKEN123")
    assert link == "https://shop.example/inbox/#reset=TOKEN123"
    await deliver_link(configured, "nadia@example.com", "Password reset link", "Hello.", link)
    message = next(m for m in received if "Subject:" in m)
    assert "To: nadia@example.com" in message
    assert "From: inbox@shop.example" in message
    assert link in message
    assert any(m.startswith("auth PLAIN") for m in received)
    assert "TOKEN123" not in caplog.text  # the link went by mail, not to the log


async def test_without_smtp_the_link_is_logged_and_a_broken_server_is_only_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    plain = settings(tmp_path)
    link = inbox_link(plain, "invite", "TOKEN456")
    await deliver_link(plain, "leo@example.com", "Invitation", "Hi.", link)
    assert link in caplog.text
    caplog.clear()
    from tests.support.servers import free_port

    broken = settings(tmp_path, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    await deliver_link(broken, "leo@example.com", "Invitation", "Hi.", link)
    assert "could not e-mail invitation to leo@example.com" in caplog.text
    assert "TOKEN456" not in caplog.text
