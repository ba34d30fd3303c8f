"""Inbox accounts: users, sign-in with throttling, sessions, invitations, password resets.

Secrets never stored in clear: session ids, invitation and reset tokens are random values
whose SHA-256 is stored; passwords are argon2id hashes. The one place a token appears is
the link given to its owner (``services.account_mail``: the log or an e-mail).

Sign-in answers the same, after the same work (one argon2 verification), whether the e-mail
exists or not. Throttling follows ``domain.accounts.throttling``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from comptoir.domain.accounts import throttling
from comptoir.domain.accounts.passwords import (
    MANAGERS,
    InvalidEmailError,
    check_password,
    check_role,
    normalise_email,
)
from comptoir.storage import accounts as store

__all__ = [
    "ABSOLUTE_LIFETIME",
    "IDLE_LIMIT",
    "MANAGERS",
    "AccountError",
    "AccountExistsError",
    "CurrentSession",
    "InvalidCredentialsError",
    "InvalidEmailError",
    "InvalidTokenError",
    "SignIn",
    "ThrottledError",
    "WeakPasswordError",
    "normalise_email",
]

IDLE_LIMIT = timedelta(hours=12)
ABSOLUTE_LIFETIME = timedelta(days=14)
INVITATION_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)
#: A session's last_seen_at is written at most this often (reads stay reads).
TOUCH_EVERY = timedelta(minutes=1)


class AccountError(Exception):
    """Root of the account errors; ``code`` is the API's error code."""

    code = "account_error"


class InvalidCredentialsError(AccountError):
    code = "invalid_credentials"


class ThrottledError(AccountError):
    code = "throttled"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed attempts; try again in {retry_after} s")
        self.retry_after = retry_after


class WeakPasswordError(AccountError):
    code = "weak_password"


class InvalidTokenError(AccountError):
    code = "invalid_token"


class AccountExistsError(AccountError):
    code = "account_exists"


@lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    # OWASP's argon2id baseline: 19 MiB, 2 passes.
    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hasher().hash(secrets.token_urlsafe(16))


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def password_matches(password_hash: str, password: str) -> bool:
    return _verify(password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# -- users ------------------------------------------------------------------------------------


def _check_new_password(password: str, email: str) -> None:
    problem = check_password(password, email)
    if problem is not None:
        raise WeakPasswordError(problem)


def create_user(conn: Connection, email: str, password: str, name: str, now: datetime) -> int:
    """A new account (raises InvalidEmailError, WeakPasswordError, AccountExistsError)."""
    key = normalise_email(email)
    _check_new_password(password, key)
    user_id = store.insert_user(
        conn, email.strip(), key, name.strip()[:200], hasher().hash(password), now
    )
    if user_id is None:
        raise AccountExistsError("an account with this e-mail already exists")
    return user_id


def set_password(conn: Connection, user_id: int, password: str) -> None:
    user = store.user_by_id(conn, user_id)
    if user is None:
        raise LookupError("no such user")
    _check_new_password(password, user.email)
    store.update_user(conn, user_id, password_hash=hasher().hash(password))
    store.delete_sessions_of(conn, user_id)


def add_member(conn: Connection, user_id: int, workspace_id: int, role: str, now: datetime) -> None:
    store.set_membership(conn, user_id, workspace_id, check_role(role), now)


# -- sign-in ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignIn:
    """A successful sign-in: the session cookie's value and the device cookie's."""

    user_id: int
    workspace_id: int
    session_id: str
    csrf_token: str
    device_token: str


def device_token(secret_key: str, email_key: str, nonce: str | None = None) -> str:
    """A browser's proof that it signed in to this account before: ``nonce.mac``."""
    nonce = nonce or secrets.token_urlsafe(16)
    mac = hmac.new(secret_key.encode(), f"device|{email_key}|{nonce}".encode(), "sha256")
    return f"{nonce}.{mac.hexdigest()}"


def _known_device(secret_key: str, email_key: str, token: str | None) -> str | None:
    """The device's nonce when ``token`` is this account's device cookie."""
    if not token or token.count(".") != 1 or len(token) > 200:
        return None
    nonce, _ = token.split(".")
    expected = device_token(secret_key, email_key, nonce)
    return nonce if hmac.compare_digest(expected, token) else None


def _keys(email_key: str, address: str, nonce: str | None) -> dict[str, str]:
    keys = {
        "pair": "pair:" + hash_secret(f"{email_key}|{address}")[:48],
        "address": "addr:" + hash_secret(address)[:48],
        "account": "acct:" + hash_secret(email_key)[:48],
    }
    if nonce is not None:
        keys["device"] = "dev:" + hash_secret(f"{email_key}|{nonce}")[:48]
    return keys


def sign_in(
    conn: Connection,
    email: str,
    password: str,
    *,
    address: str,
    device: str | None,
    secret_key: str,
    now: datetime,
) -> SignIn:
    """Check the password (throttled), open a session in the user's first workspace."""
    try:
        email_key = normalise_email(email)
    except InvalidEmailError:
        email_key = email.strip().lower()[:320]
    nonce = _known_device(secret_key, email_key, device)
    keys = _keys(email_key, address, nonce)
    found = store.counters(conn, list(keys.values()))
    attempt = throttling.Attempt(
        pair=found.get(keys["pair"]),
        address=found.get(keys["address"]),
        account=found.get(keys["account"]),
        device=found.get(keys.get("device", "")),
        known_device=nonce is not None,
    )
    wait = throttling.wait_before(attempt, now)
    if wait > timedelta(0):
        raise ThrottledError(max(1, int(wait.total_seconds() + 0.999)))
    user = store.user_by_email(conn, email_key)
    valid = _verify(user.password_hash if user else _dummy_hash(), password)
    workspaces = store.memberships_of(conn, user.id) if user is not None and valid else []
    if user is None or not valid or user.disabled or not workspaces:
        forget_before = now - throttling.FORGET_AFTER
        for name in throttling.keys_to_count(nonce is not None):
            store.add_failure(conn, keys[name], now, forget_before)
        raise InvalidCredentialsError("wrong e-mail or password")
    store.clear_counters(
        conn, [keys[name] for name in throttling.keys_to_clear(nonce is not None) if name in keys]
    )
    if hasher().check_needs_rehash(user.password_hash):
        store.update_user(conn, user.id, password_hash=hasher().hash(password))
    return _open_session(conn, user.id, workspaces[0].workspace_id, secret_key, email_key, now)


def _open_session(
    conn: Connection,
    user_id: int,
    workspace_id: int,
    secret_key: str,
    email_key: str,
    now: datetime,
) -> SignIn:
    # Housekeeping where it costs nothing noticeable: sessions past their absolute expiry and
    # throttling counters nobody needs any more go.
    store.delete_expired_sessions(conn, now)
    store.forget_old_counters(conn, now - throttling.FORGET_AFTER)
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    store.insert_session(
        conn, hash_secret(session_id), user_id, workspace_id, csrf, now, now + ABSOLUTE_LIFETIME
    )
    return SignIn(user_id, workspace_id, session_id, csrf, device_token(secret_key, email_key))


# -- sessions ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CurrentSession:
    id_hash: str
    user_id: int
    workspace_id: int
    role: str
    csrf_token: str
    user_name: str
    email: str
    locale: str | None


def current_session(conn: Connection, session_id: str, now: datetime) -> CurrentSession | None:
    """The live session behind a cookie; expired ones are deleted and give None."""
    if not session_id or len(session_id) > 200:
        return None
    id_hash = hash_secret(session_id)
    row = store.session_by_hash(conn, id_hash)
    if row is None:
        return None
    if now >= row.expires_at or now - row.last_seen_at >= IDLE_LIMIT:
        store.delete_session(conn, id_hash)
        return None
    user = store.user_by_id(conn, row.user_id)
    role = store.role_in(conn, row.user_id, row.workspace_id)
    if user is None or user.disabled or role is None:
        store.delete_session(conn, id_hash)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        store.update_session(conn, id_hash, last_seen_at=now)
    return CurrentSession(
        id_hash, user.id, row.workspace_id, role, row.csrf_secret, user.name, user.email,
        user.locale,
    )  # fmt: skip


def check_csrf(session: CurrentSession, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(session.csrf_token.encode(), (token or "").encode())


def sign_out(conn: Connection, session: CurrentSession) -> None:
    store.delete_session(conn, session.id_hash)


def switch_workspace(conn: Connection, session: CurrentSession, workspace_id: int) -> bool:
    if store.role_in(conn, session.user_id, workspace_id) is None:
        return False
    store.update_session(conn, session.id_hash, workspace_id=workspace_id)
    return True


# -- invitations ------------------------------------------------------------------------------


def invite(
    conn: Connection,
    workspace_id: int,
    email: str,
    role: str,
    invited_by: int | None,
    now: datetime,
) -> tuple[int, str]:
    """The invitation's id and its token (for the link; only its hash is stored)."""
    normalise_email(email)
    if check_role(role) == "owner":
        raise ValueError("invite people as agent or admin; owners are made with the CLI")
    token = _new_token()
    invitation_id = store.insert_invitation(
        conn,
        workspace_id,
        email.strip(),
        role,
        hash_secret(token),
        invited_by,
        now,
        now + INVITATION_LIFETIME,
    )
    return invitation_id, token


@dataclass(frozen=True, slots=True)
class InvitationInfo:
    id: int
    workspace_id: int
    workspace_name: str
    email: str
    role: str
    existing_user: bool


def lookup_invitation(conn: Connection, token: str, now: datetime) -> InvitationInfo:
    row = store.invitation_by_hash(conn, hash_secret(token)) if 0 < len(token) < 200 else None
    if row is None or row.accepted_at is not None or row.expires_at <= now:
        raise InvalidTokenError("this link is not valid any more; ask for a new one")
    existing = store.user_by_email(conn, normalise_email(row.email)) is not None
    return InvitationInfo(
        int(row.id), int(row.workspace_id), str(row.workspace_name), str(row.email),
        str(row.role), existing,
    )  # fmt: skip


def accept_invitation(
    conn: Connection,
    token: str,
    *,
    name: str,
    password: str,
    secret_key: str,
    now: datetime,
) -> SignIn:
    """Join the workspace (creating the account, or proving it with its password)."""
    info = lookup_invitation(conn, token, now)
    email_key = normalise_email(info.email)
    user = store.user_by_email(conn, email_key)
    if user is None:
        user_id = create_user(conn, info.email, password, name or info.email.split("@")[0], now)
    else:
        if not _verify(user.password_hash, password) or user.disabled:
            raise InvalidCredentialsError("wrong password for this account")
        user_id = user.id
    if not store.mark_invitation_accepted(conn, info.id, now):
        raise InvalidTokenError("this link is not valid any more; ask for a new one")
    current = store.role_in(conn, user_id, info.workspace_id)
    if current is None or (current == "agent" and info.role == "admin"):
        store.set_membership(conn, user_id, info.workspace_id, info.role, now)
    return _open_session(conn, user_id, info.workspace_id, secret_key, email_key, now)


# -- password resets --------------------------------------------------------------------------


#: Reset links asked from one address before each further request waits (doubling).
RESETS_FREE = 5


def request_reset(
    conn: Connection, email: str, now: datetime, address: str | None = None
) -> tuple[str, str] | None:
    """(the account's e-mail, a reset token) when the account exists; None otherwise.

    With ``address``, requests are counted per client address and throttled like failed
    sign-ins (``ThrottledError``), whether the account exists or not."""
    if address is not None:
        key = "reset:" + hash_secret(address)[:48]
        counter = store.counters(conn, [key]).get(key)
        wait = throttling.delay(counter, RESETS_FREE, now)
        if wait > timedelta(0):
            raise ThrottledError(max(1, int(wait.total_seconds() + 0.999)))
        store.add_failure(conn, key, now, now - throttling.FORGET_AFTER)
    try:
        key = normalise_email(email)
    except InvalidEmailError:
        return None
    user = store.user_by_email(conn, key)
    if user is None or user.disabled:
        return None
    token = _new_token()
    store.insert_password_reset(conn, user.id, hash_secret(token), now, now + RESET_LIFETIME)
    return user.email, token


def confirm_reset(
    conn: Connection, token: str, password: str, *, secret_key: str, now: datetime
) -> SignIn:
    """Set a new password from a reset link; every other session of the user ends."""
    if not 0 < len(token) < 200:
        raise InvalidTokenError("this link is not valid any more; ask for a new one")
    user_id = store.use_password_reset(conn, hash_secret(token), now)
    user = store.user_by_id(conn, user_id) if user_id is not None else None
    if user is None:
        raise InvalidTokenError("this link is not valid any more; ask for a new one")
    _check_new_password(password, user.email)
    set_password(conn, user.id, password)
    workspaces = store.memberships_of(conn, user.id)
    if not workspaces:
        raise InvalidTokenError("this account belongs to no workspace any more")
    return _open_session(
        conn, user.id, workspaces[0].workspace_id, secret_key, normalise_email(user.email), now
    )
