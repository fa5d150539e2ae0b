"""A key pasted with its scheme into Swagger UI's Authorize dialog arrives as
`Authorization: Bearer Bearer cm_...`: a 401 that says the scheme is doubled, not one that
calls a good key invalid; and it changes nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Org
from tests.factories import bearer


@pytest.mark.parametrize("doubled", ["Bearer Bearer", "Bearer bearer", "bearer  BEARER"])
def test_a_doubled_bearer_scheme_is_a_401_that_says_so(
    client: TestClient, org: Org, doubled: str
) -> None:
    response = client.post(
        "/v1/employees",
        json={"external_id": "E-1"},
        headers={"Authorization": f"{doubled} {org.admin}"},
    )

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["type"] == "/problems/unauthorized"
    assert "`Bearer` twice" in body["detail"]
    assert "without `Bearer `" in body["detail"]
    assert org.admin not in response.text
    listed = client.get("/v1/employees", headers=org.headers())
    assert listed.json()["items"] == []


def test_the_same_key_with_one_scheme_works(client: TestClient, org: Org) -> None:
    response = client.get("/v1/employees", headers=bearer(org.admin))

    assert response.status_code == 200
