"""What automation answers with: ``Reply`` (one message), ``Turn`` (what a responder is
given), the ``Responder`` protocol, and the text helpers (``render``, ``tidy``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from comptoir.domain.automation.text import fill
from comptoir.services.automation_settings import AutomationSettings
from comptoir.services.sending import QuickReply
from comptoir.storage.automation import ContactData, Incoming, ThreadState

__all__ = ["Reply", "Responder", "Turn", "answerable", "render", "tidy"]

_SPACES = re.compile(r"[ \t]{2,}")
_BEFORE_COMMA = re.compile(r" ([,.])")


@dataclass(frozen=True, slots=True)
class Reply:
    """One automated message: a text with optional quick replies, or an attachment."""

    text: str | None = None
    quick_replies: tuple[QuickReply, ...] = ()
    attachment: Any = None


@dataclass(frozen=True, slots=True)
class Turn:
    """What a responder is given: the message, the Page's settings, the language to use."""

    incoming: Incoming
    settings: AutomationSettings
    locale: str
    now: datetime
    #: The conversation has just been greeted (instant reply sent with this message).
    greeted_now: bool
    #: The conversation's automation state and what flows gathered about the contact, as
    #: read when this message's turn began (None: read them).
    thread: ThreadState | None = None
    contact: ContactData | None = None


class Responder(Protocol):
    """Keyword answers, FAQ, flows: the replies to one message (empty: not handled)."""

    async def respond(self, turn: Turn) -> Sequence[Reply]: ...


def render(text: str, values: dict[str, str]) -> str:
    """``text`` with its placeholders filled, tidied (``tidy``)."""
    return tidy(fill(text, values))


def tidy(text: str) -> str:
    """An empty placeholder (a first name not fetched yet) leaves no double space or space
    before a comma behind."""
    return _BEFORE_COMMA.sub(r"\1", _SPACES.sub(" ", text)).strip()


def answerable(item: Incoming) -> bool:
    """Automation may answer: not standby, no other app controls the thread, still open."""
    return (
        not item.standby
        and item.thread_owner_app_id is None
        and item.conversation_status != "resolved"
    )
