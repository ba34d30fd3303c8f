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


class SecretBox:
    __slots__ = ("_fernet",)

    def __init__(self, secret_key: str) -> None:
        if len(secret_key) < 16:
            raise ValueError("the secret key must be at least 16 characters long")
        digest = hashlib.sha256(b"comptoir-secret-box\x00" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            raise SecretBoxError(
                "a stored secret cannot be decrypted: was COMPTOIR_SECRET_KEY changed?"
            ) from None

    def __repr__(self) -> str:
        return "SecretBox(***)"
