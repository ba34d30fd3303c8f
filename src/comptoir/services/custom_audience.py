"""Export an audience as a Custom Audience customer list, in Meta's upload format.

Meta's Marketing API takes customer lists as ``POST /<CUSTOM_AUDIENCE_ID>/users`` with
``{"payload": {"schema": [...], "data": [[...], ...]}}``, at most 10,000 rows per call.
Contact identifiers are normalised then hashed with SHA-256 (lowercase hex):

* ``EMAIL``: trimmed, lowercased;
* ``PHONE``: digits only, with the country code (a leading ``+`` or ``00`` dropped);
* ``FN`` / ``LN``: lowercased, without spaces or punctuation (accented letters kept, UTF-8);
* ``PAGEUID``: the person's Page-scoped id (PSID), given with ``page_ids`` and not hashed,
  as Meta's table of identifiers asks for Page-scoped ids.

Emails and phone numbers come from the contact's custom fields (``email``, ``phone``) when
a flow or the API recorded them; names from the profile. ``to_csv`` writes the same rows
with the schema as its header, for the Ads Manager file upload.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from comptoir.services import broadcast_audience as audience_store
from comptoir.services.broadcast_message import InvalidBroadcastError
from comptoir.storage.tables import automation_contacts, contacts, pages, segments

SCHEMA = ("PAGEUID", "EMAIL", "PHONE", "FN", "LN")
#: Rows per ``/users`` call, Meta's maximum.
MAX_ROWS_PER_CALL = 10_000


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest() if value else ""


def normalise_email(value: str) -> str:
    value = value.strip().lower()
    return value if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) else ""


def normalise_phone(value: str) -> str:
    value = value.strip()
    if value.startswith("00"):
        value = value[2:]
    digits = re.sub(r"\D", "", value)
    return digits if len(digits) >= 7 else ""


def normalise_name(value: str) -> str:
    value = unicodedata.normalize("NFC", value.strip().lower())
    return "".join(ch for ch in value if ch.isalpha())


@dataclass(frozen=True, slots=True)
class CustomAudienceFile:
    page_id: str
    schema: tuple[str, ...]
    rows: list[list[str]]

    def payloads(self) -> list[dict[str, Any]]:
        """The bodies of the ``/users`` calls, 10,000 rows each at most."""
        return [
            {
                "payload": {
                    "schema": list(self.schema),
                    "page_ids": [self.page_id],
                    "data": self.rows[start : start + MAX_ROWS_PER_CALL],
                }
            }
            for start in range(0, len(self.rows), MAX_ROWS_PER_CALL)
        ] or [{"payload": {"schema": list(self.schema), "page_ids": [self.page_id], "data": []}}]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.schema)
        writer.writerows(self.rows)
        return out.getvalue()


def export(
    conn: Connection,
    workspace_id: int,
    page_ref: int,
    now: datetime,
    *,
    segment_id: int | None = None,
    audience: dict[str, Any] | None = None,
) -> CustomAudienceFile:
    """The audience (a saved segment or a filter) of one Page as a customer list."""
    page = conn.execute(
        sa.select(pages.c.page_id).where(
            pages.c.id == page_ref, pages.c.workspace_id == workspace_id
        )
    ).first()
    if page is None:
        raise InvalidBroadcastError("page_id", "no such Page in this workspace")
    spec = dict(audience or {})
    if segment_id is not None:
        saved = conn.execute(
            sa.select(segments.c.filter).where(
                segments.c.id == segment_id, segments.c.workspace_id == workspace_id
            )
        ).first()
        if saved is None:
            raise InvalidBroadcastError("segment_id", "no such segment in this workspace")
        spec = dict(saved.filter or {})
    ids = audience_store.audience_query(workspace_id, page_ref, spec, now).subquery()
    query = (
        sa.select(
            contacts.c.psid,
            contacts.c.first_name,
            contacts.c.last_name,
            automation_contacts.c.fields,
        )
        .select_from(
            contacts.join(ids, ids.c.id == contacts.c.id).outerjoin(
                automation_contacts, automation_contacts.c.contact_id == contacts.c.id
            )
        )
        .order_by(contacts.c.id)
    )
    rows = []
    for psid, first, last, fields in conn.execute(query):
        values = fields if isinstance(fields, dict) else {}
        rows.append(
            [
                str(psid),
                sha256(normalise_email(str(values.get("email") or ""))),
                sha256(normalise_phone(str(values.get("phone") or ""))),
                sha256(normalise_name(first or "")),
                sha256(normalise_name(last or "")),
            ]
        )
    return CustomAudienceFile(page.page_id, SCHEMA, rows)
