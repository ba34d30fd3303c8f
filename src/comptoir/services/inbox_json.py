"""How the inbox shows stored rows: list rows, messages, notes, contacts, as JSON values.

Everything a customer wrote stays plain text here; the page renders it with ``textContent``.
Only ``http``/``https`` URLs are passed on as links.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from comptoir.jobs.send_failures import failure_reason

#: How long after the person's last message a human agent may still answer (HUMAN_AGENT tag).
HUMAN_AGENT_SPAN = timedelta(days=7)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def safe_url(url: Any) -> str | None:
    if isinstance(url, str) and url.lower().startswith(("https://", "http://")):
        return url
    return None


def full_name(first: str | None, last: str | None) -> str:
    return " ".join(part for part in (first or "", last or "") if part).strip()


def window(row: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    last = row.get("last_user_message_at")
    if last is None:
        return {"state": "none", "closes_at": None, "human_agent_until": None}
    closes = last + timedelta(seconds=int(row.get("window_seconds") or 86_400))
    human = last + HUMAN_AGENT_SPAN if row.get("human_agent_enabled") else None
    if now < closes:
        state = "open"
    elif human is not None and now < human:
        state = "human_agent"
    else:
        state = "closed"
    return {"state": state, "closes_at": iso(closes), "human_agent_until": iso(human)}


def snoozed_until(row: Mapping[str, Any], now: datetime) -> str | None:
    until, at = row.get("snoozed_until"), row.get("snoozed_at")
    if until is None or until <= now or at is None or row["last_activity_at"] > at:
        return None
    return iso(until)


def list_row(
    row: Mapping[str, Any],
    *,
    labels: list[str],
    last: Mapping[str, Any] | None,
    unread: int,
    now: datetime,
) -> dict[str, Any]:
    assignee = None
    if row["assignee_id"] is not None:
        assignee = {"id": int(row["assignee_id"]), "name": row.get("assignee_name") or ""}
    return {
        "id": int(row["id"]),
        "status": row["status"],
        "snoozed_until": snoozed_until(row, now),
        "page": {"id": int(row["page_ref"]), "name": row["page_name"]},
        "contact": {
            "id": int(row["contact_id"]),
            "name": full_name(row["first_name"], row["last_name"]),
            "profile_pic": safe_url(row.get("profile_pic")),
        },
        "assignee": assignee,
        "labels": labels,
        "last_activity_at": iso(row["last_activity_at"]),
        "last_message": None
        if last is None
        else {
            "text": last["text"],
            "direction": last["direction"],
            "author_kind": last["author_kind"],
            "created_at": iso(last["created_at"]),
        },
        "unread": unread,
        "automation": "paused" if row.get("taken_at") is not None else "active",
        "window": window(row, now),
    }


def _buttons(content: Mapping[str, Any]) -> list[dict[str, Any]]:
    attachment = content.get("attachment")
    if not isinstance(attachment, Mapping) or attachment.get("type") != "template":
        return []
    payload = attachment.get("payload") or {}
    found: list[Any] = list(payload.get("buttons") or [])
    for element in payload.get("elements") or []:
        if isinstance(element, Mapping):
            found.extend(element.get("buttons") or [])
    return [
        {
            "type": str(button.get("type", "")),
            "title": str(button.get("title", "")),
            "url": safe_url(button.get("url")),
            "payload": button.get("payload"),
        }
        for button in found
        if isinstance(button, Mapping)
    ]


def _attachments(content: Mapping[str, Any]) -> list[dict[str, Any]]:
    items: list[Any] = list(content.get("attachments") or [])
    single = content.get("attachment")
    if isinstance(single, Mapping) and single.get("type") != "template":
        items.append({"type": single.get("type"), "url": (single.get("payload") or {}).get("url")})
    result = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        url = item.get("url") or (item.get("payload") or {}).get("url")
        result.append(
            {
                "type": str(item.get("type") or "file"),
                "url": safe_url(url),
                "name": item.get("title"),
            }
        )
    return result


def _tapped(row: Mapping[str, Any], content: Mapping[str, Any]) -> dict[str, Any] | None:
    postback = content.get("postback")
    if isinstance(postback, Mapping):
        return {"title": postback.get("title") or row["text"], "payload": postback.get("payload")}
    quick = content.get("quick_reply")
    if isinstance(quick, Mapping):
        return {"title": row["text"], "payload": quick.get("payload")}
    return None


def message(row: Mapping[str, Any]) -> dict[str, Any]:
    content: Mapping[str, Any] = row.get("content") or {}
    failure = None
    if row["status"] == "failed":
        reason = row.get("error_reason") or failure_reason(
            row.get("error_code"), row.get("error_subcode")
        )
        failure = {"reason": reason}
    return {
        "id": int(row["id"]),
        "direction": row["direction"],
        "author_kind": row["author_kind"],
        "author_name": row["author_name"] or "",
        "text": row["text"],
        "status": row["status"],
        "failure": failure,
        "created_at": iso(row["created_at"]),
        "sent_at": iso(row.get("sent_at")),
        "delivered_at": iso(row.get("delivered_at")),
        "read_at": iso(row.get("read_at")),
        "attachments": _attachments(content),
        "quick_replies": [
            {"title": str(q.get("title", "")), "payload": q.get("payload")}
            for q in content.get("quick_replies") or []
            if isinstance(q, Mapping)
        ],
        "buttons": _buttons(content),
        "tapped": _tapped(row, content),
        "messaging_type": row.get("messaging_type"),
        "tag": row.get("tag"),
    }


def note(row: Mapping[str, Any]) -> dict[str, Any]:
    author = None
    if row.get("author_id") is not None:
        author = {"id": int(row["author_id"]), "name": row.get("author_name") or ""}
    return {
        "id": int(row["id"]),
        "text": row["text"],
        "author": author,
        "created_at": iso(row["created_at"]),
    }


def contact(panel: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": int(panel["id"]),
        "first_name": panel["first_name"],
        "last_name": panel["last_name"],
        "name": full_name(panel["first_name"], panel["last_name"]),
        "profile_pic": safe_url(panel.get("profile_pic")),
        "locale": panel.get("locale"),
        "source": panel.get("source"),
        "created_at": iso(panel["created_at"]),
        "blocked": panel.get("blocked_at") is not None,
        "labels": list(panel.get("labels") or []),
        "fields": dict(panel.get("fields") or {}),
        "consents": list(panel.get("consents") or []),
        "past_conversations": [
            {
                "id": int(p["id"]),
                "status": p["status"],
                "last_activity_at": iso(p["last_activity_at"]),
            }
            for p in panel["past_conversations"]
        ],
    }
