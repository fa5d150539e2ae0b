"""The nine-box grid (SPEC 12): performance from the mean review rating in the scoring window
(under 3 low, 3 to under 4 moderate, 4 and up high) against the potential of the latest
talent review; all nine cells always; the unrated counted; the family of the position held."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import assert_problem, create_position, hire, ok, record

AS_OF = "2026-03-01"


def review(api: TestClient, person: str, ratings: list[int]) -> None:
    for n, rating in enumerate(ratings):
        record(api, person, "performance_review", f"2025-0{n + 1}-15", rating=rating)


def talent(api: TestClient, person: str, potential: int, on: str = "2025-12-01", **f: Any) -> str:
    return record(api, person, "talent_review", on, potential=potential, **f)


def grid(api: TestClient, **params: Any) -> dict[str, Any]:
    return ok(api.get("/v1/talent/grid", params={"as_of": AS_OF, **params}))


def cells(body: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    return {(c["performance"], c["potential"]): c["employee_ids"] for c in body["cells"]}


@pytest.fixture
def people(api: TestClient) -> dict[str, str]:
    rn = create_position(api, "RN", 3)
    pharm = create_position(api, "PHARM", 3, family="Pharmacy")
    out = {"rn": rn, "pharm": pharm}
    cases = {
        # name: (ratings in the window, potential)
        "mean_2_5": ([2, 3], 3),
        "mean_2_67": ([3, 3, 2], 2),
        "mean_3": ([3], 2),
        "mean_3_67": ([4, 4, 3], 1),
        "mean_4": ([5, 3], 1),
        "mean_4_exact": ([4], 3),
        "mean_5": ([5, 5], 3),
    }
    for name, (ratings, potential) in cases.items():
        person = hire(api, f"E-{name}", rn, "2023-01-02")
        review(api, person, ratings)
        talent(api, person, potential)
        out[name] = person
    # Unrated: no talent review; no review in the window; both missing.
    out["no_talent"] = hire(api, "E-no-talent", rn, "2023-01-02")
    review(api, out["no_talent"], [4])
    out["old_review"] = hire(api, "E-old-review", rn, "2023-01-02")
    record(api, out["old_review"], "performance_review", "2024-03-01", rating=5)
    talent(api, out["old_review"], 3)
    out["nothing"] = hire(api, "E-nothing", pharm, "2023-01-02")
    # Not active on AS_OF: not on the grid at all.
    gone = hire(api, "E-gone", rn, "2023-01-02")
    review(api, gone, [5])
    talent(api, gone, 3)
    record(api, gone, "exit", "2026-01-31")
    later = hire(api, "E-later", rn, "2026-06-01")
    out["gone"], out["later"] = gone, later
    return out


def test_each_person_lands_in_the_cell_of_their_mean_rating_and_potential(
    api: TestClient, people: dict[str, str]
) -> None:
    body = grid(api)

    assert body["as_of"] == AS_OF
    assert len(body["cells"]) == 9
    assert [(c["performance"], c["potential"]) for c in body["cells"]] == [
        (perf, pot) for pot in ("high", "moderate", "low") for perf in ("low", "moderate", "high")
    ]
    placed = cells(body)
    expected: dict[tuple[str, str], list[str]] = {key: [] for key in placed}
    expected[("low", "high")] = [people["mean_2_5"]]
    expected[("low", "moderate")] = [people["mean_2_67"]]
    expected[("moderate", "moderate")] = [people["mean_3"]]
    expected[("moderate", "low")] = [people["mean_3_67"]]
    expected[("high", "low")] = [people["mean_4"]]
    expected[("high", "high")] = sorted([people["mean_4_exact"], people["mean_5"]])
    assert placed == expected
    assert {(c["performance"], c["potential"]): c["count"] for c in body["cells"]} == {
        key: len(ids) for key, ids in expected.items()
    }
    assert body["unrated"] == 3


def test_the_latest_talent_review_on_the_day_holds_and_a_voided_one_does_not(
    api: TestClient, people: dict[str, str]
) -> None:
    person = people["mean_3"]
    talent(api, person, 3, on="2026-02-01")  # moderate potential -> high
    talent(api, person, 1, on="2026-04-01")  # after AS_OF: not yet
    newest = talent(api, people["mean_5"], 1, on="2026-02-15")

    assert person in cells(grid(api))[("moderate", "high")]
    assert people["mean_5"] in cells(grid(api))[("high", "low")]
    assert person in cells(grid(api, as_of="2026-05-01"))[("moderate", "low")]

    api.request(
        "DELETE",
        f"/v1/employees/{people['mean_5']}/events/{newest}",
        json={"reason": "wrong person"},
    )
    assert people["mean_5"] in cells(grid(api))[("high", "high")]


def test_family_filters_on_the_position_held_on_the_day(
    api: TestClient, people: dict[str, str]
) -> None:
    mover = people["mean_5"]
    record(api, mover, "position_change", "2026-02-01", position_id=people["pharm"])

    pharmacy = grid(api, family="Pharmacy")
    nursing = grid(api, family="Nursing")
    before_move = grid(api, family="Pharmacy", as_of="2026-01-15")

    assert cells(pharmacy)[("high", "high")] == [mover]
    assert sum(c["count"] for c in pharmacy["cells"]) == 1
    assert pharmacy["unrated"] == 1  # E-nothing
    assert mover not in cells(nursing)[("high", "high")]
    assert sum(c["count"] for c in nursing["cells"]) == 6
    assert nursing["unrated"] == 2
    assert sum(c["count"] for c in before_move["cells"]) == 0
    empty = grid(api, family="Radiology")
    assert [c["count"] for c in empty["cells"]] == [0] * 9
    assert empty["unrated"] == 0


def test_a_cell_lists_its_first_100_ids_and_counts_them_all(api: TestClient) -> None:
    rn = create_position(api, "RN", 3)
    ids = []
    for n in range(103):
        person = hire(api, f"E-{n:03d}", rn, "2024-01-02")
        record(api, person, "performance_review", "2025-06-01", rating=3)
        talent(api, person, 2)
        ids.append(person)

    cell = cells(grid(api))[("moderate", "moderate")]
    body = grid(api)

    assert cell == sorted(ids)[:100]
    count = [c["count"] for c in body["cells"] if c["employee_ids"] == cell]
    assert count == [103]


def test_the_svg_draws_the_counts_and_escapes_the_family(
    api: TestClient, people: dict[str, str]
) -> None:
    response = api.get("/v1/talent/grid.svg", params={"as_of": AS_OF, "family": "<Nursing & Co>"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "&lt;Nursing &amp; Co&gt;" in response.text
    assert "<Nursing" not in response.text

    picture = api.get("/v1/talent/grid.svg", params={"as_of": AS_OF}).text
    assert picture.startswith("<svg")
    assert picture.count("<rect") == 9
    assert "high performance, high potential: 2" in picture
    assert "unrated: 3" in picture


@pytest.mark.parametrize(
    ("params", "field"),
    [({"as_of": "2026-02-30"}, "as_of"), ({"family": ""}, "family")],
)
def test_bad_query_is_a_422_naming_it(api: TestClient, params: dict[str, str], field: str) -> None:
    for path in ("/v1/talent/grid", "/v1/talent/grid.svg"):
        problem = assert_problem(api.get(path, params=params), 422, "validation-error")
        assert [e["field"] for e in problem["errors"]] == [field]


def test_a_read_key_reads_the_grid_and_no_key_is_a_401(client: TestClient, org: Any) -> None:
    assert client.get("/v1/talent/grid", headers=org.headers("read")).status_code == 200
    assert_problem(client.get("/v1/talent/grid"), 401, "unauthorized")
