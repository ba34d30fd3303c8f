"""E-mail addresses, password rules and roles (standard library only).

``normalise_email`` gives the key accounts are unique by (trimmed, lower-cased);
``check_password`` returns why a new password is refused, or ``None``.
"""

from __future__ import annotations

import re

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_EMAIL = 320
ROLES = ("owner", "admin", "agent")
#: Roles that may invite people and manage saved replies for everyone.
MANAGERS = frozenset({"owner", "admin"})

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")

#: Passwords found at the top of every leaked-password list (checked without case).
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "0123456789",
        "1111111111",
        "0000000000",
        "1234567891",
        "123456789a",
        "qwertyuiop",
        "azertyuiop",
        "password123",
        "password12",
        "password1234",
        "motdepasse",
        "motdepasse1",
        "iloveyou12",
        "qwerty1234",
        "azerty1234",
        "1q2w3e4r5t",
        "letmein123",
        "welcome123",
        "bienvenue1",
        "administrator",
        "changeme123",
        "abcdefghij",
        "abc1234567",
    }
)


class InvalidEmailError(ValueError):
    """Not an e-mail address this system accepts."""


def normalise_email(email: str) -> str:
    """The key an account is found by: trimmed and lower-cased."""
    key = email.strip().lower()
    if len(key) > MAX_EMAIL or not _EMAIL.match(key):
        raise InvalidEmailError("not a valid e-mail address")
    return key


def check_password(password: str, email: str = "") -> str | None:
    """Why ``password`` cannot be used (plain words), or ``None`` when it is fine."""
    if len(password) < MIN_PASSWORD:
        return f"the password must have at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"the password must have at most {MAX_PASSWORD} characters"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        return "this password is too common or too simple"
    email_key = email.strip().lower()
    if email_key and (lowered == email_key or lowered == email_key.split("@")[0]):
        return "the password must not be the e-mail address"
    return None


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    return role
