"""Connected Pages as the webhook receiver needs them, kept in memory.

The receiver checks every POST's signature with the Page's app secret; reading and opening
that secret per request would cost a query and a decryption, so ``PageDirectory`` keeps
``page_id -> KnownPage`` (secret opened once). Entries are dropped by ``forget`` when a Page is
(re)connected, refreshed when a signature fails to verify (the secret may have been rotated),
and an unknown id is remembered as unknown for a second, so a flood of bad ids does not turn
into a flood of queries.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from comptoir.crypto import SecretBox
from comptoir.storage.pages import find_page
from comptoir.storage.tables import pages

#: Seconds an unknown Page id is remembered as unknown.
UNKNOWN_TTL = 1.0
#: Least seconds between two reloads of one Page after a signature mismatch.
REFRESH_INTERVAL = 5.0


@dataclass(frozen=True, slots=True)
class KnownPage:
    page_ref: int
    workspace_id: int
    page_id: str
    app_id: str
    app_secret: str
    access_token_sealed: str

    def __repr__(self) -> str:
        return f"KnownPage(page_ref={self.page_ref}, page_id={self.page_id!r}, app_secret=***)"


class PageDirectory:
    def __init__(
        self,
        engine: Engine,
        secrets: SecretBox,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._secrets = secrets
        self._monotonic = monotonic
        self._known: dict[str, KnownPage] = {}
        self._unknown_until: dict[str, float] = {}
        self._refreshed_at: dict[str, float] = {}

    def cached(self, page_id: str) -> KnownPage | None:
        """The Page if it is in memory (no I/O)."""
        return self._known.get(page_id)

    async def find(self, page_ids: Iterable[str]) -> dict[str, KnownPage | None]:
        """Each Page id -> its record, or None when no such Page is connected."""
        found: dict[str, KnownPage | None] = {}
        missing: list[str] = []
        now = self._monotonic()
        for page_id in page_ids:
            known = self._known.get(page_id)
            if known is not None:
                found[page_id] = known
            elif self._unknown_until.get(page_id, 0.0) > now:
                found[page_id] = None
            else:
                missing.append(page_id)
        if missing:
            loaded = await asyncio.to_thread(self._load, missing)
            now = self._monotonic()
            for page_id in missing:
                record = loaded.get(page_id)
                found[page_id] = record
                if record is None:
                    if len(self._unknown_until) > 10_000:
                        self._unknown_until.clear()
                    self._unknown_until[page_id] = now + UNKNOWN_TTL
                else:
                    self._known[page_id] = record
                    self._unknown_until.pop(page_id, None)
        return found

    async def refresh(self, page_id: str) -> KnownPage | None:
        """Reload one Page from the database (at most once per ``REFRESH_INTERVAL``);
        returns the fresh record, or None when nothing new was loaded."""
        now = self._monotonic()
        if now - self._refreshed_at.get(page_id, -REFRESH_INTERVAL) < REFRESH_INTERVAL:
            return None
        self._refreshed_at[page_id] = now
        self.forget(page_id)
        return (await self.find([page_id]))[page_id]

    def forget(self, page_id: str | None = None) -> None:
        """Drop a Page (or every Page) from memory: call after connecting or updating one."""
        if page_id is None:
            self._known.clear()
            self._unknown_until.clear()
        else:
            self._known.pop(page_id, None)
            self._unknown_until.pop(page_id, None)

    async def verify_token_matches(self, token: str) -> bool:
        """Whether ``token`` is the verify token of a connected Page (constant-time compare
        against each; for Meta's GET handshake, which is rare, so no cache)."""
        return await asyncio.to_thread(self._verify_token_matches, token)

    # ---- in a worker thread ----------------------------------------------------------

    def _load(self, page_ids: list[str]) -> dict[str, KnownPage]:
        loaded: dict[str, KnownPage] = {}
        with self._engine.connect() as connection:
            for page_id in page_ids:
                record = find_page(connection, page_id)
                if record is None:
                    continue
                loaded[page_id] = KnownPage(
                    page_ref=record.id,
                    workspace_id=record.workspace_id,
                    page_id=record.page_id,
                    app_id=record.app_id,
                    app_secret=self._secrets.open(record.app_secret_sealed),
                    access_token_sealed=record.access_token_sealed,
                )
        return loaded

    def _verify_token_matches(self, token: str) -> bool:
        with self._engine.connect() as connection:
            sealed = connection.execute(sa.select(pages.c.verify_token_sealed)).scalars().all()
        matched = False
        given = token.encode()
        for value in sealed:
            expected = self._secrets.open(value).encode()
            matched |= hmac.compare_digest(given, expected)
        return matched
