"""Inbox queries on a large workspace: 100,000 conversations and 1,000,000 messages.

The database is seeded once per backend and kept (SQLite: a file under the temp dir;
PostgreSQL: a schema of ``COMPTOIR_BENCH_PG_URL``, default the test server's ``test``
database, skipped when it does not answer). Seeding uses the driver's bulk paths (executemany
on SQLite, COPY on PostgreSQL) with the full-text triggers or indexes and the trigger that
keeps each conversation's newest customer message set up again afterwards, exactly as
migration 0006 makes them (the seeded rows carry that value themselves).

Measured through the service layer (``services.inbox``), each on its own connection like a
request: the list's first page, a deep page (keyset cursor 50,000 conversations in), opening a
conversation (its last 50 messages, notes, contact panel, composer) and a search (a word in
messages, a contact's name). Each is run ``RUNS`` times after a warm-up; p50 and p95 are
printed beside the baseline, a primary-key read of one conversation measured the same way.

Targets (p95): list and open under 50 ms, search under 300 ms; exit status 1 if missed. The
folder and unread counts (every conversation of the workspace) are printed without a target.
"""

from __future__ import annotations

import gc
import importlib
import os
import random
import socket
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

CONVERSATIONS = 100_000
MESSAGES_PER_CONVERSATION = 10
PAGES = 3
AGENTS = 10
RUNS = 60
WARMUP = 5
LIST_TARGET_MS = 50.0
SEARCH_TARGET_MS = 300.0
SEED_VERSION = "v3"
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)

FIRST_NAMES = (
    "Camille",
    "Lucas",
    "Amina",
    "Nora",
    "Léo",
    "Chloé",
    "Hugo",
    "Inès",
    "Louis",
    "Zoé",
    "Jules",
    "Lina",
    "Adam",
    "Emma",
    "Noah",
    "Jade",
    "Gabriel",
    "Louise",
    "Arthur",
    "Alice",
    "Raphaël",
    "Ambre",
    "Maël",
    "Rose",
    "Sacha",
    "Anna",
    "Tom",
    "Mila",
    "Nathan",
    "Léna",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "Andre",
    "Mercier",
)
SEARCH_WORD = "remboursement"


def _vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {"".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(3000)}
    words.discard(SEARCH_WORD)
    return sorted(words)


# -- seeding -------------------------------------------------------------------------------


def _time_text(moment: datetime, sqlite: bool) -> str:
    if sqlite:
        return moment.astimezone(UTC).isoformat(" ", "microseconds")[:26]
    return moment.isoformat()


def _rows(sqlite: bool) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """(table, rows) in insertion order, in the driver's value forms."""
    rng = random.Random(5)
    vocabulary = _vocabulary(rng)

    def t(moment: datetime) -> str:
        return _time_text(moment, sqlite)

    created = t(NOW - timedelta(days=400))
    yield "workspaces", [(1, "Bench shop", "UTC", created)]
    yield (
        "pages",
        [
            (p, 1, "messenger", str(900000000 + p), f"Page {p}", "", "x", "x", "x", "UTC", True,
             False, False, created)
            for p in range(1, PAGES + 1)
        ],
    )  # fmt: skip
    yield (
        "users",
        [
            (u, f"agent{u}@example.com", f"agent{u}@example.com", f"Agent {u}", "x", created)
            for u in range(1, AGENTS + 1)
        ],
    )
    yield "memberships", [(u, 1, "agent", created) for u in range(1, AGENTS + 1)]
    contacts: list[tuple[Any, ...]] = []
    conversations: list[tuple[Any, ...]] = []
    activity: list[datetime] = []
    for n in range(1, CONVERSATIONS + 1):
        last = NOW - timedelta(seconds=rng.randint(0, 365 * 86400))
        activity.append(last)
        page = rng.randint(1, PAGES)
        contacts.append(
            (n, 1, page, str(10**15 + n), rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES),
             "fetched", t(last), t(last), 86400, t(last - timedelta(days=3)))
        )  # fmt: skip
        roll = rng.random()
        status = "resolved" if roll < 0.7 else ("open" if roll < 0.9 else "pending")
        assignee = rng.randint(1, AGENTS) if rng.random() < 0.6 else None
        # Messages alternate in/out, ten per conversation: the last customer one is the 9th.
        last_in = (n - 1) * MESSAGES_PER_CONVERSATION + MESSAGES_PER_CONVERSATION - 1
        conversations.append(
            (n, 1, page, n, status, assignee, t(last), t(last - timedelta(days=3)), last_in)
        )
    yield "contacts", contacts
    yield "conversations", conversations
    message_id = 0
    batch: list[tuple[Any, ...]] = []
    for n in range(1, CONVERSATIONS + 1):
        last = activity[n - 1]
        page = conversations[n - 1][2]
        for k in range(MESSAGES_PER_CONVERSATION):
            message_id += 1
            at = last - timedelta(minutes=(MESSAGES_PER_CONVERSATION - k) * 7)
            words = rng.choices(vocabulary, k=rng.randint(4, 14))
            if rng.random() < 0.002:
                words[0] = SEARCH_WORD
            inbound = k % 2 == 0
            batch.append(
                (message_id, 1, page, n, n, "in" if inbound else "out",
                 "customer" if inbound else "bot", " ".join(words), "{}",
                 "received" if inbound else "delivered", t(at))
            )  # fmt: skip
        if len(batch) >= 100_000:
            yield "messages", batch
            batch = []
    if batch:
        yield "messages", batch


