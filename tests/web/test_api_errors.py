"""One error shape for everything: ``{"error": {"code", "message", ...}}``, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.support.api import Api, error_of

pytestmark = pytest.mark.anyio


async def test_an_unknown_route_is_a_json_404(api: Api) -> None:
    response = await api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert error_of(response) == {
        "code": "not_found",
        "message": "no route GET /api/v1/nothing-here",
    }


async def test_a_wrong_method_is_a_json_405(api: Api) -> None:
    response = await api.http.put("/api/v1/contacts", headers=api.shop.headers)
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "PUT" in error_of(response)["message"]


async def test_a_body_that_is_not_json_is_a_400(api: Api) -> None:
    response = await api.http.post(
        "/api/v1/webhooks",
        content=b"{not json",
        headers={**api.shop.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid_json",
        "message": "the request body is not valid JSON",
    }


async def test_a_missing_body_is_422_naming_it(api: Api) -> None:
    response = await api.http.post("/api/v1/webhooks", headers=api.shop.headers)
    assert response.status_code == 422
    assert error_of(response)["message"] == "body: Field required"


async def test_several_problems_are_all_listed(api: Api) -> None:
    _, conversation_id = api.rows.thread(api.shop.workspace_id, api.shop.page_ref)
    response = await api.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        {"text": "", "author": {"kind": "robot"}},
    )
    assert response.status_code == 422
    error = error_of(response)
    fields = sorted(problem["field"] for problem in error["fields"])
    assert fields == ["author.kind", "author.name", "text"]
    assert "more problem(s)" in error["message"]


async def test_a_fault_of_ours_is_a_json_500_without_details(api: Api) -> None:
    async def broken() -> None:
        raise RuntimeError("secret internals: EAAtoken")

    api.app.add_api_route("/api/v1/broken", broken)
    transport = httpx.ASGITransport(app=api.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://comptoir.test") as http:
        response = await http.get("/api/v1/broken")
    assert response.status_code == 500
    assert error_of(response) == {
        "code": "internal_error",
        "message": "something went wrong on our side",
    }
