"""Rows of the inbox's accounts: users, memberships, sessions, invitations, password resets
and sign-in throttling counters. ``services.accounts`` holds the rules around them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.domain.accounts.throttling import Counter
from comptoir.storage.tables import (
    invitations,
    login_throttles,
    memberships,
    password_resets,
    sessions,
    users,
    workspaces,
)
from comptoir.storage.upsert import insert_ignoring_duplicates


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    email: str
    name: str
    password_hash: str
    locale: str | None
    disabled: bool


@dataclass(frozen=True, slots=True)
class Membership:
    workspace_id: int
    workspace_name: str
    role: str


@dataclass(frozen=True, slots=True)
class SessionRow:
    user_id: int
    workspace_id: int
    csrf_secret: str
    last_seen_at: datetime
    expires_at: datetime


def _user(row: sa.Row[tuple[object, ...]] | None) -> UserRow | None:
    if row is None:
        return None
    m = row._mapping
    return UserRow(
        int(m["id"]),
        str(m["email"]),
        str(m["name"]),
        str(m["password_hash"]),
        m["locale"],
        m["disabled_at"] is not None,
    )


def user_by_email(conn: Connection, email_key: str) -> UserRow | None:
    return _user(conn.execute(sa.select(users).where(users.c.email_key == email_key)).first())


def user_by_id(conn: Connection, user_id: int) -> UserRow | None:
    return _user(conn.execute(sa.select(users).where(users.c.id == user_id)).first())


def insert_user(
    conn: Connection, email: str, email_key: str, name: str, password_hash: str, now: datetime
) -> int | None:
    """The new user's id, or None when the e-mail is taken."""
    result = conn.execute(
        insert_ignoring_duplicates(conn, users)
        .values(
            email=email,
            email_key=email_key,
            name=name,
            password_hash=password_hash,
            created_at=now,
        )
        .returning(users.c.id)
    ).first()
    return int(result[0]) if result is not None else None


def update_user(conn: Connection, user_id: int, **values: object) -> None:
    conn.execute(users.update().where(users.c.id == user_id).values(**values))


def memberships_of(conn: Connection, user_id: int) -> list[Membership]:
    rows = conn.execute(
        sa.select(memberships.c.workspace_id, workspaces.c.name, memberships.c.role)
        .join(workspaces, workspaces.c.id == memberships.c.workspace_id)
        .where(memberships.c.user_id == user_id)
        .order_by(memberships.c.created_at, memberships.c.workspace_id)
    ).all()
    return [Membership(int(r.workspace_id), str(r.name), str(r.role)) for r in rows]


def role_in(conn: Connection, user_id: int, workspace_id: int) -> str | None:
    return conn.execute(
        sa.select(memberships.c.role).where(
            memberships.c.user_id == user_id, memberships.c.workspace_id == workspace_id
        )
    ).scalar()


def set_membership(
    conn: Connection, user_id: int, workspace_id: int, role: str, now: datetime
) -> None:
    updated = conn.execute(
        memberships.update()
        .where(memberships.c.user_id == user_id, memberships.c.workspace_id == workspace_id)
        .values(role=role)
    ).rowcount
    if not updated:
        conn.execute(
            memberships.insert().values(
                user_id=user_id, workspace_id=workspace_id, role=role, created_at=now
            )
        )


def members(conn: Connection, workspace_id: int) -> list[dict[str, object]]:
    rows = conn.execute(
        sa.select(users.c.id, users.c.name, users.c.email, memberships.c.role)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.workspace_id == workspace_id, users.c.disabled_at.is_(None))
        .order_by(users.c.name, users.c.id)
    ).all()
    return [{"id": int(r.id), "name": r.name, "email": r.email, "role": r.role} for r in rows]


# -- sessions -------------------------------------------------------------------------------