COLUMNS = {
    "workspaces": "id, name, timezone, created_at",
    "pages": "id, workspace_id, channel, page_id, name, app_id, access_token_sealed, "
    "app_secret_sealed, verify_token_sealed, timezone, human_agent_enabled, utility_enabled, "
    "one_time_notif_enabled, created_at",
    "users": "id, email, email_key, name, password_hash, created_at",
    "memberships": "user_id, workspace_id, role, created_at",
    "contacts": "id, workspace_id, page_ref, psid, first_name, last_name, profile_status, "
    "last_user_message_at, last_qualifying_action_at, window_seconds, created_at",
    "conversations": "id, workspace_id, page_ref, contact_id, status, assignee_id, "
    "last_activity_at, created_at, last_in_message_id",
    "messages": "id, workspace_id, page_ref, conversation_id, contact_id, direction, "
    "author_kind, text, content, status, created_at",
}


def _migration() -> Any:
    return importlib.import_module("comptoir.storage.migrations.versions.0006_inbox")


def _seed_sqlite(engine: sa.Engine) -> None:
    migration = _migration()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for name in ("messages", "contacts"):
            for kind in ("insert", "delete", "update"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}_fts_{kind}")
        cursor.execute("DROP TRIGGER IF EXISTS messages_last_in")  # the rows carry it
        cursor.execute("PRAGMA synchronous=OFF")
        for table, rows in _rows(sqlite=True):
            columns = COLUMNS[table]
            marks = ", ".join("?" for _ in columns.split(","))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608
        cursor.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
        cursor.execute("INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild')")
        for statement in migration.SQLITE_FTS + migration.SQLITE_LAST_IN:
            if statement.startswith("CREATE TRIGGER"):
                cursor.execute(statement)
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def _seed_postgres(engine: sa.Engine) -> None:
    migration = _migration()
    raw = engine.raw_connection()
    try:
        cursor: Any = raw.cursor()
        cursor.execute("DROP INDEX IF EXISTS ix_messages_text_fts")
        cursor.execute("DROP INDEX IF EXISTS ix_contacts_name_fts")
        cursor.execute("ALTER TABLE messages DISABLE TRIGGER messages_last_in")
        for table, rows in _rows(sqlite=False):
            with cursor.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cursor.execute("ALTER TABLE messages ENABLE TRIGGER messages_last_in")
        for statement in migration.POSTGRES_FTS:
            cursor.execute(statement)
        for table in ("workspaces", "pages", "users", "contacts", "conversations", "messages"):
            sequence = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) "
            cursor.execute(sequence + f"FROM {table}))")
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def _seeded(engine: sa.Engine) -> bool:
    try:
        with engine.connect() as conn:
            count = conn.execute(sa.text("SELECT count(*) FROM messages")).scalar()
    except sa.exc.DBAPIError:
        return False
    return count == CONVERSATIONS * MESSAGES_PER_CONVERSATION


def _prepare(url: str) -> tuple[sa.Engine, float]:
    from comptoir.storage.engine import create_engine, upgrade

    engine = create_engine(url, synchronous="NORMAL")
    upgrade(engine)
    if _seeded(engine):
        return engine, 0.0
    started = time.perf_counter()
    if engine.dialect.name == "sqlite":
        _seed_sqlite(engine)
    else:
        _seed_postgres(engine)
    with engine.begin() as conn:  # some read marks, so unread counts do real work
        conn.execute(
            sa.text(
                "INSERT INTO conversation_reads (conversation_id, user_id, last_read_message_id,"
                " read_at) SELECT id, 1, id * 10 - 5, :at FROM conversations WHERE id % 3 = 0"
            ),
            {"at": _time_text(NOW, engine.dialect.name == "sqlite")},
        )
    return engine, time.perf_counter() - started


def _sqlite_url() -> str:
    folder = Path(tempfile.gettempdir()) / "comptoir-bench-inbox"
    folder.mkdir(exist_ok=True)
    return f"sqlite:///{folder / f'inbox-{SEED_VERSION}.sqlite3'}"


