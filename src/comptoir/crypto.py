"""Encryption at rest for Page tokens, app secrets and webhook secrets.

``SecretBox`` seals text with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from
``COMPTOIR_SECRET_KEY``. Sealed values are what the database holds; they are opened only
right before a call to Meta. Nothing here ever logs or echoes a plaintext.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class SecretBoxError(Exception):
    """A sealed value cannot be opened (wrong secret key, or corrupted)."""


#: Most opened values a box remembers (each distinct sealed value is opened once).
_REMEMBERED = 1024


class SecretBox:
    """Seals and opens secrets. Opened values are remembered in memory (a Page token is used
    for every call to Meta, and opening one costs more than the call's own work)."""

    __slots__ = ("_fernet", "_opened")

    def __init__(self, secret_key: str) -> None:
        if len(secret_key) < 16:
            raise ValueError("the secret key must be at least 16 characters long")
        digest = hashlib.sha256(b"comptoir-secret-box\x00" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._opened: dict[str, str] = {}

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        opened = self._opened.get(sealed)
        if opened is not None:
            return opened
        try:
            opened = self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            raise SecretBoxError(
                "a stored secret cannot be decrypted: was COMPTOIR_SECRET_KEY changed?"
            ) from None
        if len(self._opened) >= _REMEMBERED:
            self._opened.clear()
        self._opened[sealed] = opened
        return opened

    def __repr__(self) -> str:
        return "SecretBox(***)"
