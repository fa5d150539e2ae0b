"""The three group reports (SPEC 10) against figures computed by hand on small, hand-built
organizations: a group under 2%, an intersection, a suppressed group, a voided promotion and
a promotion outside the window."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.fairness_population import (
    AS_OF,
    READINESS_PEOPLE,
    describe,
    load,
    position,
    readiness_population,
)
from tests.conftest import Org

PROBLEM_JSON = "application/problem+json"


def report(client: TestClient, org: Org, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/v1/fairness/{path}", params=params, headers=org.headers("audit"))
    assert response.status_code == 200, response.text
    return response.json()


def by_category(body: dict[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    return {tuple(g["category"].values()): g for g in body["groups"]}


# --- readiness -------------------------------------------------------------------------------


def test_readiness_report_by_sex_matches_the_hand_computed_figures(
    api: TestClient, org: Org
) -> None:
    readiness_population(api)

    body = report(api, org, "readiness", dimension="sex", as_of=AS_OF)

    # 54 active people: 51 with a sex (25 female, 25 male, 1 nonbinary), 3 without; the
    # exited person does not count. Scores: 22 x 100, 5 x 42.5, 27 x 25; the median is
    # (25 + 42.5) / 2 = 33.75.
    assert body["population"] == 54
    assert body["unknown"] == 3
    assert body["dimensions"] == ["sex"]
    assert body["as_of"] == AS_OF
    assert body["target_position_id"] is None
    assert body["policy_version"] == 1
    assert body["selected_band"] == "ready_now"
    assert body["median_score"] == 33.8
    assert [g["category"] for g in body["groups"]] == [
        {"sex": "female"},
        {"sex": "male"},
        {"sex": "nonbinary"},
    ]
    female, male, nonbinary = body["groups"]
    assert female == {
        "category": {"sex": "female"},
        "count": 25,
        "share": 0.49,
        "excluded": False,
        "mean_score": 43.5,  # (5 x 100 + 5 x 42.5 + 15 x 25) / 25
        "selected": 5,
        "selection_rate": 0.2,
        "selection_impact_ratio": 0.333,  # 0.2 / 0.6
        "scoring_rate": 0.4,  # 10 of 25 above 33.75
        "scoring_impact_ratio": 0.667,  # 0.4 / 0.6
        "adverse_impact": True,
    }
    assert male == {
        "category": {"sex": "male"},
        "count": 25,
        "share": 0.49,
        "excluded": False,
        "mean_score": 70.0,
        "selected": 15,
        "selection_rate": 0.6,
        "selection_impact_ratio": 1.0,
        "scoring_rate": 0.6,
        "scoring_impact_ratio": 1.0,
        "adverse_impact": False,
    }
    # 1 of 51 is under 2%: listed, excluded, no ratios, and its rate of 1.0 is not the top.
    assert nonbinary == {
        "category": {"sex": "nonbinary"},
        "count": 1,
        "share": 0.02,
        "excluded": True,
        "mean_score": 100.0,
        "selected": 1,
        "selection_rate": 1.0,
        "selection_impact_ratio": None,
        "scoring_rate": 1.0,
        "scoring_impact_ratio": None,
        "adverse_impact": False,
    }
    assert body["adverse_impact_groups"] == 1


def test_readiness_report_intersections_partition_the_known_population(
    api: TestClient, org: Org
) -> None:
    readiness_population(api)

    body = report(api, org, "readiness", dimension="sex,race_ethnicity", as_of=AS_OF)

    groups = by_category(body)
    assert list(groups) == [
        ("female", "asian"),
        ("female", "white"),
        ("male", "asian"),
        ("male", "white"),
        ("nonbinary", "white"),
    ]
    assert body["groups"][0]["category"] == {"sex": "female", "race_ethnicity": "asian"}
    # U-D-1 has a race but no sex: unknown, as are the two without demographics.
    assert body["unknown"] == 3
    assert sum(g["count"] for g in body["groups"]) == 51
    figures = {
        k: (g["count"], g["selected"], g["selection_rate"], g["selection_impact_ratio"])
        for k, g in groups.items()
    }
    assert figures == {
        ("female", "asian"): (8, 3, 0.375, 0.5),  # 0.375 / 0.75
        ("female", "white"): (17, 2, 0.118, 0.157),  # (2/17) / 0.75
        ("male", "asian"): (5, 0, 0.0, 0.0),
        ("male", "white"): (20, 15, 0.75, 1.0),
        ("nonbinary", "white"): (1, 1, 1.0, None),
    }
    assert groups[("nonbinary", "white")]["excluded"] is True
    assert body["adverse_impact_groups"] == 3


def test_selected_band_widens_the_selection(api: TestClient, org: Org) -> None:
    readiness_population(api)

    body = report(
        api, org, "readiness", dimension="sex", as_of=AS_OF, selected_band="ready_3_plus_years"
    )

    assert [g["selection_rate"] for g in body["groups"]] == [1.0, 1.0, 1.0]
    assert body["selected_band"] == "ready_3_plus_years"


def test_readiness_report_uses_the_slate_population_and_scores(api: TestClient, org: Org) -> None:
    ids = readiness_population(api)
    manager = position(
        api,
        "RN-MGR",
        4,
        requirements=[{"kind": "training", "name": "Course 1"}],
        min_months_in_role=6,
    )
    # One person already holds the target: not on the slate, not in the report.
    response = api.post(
        f"/v1/employees/{ids['M-A-0']}/events",
        json={"type": "position_change", "occurred_on": "2026-05-01", "position_id": manager},
    )
    assert response.status_code == 201, response.text

    body = report(api, org, "readiness", dimension="sex", as_of=AS_OF, target_position_id=manager)
    slate = api.get(
        f"/v1/positions/{manager}/candidates", params={"as_of": AS_OF, "limit": 500}
    ).json()["items"]

    sex = {ext: s for ext, _, s, _ in READINESS_PEOPLE}
    scores: dict[str, list[float]] = defaultdict(list)
    selected: dict[str, int] = defaultdict(int)
    for candidate in slate:
        group = sex.get(candidate["external_id"])
        if group is not None:
            scores[group].append(candidate["score"])
            selected[group] += candidate["band"] == "ready_now"
    assert body["population"] == len(slate) == 53
    assert body["target_position_id"] == manager
    for g in body["groups"]:
        name = g["category"]["sex"]
        assert g["count"] == len(scores[name])
        assert g["selected"] == selected[name]
        assert g["mean_score"] == pytest.approx(sum(scores[name]) / len(scores[name]), abs=0.05)
    # And a single person's score is GET readiness's.
    one = api.get(
        f"/v1/employees/{ids['F-C-0']}/readiness",
        params={"as_of": AS_OF, "target_position_id": manager},
    ).json()
    assert one["score"] == next(c["score"] for c in slate if c["external_id"] == "F-C-0")


def test_changing_demographics_changes_no_score(api: TestClient, org: Org) -> None:
    ids = readiness_population(api)
    rn = api.get("/v1/positions").json()["items"][0]["id"]

    def scores() -> tuple[Any, ...]:
        one = api.get(f"/v1/employees/{ids['F-A-0']}/readiness", params={"as_of": AS_OF})
        slate = api.get(f"/v1/positions/{rn}/candidates", params={"as_of": AS_OF, "limit": 500})
        body = report(api, org, "readiness", dimension="sex", as_of=AS_OF)
        return one.json(), slate.json(), body["median_score"], body["population"]

    before = scores()
    for ext in ("F-A-0", "M-D-0", "U-A-0"):
        describe(api, ids[ext], sex="other", race_ethnicity="other", age_band="40_49")
    assert api.delete(f"/v1/employees/{ids['F-C-0']}/demographics").status_code == 204

    assert scores() == before


# --- promotions ------------------------------------------------------------------------------


def promotion_population(api: TestClient) -> dict[str, str]:
    """Everyone starts as an RN (level 3); RN-MGR is level 4. Window: 2025."""
    position(api, "RN", 3)
    position(api, "RN-MGR", 4)

    def hire(ext: str, day: str = "2024-01-01") -> dict[str, Any]:
        return {
            "employee_external_id": ext,
            "type": "hire",
            "occurred_on": day,
            "position_code": "RN",
        }

    def promote(ext: str, day: str) -> dict[str, Any]:
        return {
            "employee_external_id": ext,
            "type": "position_change",
            "occurred_on": day,
            "position_code": "RN-MGR",
            "event_key": f"promote-{ext}",
        }

    lines = [hire(f"F{i}") for i in range(4)] + [hire(f"M{i}") for i in range(4)]
    lines += [
        promote("F0", "2025-06-01"),  # in the window
        promote("F1", "2025-07-01"),  # voided below
        promote("F2", "2026-02-01"),  # after the window
        promote("M0", "2025-03-01"),
        promote("M1", "2025-12-31"),  # the last day counts
        hire("M-LATE", "2025-03-01"),  # not employed on `from`
        promote("M-LATE", "2025-09-01"),
        hire("F-GONE"),
        {"employee_external_id": "F-GONE", "type": "exit", "occurred_on": "2024-12-31"},
        hire("U0"),
    ]
    ids = load(api, lines)
    for ext in ids:
        if ext.startswith("F"):
            describe(api, ids[ext], sex="female")
        elif ext.startswith("M"):
            describe(api, ids[ext], sex="male")
    events = api.get(f"/v1/employees/{ids['F1']}/events").json()["items"]
    move = next(e for e in events if e["type"] == "position_change")
    voided = api.delete(
        f"/v1/employees/{ids['F1']}/events/{move['id']}", params={"reason": "entered in error"}
    )
    assert voided.status_code == 200, voided.text
    return ids


def test_promotion_report_matches_the_hand_computed_figures(api: TestClient, org: Org) -> None:
    promotion_population(api)

    body = report(
        api, org, "promotions", dimension="sex", **{"from": "2025-01-01", "to": "2025-12-31"}
    )

    assert body["from"] == "2025-01-01"
    assert body["to"] == "2025-12-31"
    # Employed on 2025-01-01: F0-F3, M0-M3 and U0 (not M-LATE, not F-GONE).
    assert body["population"] == 9
    assert body["unknown"] == 1
    assert body["groups"] == [
        {
            "category": {"sex": "female"},
            "count": 4,
            "share": 0.5,
            "excluded": False,
            "promoted": 1,  # F1's promotion was voided, F2's falls after the window
            "promotion_rate": 0.25,
            "impact_ratio": 0.5,
            "adverse_impact": True,
        },
        {
            "category": {"sex": "male"},
            "count": 4,
            "share": 0.5,
            "excluded": False,
            "promoted": 2,
            "promotion_rate": 0.5,
            "impact_ratio": 1.0,
            "adverse_impact": False,
        },
    ]
    assert body["adverse_impact_groups"] == 1


def test_promotion_window_of_one_day(api: TestClient, org: Org) -> None:
    promotion_population(api)

    body = report(
        api, org, "promotions", dimension="sex", **{"from": "2025-06-01", "to": "2025-06-01"}
    )

    assert [(g["promoted"], g["impact_ratio"]) for g in body["groups"]] == [(1, 1.0), (0, 0.0)]


# --- pay -------------------------------------------------------------------------------------


def pay_population(api: TestClient) -> dict[str, str]:
    position(api, "RN", 3)
    position(api, "RN-SR", 4)
    position(api, "RN-EU", 3, family="Nursing Europe")

    def hire(ext: str, amount: int, code: str = "RN", currency: str = "USD") -> dict[str, Any]:
        return {
            "employee_external_id": ext,
            "type": "hire",
            "occurred_on": "2024-01-01",
            "position_code": code,
            "salary": {"amount": amount, "currency": currency},
        }

    lines = [
        hire("F0", 60000),
        hire("F1", 62000),
        hire("F2", 64000),
        hire("F3", 90000, "RN-SR"),
        hire("M0", 70000),
        hire("M1", 72000),
        hire("M2", 74000),
        hire("M3", 76000),
        hire("M4", 95000, "RN-SR"),
        hire("M5", 50000, "RN-EU", "EUR"),
        hire("N0", 65000),
        hire("U0", 68000),
        hire("F-GONE", 99000),
        {"employee_external_id": "F-GONE", "type": "exit", "occurred_on": "2025-01-01"},
        {
            "employee_external_id": "F-UNPAID",
            "type": "hire",
            "occurred_on": "2024-01-01",
            "position_code": "RN",
        },
    ]
    ids = load(api, lines)
    for ext, sex in (("F", "female"), ("M", "male"), ("N", "nonbinary")):
        for e in ids:
            if e.startswith(ext):
                describe(api, ids[e], sex=sex)
    return ids


def test_pay_report_matches_the_hand_computed_figures(api: TestClient, org: Org) -> None:
    pay_population(api)

    body = report(api, org, "pay", dimension="sex", as_of=AS_OF, min_count=2)

    # Active with a salary: F0-F3, M0-M5, N0, U0; not F-GONE (exited), not F-UNPAID.
    assert body["population"] == 12
    assert body["unknown"] == 1
    assert body["group_by"] == "level"
    assert body["min_count"] == 2
    assert body["reference"] == {"sex": "male"}  # 6 men, the most people
    assert [(g["category"]["sex"], g["count"]) for g in body["groups"]] == [
        ("female", 4),
        ("male", 6),
        ("nonbinary", 1),
    ]
    rows = {(r["level"], r["currency"]): r for r in body["rows"]}
    assert list(rows) == [(3, "EUR"), (3, "USD"), (4, "USD")]
    level3 = {g["category"]["sex"]: g for g in rows[(3, "USD")]["groups"]}
    assert level3["female"] == {
        "category": {"sex": "female"},
        "count": 3,
        "share": 0.375,
        "excluded": False,
        "suppressed": False,
        "mean_salary": "62000.00",
        "median_salary": "62000.00",
        "mean_gap_percent": 15.07,  # (73000 - 62000) / 73000 x 100
        "median_gap_percent": 15.07,
    }
    assert level3["male"]["mean_salary"] == "73000.00"
    assert level3["male"]["median_salary"] == "73000.00"  # (72000 + 74000) / 2
    assert level3["male"]["mean_gap_percent"] == 0.0
    # One person: suppressed, so their pay cannot be read off the report.
    assert level3["nonbinary"] == {
        "category": {"sex": "nonbinary"},
        "count": 1,
        "share": 0.125,
        "excluded": False,
        "suppressed": True,
        "mean_salary": None,
        "median_salary": None,
        "mean_gap_percent": None,
        "median_gap_percent": None,
    }
    assert rows[(3, "USD")]["joint_pay_assessment"] is True
    # Level 4: one woman, one man, both suppressed; with the reference suppressed, no gaps.
    assert [
        (g["suppressed"], g["mean_salary"], g["mean_gap_percent"])
        for g in rows[(4, "USD")]["groups"]
    ] == [(True, None, None), (True, None, None)]
    assert rows[(4, "USD")]["joint_pay_assessment"] is False
    assert body["joint_pay_assessment"] is True
    # Quartiles of the 11 USD salaries (3, 3, 3, 2): 60 62 64 | 65 68 70 | 72 74 76 | 90 95.
    quartiles = {
        q["quartile"]: {g["category"]["sex"]: g["count"] for g in q["groups"]}
        for q in body["quartiles"]
        if q["currency"] == "USD"
    }
    assert quartiles == {
        1: {"female": 3, "male": 0, "nonbinary": 0},
        2: {"female": 0, "male": None, "nonbinary": None},
        3: {"female": 0, "male": 3, "nonbinary": 0},
        4: {"female": None, "male": None, "nonbinary": 0},
    }
    assert [q["quartile"] for q in body["quartiles"] if q["currency"] == "EUR"] == [1, 2, 3, 4]


def test_pay_report_default_min_count_suppresses_every_small_group(
    api: TestClient, org: Org
) -> None:
    pay_population(api)

    body = report(api, org, "pay", dimension="sex", as_of=AS_OF, group_by="none")

    assert body["min_count"] == 5
    (usd,) = [r for r in body["rows"] if r["currency"] == "USD"]
    assert "level" not in usd
    groups = {g["category"]["sex"]: g for g in usd["groups"]}
    # 5 men in USD reach min_count 5; 4 women and 1 nonbinary do not.
    assert groups["male"]["suppressed"] is False
    assert groups["male"]["mean_salary"] == "77400.00"  # (70+72+74+76+95) / 5
    assert groups["female"]["suppressed"] is True
    assert groups["female"]["mean_salary"] is None
    assert groups["nonbinary"]["suppressed"] is True
    for row in body["rows"]:
        for g in row["groups"]:
            assert g["suppressed"] == (g["count"] < 5)
            if g["suppressed"]:
                assert g["mean_salary"] is g["median_salary"] is g["mean_gap_percent"] is None


def test_pay_report_with_a_named_reference_and_by_family(api: TestClient, org: Org) -> None:
    pay_population(api)

    body = report(
        api,
        org,
        "pay",
        dimension="sex",
        as_of=AS_OF,
        reference="female",
        group_by="family",
        min_count=1,
    )

    assert body["reference"] == {"sex": "female"}
    rows = {(r["family"], r["currency"]): r for r in body["rows"]}
    nursing = {g["category"]["sex"]: g for g in rows[("Nursing", "USD")]["groups"]}
    # Women: 60, 62, 64, 90 -> mean 69000, median 63000; men: 70..76, 95 -> 77400, 74000.
    assert nursing["female"]["mean_salary"] == "69000.00"
    assert nursing["female"]["median_salary"] == "63000.00"
    assert nursing["male"]["mean_gap_percent"] == -12.17  # (69000 - 77400) / 69000 x 100
    assert nursing["male"]["median_gap_percent"] == -17.46  # (63000 - 74000) / 63000 x 100
    # No woman in the European family: the reference is absent there, so no gaps.
    europe = rows[("Nursing Europe", "EUR")]["groups"]
    assert [(g["category"], g["mean_gap_percent"]) for g in europe] == [({"sex": "male"}, None)]


# --- bad input, scopes, tenancy --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("readiness", {"dimension": "Sex"}, "dimension"),
        ("readiness", {"dimension": "sex,"}, "dimension"),
        ("readiness", {"dimension": "a,b,c,d"}, "dimension"),
        ("readiness", {"dimension": "sex,sex"}, "dimension"),
        ("readiness", {}, "dimension"),
        ("readiness", {"dimension": "sex", "selected_band": "soon"}, "selected_band"),
        ("readiness", {"dimension": "sex", "as_of": "2026-02-30"}, "as_of"),
        ("promotions", {"dimension": "sex", "from": "2025-12-31", "to": "2025-01-01"}, "from"),
        ("promotions", {"dimension": "sex", "to": "2025-01-01"}, "from"),
        ("pay", {"dimension": "sex", "reference": "martian"}, "reference"),
        ("pay", {"dimension": "sex,race", "reference": "female"}, "reference"),
        ("pay", {"dimension": "sex", "group_by": "team"}, "group_by"),
        ("pay", {"dimension": "sex", "min_count": 0}, "min_count"),
    ],
)
def test_bad_report_parameters_are_422_naming_the_parameter(
    api: TestClient, org: Org, path: str, params: dict[str, Any], field: str
) -> None:
    pay_population(api)

    response = api.get(f"/v1/fairness/{path}", params=params, headers=org.headers("audit"))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_dimension_nobody_has_is_a_report_without_groups(api: TestClient, org: Org) -> None:
    pay_population(api)

    body = report(api, org, "pay", dimension="age_band", as_of=AS_OF)

    assert body["groups"] == []
    assert body["unknown"] == body["population"] == 12
    assert body["reference"] is None
    assert all(r["groups"] == [] for r in body["rows"])


def test_a_foreign_target_position_is_a_404(client: TestClient, make_org: Any) -> None:
    ours, theirs = make_org("Ours"), make_org("Theirs")
    other = client.post(
        "/v1/positions",
        json={"code": "X", "title": "X", "family": "F", "track": "individual", "level": 2},
        headers=theirs.headers(),
    ).json()["id"]

    response = client.get(
        "/v1/fairness/readiness",
        params={"dimension": "sex", "target_position_id": other},
        headers=ours.headers("audit"),
    )

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON


@pytest.mark.parametrize("path", ["readiness", "promotions", "pay"])
@pytest.mark.parametrize(
    ("scope", "status"), [("read", 403), ("write", 403), ("audit", 200), ("admin", 200)]
)
def test_reports_need_the_audit_scope(
    client: TestClient, org: Org, path: str, scope: str, status: int
) -> None:
    params = {"dimension": "sex", "from": "2025-01-01", "to": "2025-12-31"}

    response = client.get(f"/v1/fairness/{path}", params=params, headers=org.headers(scope))

    assert response.status_code == status, response.text


def test_the_readiness_picture_draws_each_group_against_four_fifths(
    api: TestClient, org: Org
) -> None:
    ids = readiness_population(api)
    api.put(
        f"/v1/employees/{ids['F-A-0']}/demographics",
        json={"attributes": {"sex": "female", "race_ethnicity": "<asian & pacific>"}},
    )

    response = api.get(
        "/v1/fairness/readiness.svg",
        params={"dimension": "sex,race_ethnicity", "as_of": AS_OF},
        headers=org.headers("audit"),
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/svg+xml"
    svg = response.text
    assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>")
    # Categories are escaped, never raw markup.
    assert "&lt;asian &amp; pacific&gt;" in svg and "<asian" not in svg
    assert "four fifths of the highest rate (0.600)" in svg  # 0.8 x 0.75
    assert svg.count("<rect ") == 6
    assert 'fill="#bbbbbb"' in svg  # the excluded nonbinary group
    assert 'fill="#c0392b"' in svg  # groups under four fifths
    bad = api.get(
        "/v1/fairness/readiness.svg", params={"dimension": "A"}, headers=org.headers("audit")
    )
    assert bad.status_code == 422
    assert (
        api.get(
            "/v1/fairness/readiness.svg", params={"dimension": "sex"}, headers=org.headers("read")
        ).status_code
        == 403
    )