def _postgres_url() -> str | None:
    url = os.environ.get("COMPTOIR_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    host = sa.engine.make_url(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with socket.create_connection((host.host or "127.0.0.1", host.port or 5432), 0.5):
            pass
    except OSError:
        return None
    schema = f"bench_inbox_{SEED_VERSION}"
    admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


# -- measuring -------------------------------------------------------------------------------


def _measure(
    engine: sa.Engine, work: Callable[[sa.Connection, int], Any], runs: int = RUNS
) -> list[float]:
    """Milliseconds per run; the garbage collector runs between runs, not inside one, as
    it would between requests of a server that is not starved of memory."""
    timings = []
    try:
        for run in range(WARMUP + runs):
            gc.collect()
            gc.disable()
            started = time.perf_counter()
            with engine.connect() as conn:
                work(conn, run)
            elapsed = (time.perf_counter() - started) * 1000
            gc.enable()
            if run >= WARMUP:
                timings.append(elapsed)
    finally:
        gc.enable()
    return timings


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _bench(url: str, label: str) -> bool:
    from comptoir.services import inbox
    from comptoir.storage import inbox as store

    engine, seed_seconds = _prepare(url)
    seeded = f"seeded in {seed_seconds:.0f} s" if seed_seconds else "seed reused"
    total = CONVERSATIONS * MESSAGES_PER_CONVERSATION
    print(f"-- {label}: {CONVERSATIONS:,} conversations, {total:,} messages ({seeded})")
    agent = inbox.Agent(workspace_id=1, user_id=1, name="Agent 1")
    rng = random.Random(9)
    with engine.connect() as conn:
        deep = conn.execute(
            sa.text(
                "SELECT last_activity_at, id FROM conversations WHERE workspace_id = 1 "
                "ORDER BY last_activity_at DESC, id DESC LIMIT 1 OFFSET 50000"
            )
        ).one()
    deep_at = deep[0] if isinstance(deep[0], datetime) else datetime.fromisoformat(deep[0])
    if deep_at.tzinfo is None:
        deep_at = deep_at.replace(tzinfo=UTC)
    targets = rng.sample(range(1, CONVERSATIONS + 1), WARMUP + RUNS)
    names = [rng.choice(FIRST_NAMES) + " " + rng.choice(LAST_NAMES) for _ in range(WARMUP + RUNS)]

    def baseline(conn: sa.Connection, run: int) -> Any:
        return conn.execute(
            sa.text("SELECT id, status FROM conversations WHERE id = :id"), {"id": targets[run]}
        ).all()

    def first_page(conn: sa.Connection, run: int) -> Any:
        return inbox.list_page(conn, agent, store.ListQuery(status="open"), NOW)

    def all_first_page(conn: sa.Connection, run: int) -> Any:
        return inbox.list_page(conn, agent, store.ListQuery(status="resolved"), NOW)

    def deep_page(conn: sa.Connection, run: int) -> Any:
        query = store.ListQuery(status="resolved", after=(deep_at, int(deep[1])))
        return inbox.list_page(conn, agent, query, NOW)

    def mine(conn: sa.Connection, run: int) -> Any:
        return inbox.list_page(conn, agent, store.ListQuery(folder="mine", status="open"), NOW)

    def open_one(conn: sa.Connection, run: int) -> Any:
        return inbox.view(conn, agent, targets[run], NOW, "en")

    def search_word(conn: sa.Connection, run: int) -> Any:
        query = store.ListQuery(status="resolved", terms=(SEARCH_WORD,))
        return inbox.list_page(conn, agent, query, NOW)

    def search_name(conn: sa.Connection, run: int) -> Any:
        query = store.ListQuery(status="open", terms=tuple(names[run].lower().split()))
        return inbox.list_page(conn, agent, query, NOW)

    def counts(conn: sa.Connection, run: int) -> Any:
        return inbox.counts(conn, agent, NOW)

    cases: list[tuple[str, Callable[[sa.Connection, int], Any], float | None]] = [
        ("baseline: one row by id", baseline, None),
        ("list, first page (open)", first_page, LIST_TARGET_MS),
        ("list, first page (resolved)", all_first_page, LIST_TARGET_MS),
        ("list, deep page (50,000 in)", deep_page, LIST_TARGET_MS),
        ("list, mine (open)", mine, LIST_TARGET_MS),
        ("open a conversation", open_one, LIST_TARGET_MS),
        (f"search a word ({SEARCH_WORD!r})", search_word, SEARCH_TARGET_MS),
        ("search a contact's name", search_name, SEARCH_TARGET_MS),
        ("folder and unread counts", counts, None),
    ]
    ok = True
    base = 0.0
    for name, work, target in cases:
        timings = _measure(engine, work, 10 if work is counts else RUNS)
        p50, p95 = statistics.median(timings), _p(timings, 0.95)
        if target is None:
            base = base or p50
            print(f"  {name:34} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  (no target)")
            continue
        met = p95 < target
        ok = ok and met
        print(
            f"  {name:34} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  "
            f"({p50 / base if base else 0:6.0f}x baseline)  target p95 < {target:.0f} ms "
            f"{'ok' if met else 'MISSED'}"
        )
    engine.dispose()
    return ok


def main() -> int:
    results = [_bench(_sqlite_url(), "SQLite")]
    pg = _postgres_url()
    if pg is None:
        print("-- PostgreSQL: not answering; skipped (set COMPTOIR_BENCH_PG_URL)")
    else:
        results.append(_bench(pg, "PostgreSQL"))
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