def insert_session(
    conn: Connection,
    id_hash: str,
    user_id: int,
    workspace_id: int,
    csrf_secret: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    conn.execute(
        sessions.insert().values(
            id_hash=id_hash,
            user_id=user_id,
            workspace_id=workspace_id,
            csrf_secret=csrf_secret,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
        )
    )


def session_by_hash(conn: Connection, id_hash: str) -> SessionRow | None:
    row = conn.execute(
        sa.select(
            sessions.c.user_id,
            sessions.c.workspace_id,
            sessions.c.csrf_secret,
            sessions.c.last_seen_at,
            sessions.c.expires_at,
        ).where(sessions.c.id_hash == id_hash)
    ).first()
    if row is None:
        return None
    return SessionRow(
        int(row.user_id),
        int(row.workspace_id),
        str(row.csrf_secret),
        row.last_seen_at,
        row.expires_at,
    )


def update_session(conn: Connection, id_hash: str, **values: object) -> None:
    conn.execute(sessions.update().where(sessions.c.id_hash == id_hash).values(**values))


def delete_session(conn: Connection, id_hash: str) -> None:
    conn.execute(sessions.delete().where(sessions.c.id_hash == id_hash))


def delete_sessions_of(conn: Connection, user_id: int) -> None:
    conn.execute(sessions.delete().where(sessions.c.user_id == user_id))


def delete_expired_sessions(conn: Connection, before: datetime) -> int:
    return conn.execute(sessions.delete().where(sessions.c.expires_at < before)).rowcount


# -- invitations and password resets --------------------------------------------------------


def insert_invitation(
    conn: Connection,
    workspace_id: int,
    email: str,
    role: str,
    token_hash: str,
    invited_by: int | None,
    now: datetime,
    expires_at: datetime,
) -> int:
    key = conn.execute(
        invitations.insert()
        .values(
            workspace_id=workspace_id,
            email=email,
            role=role,
            token_hash=token_hash,
            invited_by=invited_by,
            created_at=now,
            expires_at=expires_at,
        )
        .returning(invitations.c.id)
    ).scalar_one()
    return int(key)


def invitation_by_hash(conn: Connection, token_hash: str) -> sa.Row[tuple[object, ...]] | None:
    return conn.execute(
        sa.select(invitations, workspaces.c.name.label("workspace_name"))
        .join(workspaces, workspaces.c.id == invitations.c.workspace_id)
        .where(invitations.c.token_hash == token_hash)
    ).first()


def mark_invitation_accepted(conn: Connection, invitation_id: int, now: datetime) -> bool:
    """True for the one caller that accepted it (a second acceptance changes nothing)."""
    return bool(
        conn.execute(
            invitations.update()
            .where(invitations.c.id == invitation_id, invitations.c.accepted_at.is_(None))
            .values(accepted_at=now)
        ).rowcount
    )


def invitations_of(conn: Connection, workspace_id: int) -> list[dict[str, object]]:
    rows = conn.execute(
        sa.select(
            invitations.c.id,
            invitations.c.email,
            invitations.c.role,
            invitations.c.expires_at,
            invitations.c.accepted_at,
        )
        .where(invitations.c.workspace_id == workspace_id)
        .order_by(invitations.c.id.desc())
    ).all()
    return [dict(r._mapping) for r in rows]


def insert_password_reset(
    conn: Connection, user_id: int, token_hash: str, now: datetime, expires_at: datetime
) -> None:
    conn.execute(
        password_resets.insert().values(
            user_id=user_id, token_hash=token_hash, created_at=now, expires_at=expires_at
        )
    )


def use_password_reset(conn: Connection, token_hash: str, now: datetime) -> int | None:
    """Marks an unused, unexpired reset used and returns its user (None otherwise)."""
    row = conn.execute(
        sa.select(password_resets.c.id, password_resets.c.user_id).where(
            password_resets.c.token_hash == token_hash,
            password_resets.c.used_at.is_(None),
            password_resets.c.expires_at > now,
        )
    ).first()
    if row is None:
        return None
    used = conn.execute(
        password_resets.update()
        .where(password_resets.c.id == row.id, password_resets.c.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    return int(row.user_id) if used else None


# -- throttling -----------------------------------------------------------------------------


def counters(conn: Connection, keys: list[str]) -> dict[str, Counter]:
    rows = conn.execute(
        sa.select(
            login_throttles.c.key, login_throttles.c.failures, login_throttles.c.last_failure_at
        ).where(login_throttles.c.key.in_(keys))
    ).all()
    return {str(r.key): Counter(int(r.failures), r.last_failure_at) for r in rows}


def add_failure(conn: Connection, key: str, now: datetime, forget_before: datetime) -> None:
    updated = conn.execute(
        login_throttles.update()
        .where(login_throttles.c.key == key)
        .values(
            failures=sa.case(
                (login_throttles.c.last_failure_at < forget_before, 1),
                else_=login_throttles.c.failures + 1,
            ),
            last_failure_at=now,
        )
    ).rowcount
    if not updated:
        conn.execute(
            insert_ignoring_duplicates(conn, login_throttles).values(
                key=key, failures=1, first_failure_at=now, last_failure_at=now
            )
        )


def forget_old_counters(conn: Connection, before: datetime) -> int:
    return conn.execute(
        login_throttles.delete().where(login_throttles.c.last_failure_at < before)
    ).rowcount


def clear_counters(conn: Connection, keys: list[str]) -> None:
    conn.execute(login_throttles.delete().where(login_throttles.c.key.in_(keys)))
