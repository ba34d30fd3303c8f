"""inbox: users, memberships, sessions, invitations, password resets, sign-in throttling;
conversation labels, notes, snoozes, read marks; saved replies; full-text search

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import comptoir.storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time() -> comptoir.storage.types.UTCDateTime:
    return comptoir.storage.types.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{referred}"))


#: SQLite: FTS5 tables over message text and contact names, kept by triggers in the same
#: transaction as every write; existing rows are indexed once here.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.text IS NOT NULL "
    "BEGIN INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.text IS NOT NULL "
    "BEGIN INSERT INTO messages_fts(messages_fts, rowid, text) "
    "VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) "
    "SELECT 'delete', old.id, old.text WHERE old.text IS NOT NULL; "
    "INSERT INTO messages_fts(rowid, text) SELECT new.id, new.text WHERE new.text IS NOT NULL; "
    "END",
    "INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages WHERE text IS NOT NULL",
    "CREATE VIRTUAL TABLE contacts_fts USING fts5(first_name, last_name, content='contacts', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN "
    "INSERT INTO contacts_fts(rowid, first_name, last_name) "
    "VALUES (new.id, new.first_name, new.last_name); END",
    "CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN "
    "INSERT INTO contacts_fts(contacts_fts, rowid, first_name, last_name) "
    "VALUES ('delete', old.id, old.first_name, old.last_name); END",
    "CREATE TRIGGER contacts_fts_update AFTER UPDATE OF first_name, last_name ON contacts BEGIN "
    "INSERT INTO contacts_fts(contacts_fts, rowid, first_name, last_name) "
    "VALUES ('delete', old.id, old.first_name, old.last_name); "
    "INSERT INTO contacts_fts(rowid, first_name, last_name) "
    "VALUES (new.id, new.first_name, new.last_name); END",
    "INSERT INTO contacts_fts(rowid, first_name, last_name) "
    "SELECT id, first_name, last_name FROM contacts",
]

#: The newest customer message of each conversation, kept in the same transaction.
SQLITE_LAST_IN = [
    "CREATE TRIGGER messages_last_in AFTER INSERT ON messages WHEN new.direction = 'in' "
    "BEGIN UPDATE conversations SET last_in_message_id = new.id "
    "WHERE id = new.conversation_id "
    "AND (last_in_message_id IS NULL OR last_in_message_id < new.id); END",
]
POSTGRES_LAST_IN = [
    "CREATE FUNCTION comptoir_messages_last_in() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN UPDATE conversations SET last_in_message_id = NEW.id "
    "WHERE id = NEW.conversation_id "
    "AND (last_in_message_id IS NULL OR last_in_message_id < NEW.id); RETURN NULL; END $$",
    "CREATE TRIGGER messages_last_in AFTER INSERT ON messages FOR EACH ROW "
    "WHEN (NEW.direction = 'in') EXECUTE FUNCTION comptoir_messages_last_in()",
]

#: PostgreSQL: accents are folded with ``translate`` (immutable, so indexable; the unaccent
#: extension may not be installed) before the 'simple' configuration splits and lower-cases.
ACCENTED = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝ"
PLAIN = "aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUY"

#: GIN indexes over the same expressions as ``storage.inbox_search`` queries.
POSTGRES_FTS = [
    "CREATE INDEX ix_messages_text_fts ON messages USING gin "
    f"(to_tsvector('simple', translate(coalesce(text, ''), '{ACCENTED}', '{PLAIN}')))",
    "CREATE INDEX ix_contacts_name_fts ON contacts USING gin "
    "(to_tsvector('simple', translate(first_name || ' ' || last_name, "
    f"'{ACCENTED}', '{PLAIN}')))",
]


def upgrade() -> None:
    op.add_column("conversations", sa.Column("snoozed_until", _time(), nullable=True))
    op.add_column("conversations", sa.Column("snoozed_at", _time(), nullable=True))
    op.add_column("conversations", sa.Column("last_in_message_id", _id(), nullable=True))
    op.execute(
        "UPDATE conversations SET last_in_message_id = (SELECT max(m.id) FROM messages m "
        "WHERE m.conversation_id = conversations.id AND m.direction = 'in')"
    )
    op.create_index(
        "ix_conversations_ws_status_activity",
        "conversations",
        ["workspace_id", "status", "last_activity_at", "id"],
    )
    op.create_index(
        "ix_conversations_ws_snoozed", "conversations", ["workspace_id", "snoozed_until"]
    )
    op.create_index(
        "ix_conversations_ws_assignee_activity",
        "conversations",
        ["workspace_id", "assignee_id", "status", "last_activity_at", "id"],
    )
    op.create_table(
        "users",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_key", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("locale", sa.String(10), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("disabled_at", _time(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email_key", name=op.f("uq_users_email_key")),
    )
    op.create_table(
        "memberships",
        sa.Column("user_id", _id(), nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        _fk("memberships", "user_id", "users.id"),
        _fk("memberships", "workspace_id", "workspaces.id"),
        sa.PrimaryKeyConstraint("user_id", "workspace_id", name=op.f("pk_memberships")),
    )
    op.create_index("ix_memberships_workspace", "memberships", ["workspace_id"])
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("user_id", _id(), nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("csrf_secret", sa.String(64), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("last_seen_at", _time(), nullable=False),
        sa.Column("expires_at", _time(), nullable=False),
        _fk("sessions", "user_id", "users.id"),
        _fk("sessions", "workspace_id", "workspaces.id"),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_sessions")),
    )
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"])
    op.create_table(
        "invitations",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("invited_by", _id(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("expires_at", _time(), nullable=False),
        sa.Column("accepted_at", _time(), nullable=True),
        _fk("invitations", "workspace_id", "workspaces.id"),
        _fk("invitations", "invited_by", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    op.create_index(op.f("ix_invitations_workspace_id"), "invitations", ["workspace_id"])
    op.create_table(
        "password_resets",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("user_id", _id(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("expires_at", _time(), nullable=False),
        sa.Column("used_at", _time(), nullable=True),
        _fk("password_resets", "user_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    op.create_index(op.f("ix_password_resets_user_id"), "password_resets", ["user_id"])
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("first_failure_at", _time(), nullable=False),
        sa.Column("last_failure_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    op.create_table(
        "conversation_labels",
        sa.Column("conversation_id", _id(), nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        _fk("conversation_labels", "conversation_id", "conversations.id"),
        _fk("conversation_labels", "workspace_id", "workspaces.id"),
        sa.PrimaryKeyConstraint("conversation_id", "label", name=op.f("pk_conversation_labels")),
    )
    op.create_index(
        "ix_conversation_labels_ws_label",
        "conversation_labels",
        ["workspace_id", "label", "conversation_id"],
    )
    op.create_table(
        "conversation_notes",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("conversation_id", _id(), nullable=False),
        sa.Column("author_id", _id(), nullable=True),
        sa.Column("author_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        _fk("conversation_notes", "workspace_id", "workspaces.id"),
        _fk("conversation_notes", "conversation_id", "conversations.id"),
        _fk("conversation_notes", "author_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_notes")),
    )
    op.create_index(
        op.f("ix_conversation_notes_conversation_id"), "conversation_notes", ["conversation_id"]
    )
    op.create_table(
        "conversation_reads",
        sa.Column("conversation_id", _id(), nullable=False),
        sa.Column("user_id", _id(), nullable=False),
        sa.Column("last_read_message_id", _id(), nullable=False),
        sa.Column("read_at", _time(), nullable=False),
        _fk("conversation_reads", "conversation_id", "conversations.id"),
        _fk("conversation_reads", "user_id", "users.id"),
        sa.PrimaryKeyConstraint("conversation_id", "user_id", name=op.f("pk_conversation_reads")),
    )
    op.create_table(
        "saved_replies",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        _fk("saved_replies", "workspace_id", "workspaces.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_replies")),
    )
    op.create_index(op.f("ix_saved_replies_workspace_id"), "saved_replies", ["workspace_id"])
    if op.get_bind().dialect.name == "sqlite":
        statements = SQLITE_FTS + SQLITE_LAST_IN
    else:
        statements = POSTGRES_FTS + POSTGRES_LAST_IN
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS messages_fts_{trigger}")
            op.execute(f"DROP TRIGGER IF EXISTS contacts_fts_{trigger}")
        op.execute("DROP TRIGGER IF EXISTS messages_last_in")
        op.execute("DROP TABLE IF EXISTS messages_fts")
        op.execute("DROP TABLE IF EXISTS contacts_fts")
    else:
        op.execute("DROP TRIGGER IF EXISTS messages_last_in ON messages")
        op.execute("DROP FUNCTION IF EXISTS comptoir_messages_last_in()")
        op.execute("DROP INDEX IF EXISTS ix_messages_text_fts")
        op.execute("DROP INDEX IF EXISTS ix_contacts_name_fts")
    for table in (
        "saved_replies",
        "conversation_reads",
        "conversation_notes",
        "conversation_labels",
        "login_throttles",
        "password_resets",
        "invitations",
        "sessions",
        "memberships",
        "users",
    ):
        op.drop_table(table)
    op.drop_index("ix_conversations_ws_assignee_activity", table_name="conversations")
    op.drop_index("ix_conversations_ws_snoozed", table_name="conversations")
    op.drop_index("ix_conversations_ws_status_activity", table_name="conversations")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("last_in_message_id")
        batch.drop_column("snoozed_at")
        batch.drop_column("snoozed_until")
