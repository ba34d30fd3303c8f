"""``POST /api/v1/writing/check``: the writing assistant over the REST API."""

from __future__ import annotations

import pytest

from tests.support.api import Api, error_of

pytestmark = pytest.mark.anyio


async def test_a_promotional_tagged_message_gets_an_error_with_its_position(api: Api) -> None:
    text = "Bonjour ! PROFITEZ de -50 % sur tout le magasin avec le code PROMO50 !!!"
    response = await api.post("/api/v1/writing/check", {"text": text, "mechanism": "message_tag"})
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "fr"
    rules = {finding["rule_id"] for finding in body["findings"]}
    assert "policy.promotional_content" in rules
    promo = next(f for f in body["findings"] if f["rule_id"] == "policy.promotional_content")
    assert promo["severity"] == "error"
    assert text[promo["start"] : promo["end"]].strip()


async def test_a_well_written_reply_has_no_warning(api: Api) -> None:
    text = "Your order is ready: pick it up today from 2 pm at our Rue Centrale shop."
    response = await api.post("/api/v1/writing/check", {"text": text})
    assert response.status_code == 200
    severities = {finding["severity"] for finding in response.json()["findings"]}
    assert not severities & {"warning", "error"}


async def test_a_bad_field_is_a_422_naming_it(api: Api) -> None:
    response = await api.post("/api/v1/writing/check", {"text": "Hi", "mechanism": "pigeon"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "mechanism"


async def test_it_needs_a_token(api: Api) -> None:
    response = await api.http.post("/api/v1/writing/check", json={"text": "Hi"})
    assert response.status_code == 401
