"""A first end-to-end pass over the happy path."""

from fastapi.testclient import TestClient

from tests.factories import band, nurse_position


def test_created_position_is_listed_with_its_midpoint(api: TestClient) -> None:
    created = api.post("/v1/positions", json=nurse_position(pay_band=band(60000, "80000.005")))
    assert created.status_code == 422, created.text
    assert created.json()["errors"][0]["field"] == "pay_band.max"
    created = api.post("/v1/positions", json=nurse_position(pay_band=band(60000, "80000.010")))
    assert created.status_code == 201, created.text
    assert created.json()["pay_band"]["midpoint"] == "70000.01"
    assert created.headers["etag"] == '"1"'
    listed = api.get("/v1/positions").json()
    assert [p["code"] for p in listed["items"]] == ["RN"]
    assert listed["next_cursor"] is None
