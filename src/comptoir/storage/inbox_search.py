"""Full-text search for the inbox: SQLite FTS5 tables (``messages_fts``, ``contacts_fts``) or
PostgreSQL GIN indexes over ``to_tsvector('simple', ...)`` (migration 0006).

``search_terms`` turns what an agent typed into words (letters and digits only, so nothing
typed is ever query syntax); each word matches as a prefix, all words must match.
``matching_conversations`` is a subquery of conversation ids for ``conversations.c.id.in_``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.storage.tables import contacts, conversations, messages

MAX_TERMS = 8
#: Accented letters folded on PostgreSQL (the same strings as migration 0006's indexes).
ACCENTED = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝ"
PLAIN = "aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUY"
_FOLD = f"'{ACCENTED}', '{PLAIN}'"
_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(text: str) -> list[str]:
    """Words, lower-cased, without accents (both backends index text without them)."""
    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    return [word.lower() for word in _WORD.findall(folded)][:MAX_TERMS]


def _fts5_query(terms: list[str]) -> str:
    return " AND ".join(f'"{term}"*' for term in terms)


def _tsquery(terms: list[str]) -> str:
    return " & ".join(f"{term}:*" for term in terms)


def matching_conversations(
    conn: Connection, workspace_id: int, terms: list[str]
) -> sa.ColumnElement[bool]:
    """A condition on ``conversations``: a message or the contact's name matches."""
    c = conversations
    if conn.dialect.name == "sqlite":
        query = _fts5_query(terms)
        message_ids = sa.text("SELECT rowid FROM messages_fts WHERE messages_fts MATCH :mq")
        contact_ids = sa.text("SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH :cq")
        # One set of conversation ids, found from the matches (not by walking the list and
        # testing each conversation, which costs a full scan when few match).
        found = sa.union(
            sa.select(messages.c.conversation_id).where(
                messages.c.id.in_(message_ids.bindparams(mq=query))
            ),
            sa.select(c.c.id).where(c.c.contact_id.in_(contact_ids.bindparams(cq=query))),
        )
        return c.c.id.in_(found)
    tsquery = sa.func.to_tsquery(sa.literal_column("'simple'"), _tsquery(terms))
    # Written exactly as the indexes' expressions (literals, not parameters), so the planner
    # uses them.
    message_vector: sa.ColumnElement[Any] = sa.literal_column(
        f"to_tsvector('simple', translate(coalesce(messages.text, ''), {_FOLD}))"
    )
    contact_vector: sa.ColumnElement[Any] = sa.literal_column(
        "to_tsvector('simple', translate(contacts.first_name || ' ' || contacts.last_name, "
        f"{_FOLD}))"
    )
    found = sa.union(
        sa.select(messages.c.conversation_id).where(
            messages.c.workspace_id == workspace_id, message_vector.op("@@")(tsquery)
        ),
        sa.select(c.c.id).where(
            c.c.contact_id.in_(
                sa.select(contacts.c.id).where(
                    contacts.c.workspace_id == workspace_id, contact_vector.op("@@")(tsquery)
                )
            )
        ),
    )
    return c.c.id.in_(found)
