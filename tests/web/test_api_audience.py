"""Segments, consents and tokens through the REST API: live counts, the audit trail, bad
input as 4xx with the error shape, and one workspace never seeing the other's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from comptoir.domain.policy_model import TokenKind
from comptoir.storage.tables import automation_contacts
from comptoir.storage.tokens import NewToken, store_token
from tests.support.api import Api, error_of
from tests.support.inbox_rows import T0

pytestmark = pytest.mark.anyio


def _labels(api: Api, contact_id: int, labels: list[str]) -> None:
    with api.container.engine.begin() as conn:
        conn.execute(
            automation_contacts.insert().values(
                contact_id=contact_id, fields={}, labels=labels, consents=[], updated_at=T0
            )
        )


async def test_a_segment_counts_live_and_follows_consent_changes(api: Api) -> None:
    shop = api.shop
    vip = api.rows.contact(shop.workspace_id, shop.page_ref, locale="fr_FR")
    other_vip = api.rows.contact(shop.workspace_id, shop.page_ref, locale="en_US")
    api.rows.contact(shop.workspace_id, shop.page_ref, locale="fr_FR")
    _labels(api, vip, ["vip"])
    _labels(api, other_vip, ["vip"])
    # the other workspace's contacts never count
    foreign = api.rows.contact(api.other.workspace_id, api.other.page_ref, locale="fr_FR")
    _labels(api, foreign, ["vip"])

    body = {"name": "VIP", "filter": {"labels_all": ["vip"], "topics_not_out": ["promotions"]}}
    created = await api.post("/api/v1/segments", body)
    assert created.status_code == 201, created.text
    segment = created.json()
    assert segment["count"] == 2
    assert segment["filter"] == body["filter"]

    opted_out = await api.post(
        f"/api/v1/contacts/{vip}/consents",
        {"topic": "promotions", "action": "opt_out", "wording": "Par téléphone", "answer": "Non"},
    )
    assert opted_out.status_code == 200, opted_out.text
    assert opted_out.json()["topics"]["promotions"]["status"] == "opted_out"
    again = await api.get(f"/api/v1/segments/{segment['id']}")
    assert again.json()["count"] == 1

    french = await api.post("/api/v1/segments/count", {"filter": {"locales": ["fr"]}})
    assert french.json()["count"] == 2
    listed = await api.get("/api/v1/segments")
    assert [s["name"] for s in listed.json()["data"]] == ["VIP"]
    assert (await api.get("/api/v1/segments", api.other)).json()["data"] == []
    assert (await api.get(f"/api/v1/segments/{segment['id']}", api.other)).status_code == 404

    renamed = await api.http.put(
        f"/api/v1/segments/{segment['id']}",
        json={"name": "Clients VIP", "filter": {"labels_all": ["vip"]}},
        headers=api.shop.headers,
    )
    assert renamed.json()["name"] == "Clients VIP"
    assert renamed.json()["count"] == 2
    assert (await api.delete(f"/api/v1/segments/{segment['id']}")).status_code == 204
    assert (await api.get(f"/api/v1/segments/{segment['id']}")).status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "x", "filter": {"labels": ["vip"]}}, 422, "invalid_filter"),
        ({"name": "x", "filter": {"sources": ["tv"]}}, 422, "invalid_filter"),
        ({"name": "x", "filter": {"interacted_within_days": -3}}, 422, "invalid_filter"),
        ({"name": "x", "filter": {"fields": [{"name": "city", "op": "like"}]}}, 422, None),
        ({"name": "", "filter": {}}, 422, "validation_error"),
        ({"filter": {}}, 422, "validation_error"),
    ],
)
async def test_bad_segments_are_refused_with_the_reason(
    api: Api, body: dict[str, object], status: int, code: str | None
) -> None:
    response = await api.post("/api/v1/segments", body)
    assert response.status_code == status
    error = error_of(response)
    if code is not None:
        assert error["code"] == code


async def test_a_segment_name_is_unique_in_its_workspace(api: Api) -> None:
    assert (await api.post("/api/v1/segments", {"name": "Tous"})).status_code == 201
    duplicate = await api.post("/api/v1/segments", {"name": "Tous"})
    assert duplicate.status_code == 409
    assert error_of(duplicate)["code"] == "conflict"
    assert (await api.post("/api/v1/segments", {"name": "Tous"}, api.other)).status_code == 201


async def test_consents_keep_their_history_and_refuse_bad_topics(api: Api) -> None:
    contact = api.rows.contact(api.shop.workspace_id, api.shop.page_ref)
    path = f"/api/v1/contacts/{contact}/consents"
    await api.post(path, {"topic": "news", "action": "opt_in", "answer": "oui au comptoir"})
    api.clock.advance(timedelta(hours=1))
    stopped = await api.post(path, {"topic": "*", "action": "opt_out"})
    assert stopped.json()["topics"] == {
        "*": {"status": "opted_out", "changed_at": (T0 + timedelta(hours=1)).isoformat()},
        "news": {"status": "opted_out", "changed_at": (T0 + timedelta(hours=1)).isoformat()},
    }
    history = (await api.get(path)).json()["history"]
    assert [(h["topic"], h["action"], h["channel"]) for h in history][-1] == (
        "news",
        "opt_in",
        "api",
    )
    assert history[-1]["answer"] == "oui au comptoir"
    bad = await api.post(path, {"topic": "promo<script>", "action": "opt_in"})
    assert bad.status_code == 422
    assert "topic" in error_of(bad)["message"]
    wrong = await api.post(path, {"topic": "news", "action": "maybe"})
    assert wrong.status_code == 422
    assert (await api.get(path, api.other)).status_code == 404


async def test_tokens_are_listed_with_their_limits_never_their_value(api: Api) -> None:
    contact = api.rows.contact(api.shop.workspace_id, api.shop.page_ref)
    with api.container.engine.begin() as conn:
        store_token(
            conn,
            api.container.secrets,
            NewToken(
                api.shop.workspace_id,
                api.shop.page_ref,
                contact,
                TokenKind.NOTIFICATION_MESSAGES,
                "secret-token-value",
                T0,
                topic="promotions",
            ),
        )
    response = await api.get(f"/api/v1/contacts/{contact}/tokens")
    assert "secret-token-value" not in response.text
    (token,) = response.json()["data"]
    assert (token["kind"], token["topic"], token["status"]) == (
        "notification_messages",
        "promotions",
        "active",
    )
    assert token["min_gap_hours"] == 48
    assert token["next_allowed_at"] == T0.isoformat()
    listed = await api.get("/api/v1/tokens", status="active")
    assert [t["id"] for t in listed.json()["data"]] == [token["id"]]
    assert (await api.get("/api/v1/tokens", api.other)).json()["data"] == []
    bad = await api.get("/api/v1/tokens", status="nope")
    assert bad.status_code == 422
