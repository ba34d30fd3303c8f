"""Graph API errors exactly as Meta returns them (reference §4 and Appendix C).

Every error the emulator returns is a ``GraphError`` built by one of the functions in
``catalogue.py``; ``GraphError.body`` is the JSON object Meta sends:

    {"error": {"message", "type", "code", "error_subcode"?, "fbtrace_id"}}

The HTTP status is 400 for most errors, as Meta does (window, invalid parameter, 551, 190);
see the catalogue for the exceptions.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

_TRACE_ALPHABET = string.ascii_letters + string.digits


def new_fbtrace_id() -> str:
    """An 11-character trace id, like Meta's (``AbCdEfGhIjK``)."""
    return "".join(secrets.choice(_TRACE_ALPHABET) for _ in range(11))


class GraphError(Exception):
    """An error the emulator answers with, in Meta's shape."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        subcode: int | None = None,
        type_: str = "OAuthException",
        status: int = 400,
        is_transient: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.subcode = subcode
        self.type = type_
        self.status = status
        self.is_transient = is_transient

    def body(self, fbtrace_id: str | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.is_transient is not None:
            error["is_transient"] = self.is_transient
        error["fbtrace_id"] = fbtrace_id or new_fbtrace_id()
        return {"error": error}

    def __repr__(self) -> str:
        return f"GraphError(code={self.code}, subcode={self.subcode}, message={self.message!r})"
