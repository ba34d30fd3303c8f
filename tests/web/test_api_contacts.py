"""``GET /api/v1/contacts``: filters and cursor pagination."""

from __future__ import annotations

import pytest

from tests.support.api import Api, error_of

pytestmark = pytest.mark.anyio


async def walk(api: Api, path: str, **params: object) -> list[list[int]]:
    """Every page of a list, as lists of ids, following next_cursor to the end."""
    pages: list[list[int]] = []
    cursor = None
    while True:
        query = dict(params)
        if cursor:
            query["cursor"] = cursor
        response = await api.get(path, **query)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item["id"] for item in body["data"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_contacts_page_through_newest_first_without_gaps(api: Api) -> None:
    ids = [api.rows.contact(api.shop.workspace_id, api.shop.page_ref) for _ in range(5)]
    api.rows.contact(api.other.workspace_id, api.other.page_ref)

    pages = await walk(api, "/api/v1/contacts", limit=2)

    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[0:1]]


async def test_a_contact_shows_its_profile_and_block_state(api: Api) -> None:
    contact_id = api.rows.contact(
        api.shop.workspace_id,
        api.shop.page_ref,
        first_name="Amina",
        last_name="Diallo",
        locale="fr_FR",
        blocked_at=api.clock.now(),
    )
    body = (await api.get(f"/api/v1/contacts/{contact_id}")).json()
    assert body["name"] == "Amina Diallo"
    assert body["locale"] == "fr_FR"
    assert body["blocked"] is True
    assert body["page_ref"] == api.shop.page_ref
    assert body["blocked_at"].startswith("2026-05-04T09:00:00")


async def test_contacts_filter_by_name_page_and_block(api: Api) -> None:
    second_page = api.rows.page(api.shop.workspace_id, "Salon Lumière Lyon")
    camille = api.rows.contact(api.shop.workspace_id, api.shop.page_ref)
    amina = api.rows.contact(
        api.shop.workspace_id, second_page, first_name="Amina", last_name="Diallo"
    )
    blocked = api.rows.contact(
        api.shop.workspace_id,
        api.shop.page_ref,
        first_name="Lucas",
        last_name="100%_Bernard",
        blocked_at=api.clock.now(),
    )

    async def ids(**params: object) -> list[int]:
        response = await api.get("/api/v1/contacts", **params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["data"]]

    assert await ids(q="amina d") == [amina]
    assert await ids(q="MARTIN") == [camille]
    assert await ids(q="100%_") == [blocked]  # LIKE wildcards are matched literally
    assert await ids(q="%") == [blocked]
    assert await ids(page_ref=second_page) == [amina]
    assert await ids(blocked="true") == [blocked]
    assert await ids(blocked="false") == [amina, camille]
    assert await ids(page_ref=api.other.page_ref) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"page_ref": -1}, "page_ref"),
        ({"blocked": "maybe"}, "blocked"),
        ({"q": ""}, "q"),
    ],
)
async def test_bad_query_parameters_are_422_naming_them(
    api: Api, params: dict[str, object], field: str
) -> None:
    response = await api.get("/api/v1/contacts", **params)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert error["message"].startswith(f"query.{field}:")
    assert error["fields"][0]["field"] == field


@pytest.mark.parametrize("cursor", ["garbage!", "WyJ4Il0", "e30", "WyJjb250YWN0cyIsIDBd"])
async def test_a_cursor_not_given_out_is_400(api: Api, cursor: str) -> None:
    response = await api.get("/api/v1/contacts", cursor=cursor)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_cursor"
    assert error["field"] == "cursor"


async def test_a_cursor_from_another_list_is_refused(api: Api) -> None:
    for _ in range(2):
        api.rows.thread(api.shop.workspace_id, api.shop.page_ref)
    cursor = (await api.get("/api/v1/conversations", limit=1)).json()["next_cursor"]
    assert cursor
    response = await api.get("/api/v1/contacts", cursor=cursor)
    assert response.status_code == 400


@pytest.mark.parametrize("contact_id", ["abc", "0", str(2**63)])
async def test_impossible_ids_are_422_naming_the_parameter(api: Api, contact_id: str) -> None:
    response = await api.get(f"/api/v1/contacts/{contact_id}")
    assert response.status_code == 422
    assert error_of(response)["message"].startswith("path.contact_id:")


async def test_an_unknown_contact_is_404(api: Api) -> None:
    response = await api.get("/api/v1/contacts/999999")
    assert response.status_code == 404
    assert error_of(response)["message"] == "no contact 999999 in this workspace"
