"""The career timeline picture: `GET /v1/employees/{id}/timeline.svg` draws level over time,
moves marked by kind, the salary line and development ticks; parsed here as XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.timeline_svg import timeline_svg
from app.domain import timeline as facts
from app.domain.history import EventType, Step
from app.domain.mobility import MoveType
from app.domain.timeline import Mark
from app.domain.values import Money
from tests.factories import (
    assert_problem,
    create_employee,
    create_position,
    record,
    usd,
)

SVG = "http://www.w3.org/2000/svg"
NS = {"svg": SVG}


# --- small local helpers -------------------------------------------------------------------


def timeline(api: TestClient, employee_id: str) -> ET.Element:
    response = api.get(f"/v1/employees/{employee_id}/timeline.svg")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    return ET.fromstring(response.content)


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in classes(e)]


def title_of(element: ET.Element) -> str:
    title = element.find("svg:title", NS)
    assert title is not None
    return title.text or ""


def centre_y(polygon: ET.Element) -> float:
    ys = [float(p.split(",")[1]) for p in polygon.get("points", "").split()]
    return (min(ys) + max(ys)) / 2


def centre_x(polygon: ET.Element) -> float:
    xs = [float(p.split(",")[0]) for p in polygon.get("points", "").split()]
    return (min(xs) + max(xs)) / 2


def all_text(root: ET.Element) -> str:
    return " ".join(t for t in root.itertext() if t.strip())


class Career:
    def __init__(self, employee_id: str, events: dict[str, str]) -> None:
        self.employee_id = employee_id
        self.events = events


@pytest.fixture
def career(api: TestClient) -> Career:
    """Hire at level 2, promotion to 3, lateral at 3, demotion to 2, a raise, an exit-free
    life; 2 trainings, 1 certification, 3 skills, a review and a leadership activity."""
    rn = create_position(api, "RN", 2)
    mgr = create_position(api, "RN-MGR", 3)
    charge = create_position(api, "CHARGE", 3)
    employee = create_employee(api, "E-1", display_name="Ana Ruiz")
    e: dict[str, str] = {}
    e["hire"] = record(api, employee, "hire", "2019-01-01", position_id=rn, salary=usd(60000))
    e["training_1"] = record(api, employee, "training_completed", "2019-06-01", name="ACLS")
    e["promotion"] = record(
        api, employee, "promotion", "2020-01-01", position_id=mgr, salary=usd(70000)
    )
    e["certification"] = record(
        api, employee, "certification_earned", "2020-03-01", name="Nurse Executive (NE-BC)"
    )
    e["lateral"] = record(api, employee, "position_change", "2021-01-01", position_id=charge)
    e["skill_1"] = record(api, employee, "skill_acquired", "2021-02-01", name="Scheduling")
    e["skill_2"] = record(api, employee, "skill_acquired", "2021-03-01", name="Budgeting")
    e["raise"] = record(api, employee, "salary_change", "2021-06-01", salary=usd(72000))
    e["demotion"] = record(
        api, employee, "demotion", "2022-01-01", position_id=rn, salary=usd(65000)
    )
    e["skill_3"] = record(api, employee, "skill_acquired", "2022-02-01", name="Wound care")
    e["training_2"] = record(api, employee, "training_completed", "2022-03-01", name="PALS")
    e["review"] = record(api, employee, "performance_review", "2022-06-01", rating=4)
    e["leadership"] = record(
        api, employee, "leadership_activity", "2022-07-01", name="Led the unit huddle"
    )
    return Career(employee, e)


# --- the document --------------------------------------------------------------------------


def test_timeline_is_an_svg_document_with_size_and_viewbox(api: TestClient, career: Career) -> None:
    root = timeline(api, career.employee_id)

    assert root.tag == f"{{{SVG}}}svg"
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    assert width > 0 and height > 0
    assert [float(v) for v in root.get("viewBox", "").split()] == [0, 0, width, height]
    assert "Ana Ruiz" in title_of(root)


def test_each_move_has_one_marker_whose_class_says_its_kind(
    api: TestClient, career: Career
) -> None:
    root = timeline(api, career.employee_id)
    markers = by_class(root, "move")

    ids = [m.get("data-event-id") for m in markers]
    assert ids == [career.events[k] for k in ("promotion", "lateral", "demotion")]
    kinds = {m.get("data-event-id"): m.get("class") for m in markers}
    promotion_class = kinds[career.events["promotion"]]
    lateral_class = kinds[career.events["lateral"]]
    demotion_class = kinds[career.events["demotion"]]
    assert len({promotion_class, lateral_class, demotion_class}) == 3
    assert "promotion" in title_of(markers[0])
    assert "lateral" in title_of(markers[1])
    assert "demotion" in title_of(markers[2])
    assert len({m.get("fill") for m in markers}) == 3


def test_markers_sit_at_the_level_held_after_each_move_in_date_order(
    api: TestClient, career: Career
) -> None:
    root = timeline(api, career.employee_id)
    (hire,) = by_class(root, "hire")
    promotion, lateral, demotion = by_class(root, "move")

    assert hire.tag == f"{{{SVG}}}circle"
    assert hire.get("data-event-id") == career.events["hire"]
    hire_y = float(hire.get("cy", "0"))
    # SVG y grows downwards: a higher level is drawn higher up.
    assert centre_y(promotion) < hire_y - 10
    assert centre_y(lateral) == pytest.approx(centre_y(promotion), abs=1)
    assert centre_y(demotion) == pytest.approx(hire_y, abs=1)
    xs = [float(hire.get("cx", "0"))] + [centre_x(m) for m in (promotion, lateral, demotion)]
    assert xs == sorted(xs) and len(set(xs)) == 4


def test_level_and_salary_lines_are_drawn(api: TestClient, career: Career) -> None:
    root = timeline(api, career.employee_id)

    levels = by_class(root, "level-line")
    salaries = by_class(root, "salary-line")
    assert levels and salaries
    assert all(p.tag == f"{{{SVG}}}path" and p.get("d", "").startswith("M") for p in levels)
    assert all(p.tag == f"{{{SVG}}}path" and p.get("d", "").startswith("M") for p in salaries)
    # The level line steps between two heights: levels 2 -> 3 -> 3 -> 2.
    heights = {
        float(point.split(",")[1])
        for p in levels
        for point in p.get("d", "").replace("M", " ").replace("L", " ").split()
    }
    assert len(heights) == 2
    # The salary line goes through four values: 60,000, 70,000, 72,000 and 65,000.
    pay_heights = {
        float(point.split(",")[1])
        for p in salaries
        for point in p.get("d", "").replace("M", " ").replace("L", " ").split()
    }
    assert len(pay_heights) == 4


def test_every_development_event_has_a_tick_named_for_its_type(
    api: TestClient, career: Career
) -> None:
    root = timeline(api, career.employee_id)
    ticks = by_class(root, "tick")
    tick_by_id = {t.get("data-event-id"): t for t in ticks}

    expected = {
        "training_1": "training_completed",
        "training_2": "training_completed",
        "certification": "certification_earned",
        "skill_1": "skill_acquired",
        "skill_2": "skill_acquired",
        "skill_3": "skill_acquired",
    }
    for key, event_type in expected.items():
        tick = tick_by_id[career.events[key]]
        assert event_type in classes(tick), key
    assert len(by_class(root, "training_completed")) == 2
    assert len(by_class(root, "certification_earned")) == 1
    assert len(by_class(root, "skill_acquired")) == 3
    assert "ACLS" in title_of(tick_by_id[career.events["training_1"]])
    # Moves, hires and raises are not ticks.
    for key in ("hire", "promotion", "lateral", "demotion", "raise"):
        assert career.events[key] not in tick_by_id


def test_voided_events_are_not_drawn(api: TestClient, career: Career) -> None:
    for key in ("skill_2", "lateral"):
        response = api.request(
            "DELETE",
            f"/v1/employees/{career.employee_id}/events/{career.events[key]}",
            params={"reason": "recorded twice"},
        )
        assert response.status_code == 200, response.text

    root = timeline(api, career.employee_id)

    ids = {e.get("data-event-id") for e in root.iter()} - {None}
    assert career.events["skill_2"] not in ids
    assert career.events["lateral"] not in ids
    assert len(by_class(root, "skill_acquired")) == 2
    markers = by_class(root, "move")
    assert [m.get("data-event-id") for m in markers] == [
        career.events["promotion"],
        career.events["demotion"],
    ]


def test_an_exit_is_marked(api: TestClient, career: Career) -> None:
    exit_id = record(api, career.employee_id, "exit", "2023-01-31")

    root = timeline(api, career.employee_id)

    (mark,) = by_class(root, "exit")
    assert mark.get("data-event-id") == exit_id
    assert "exit" in title_of(mark)


def test_a_person_without_events_gets_a_valid_svg_saying_so(api: TestClient) -> None:
    employee = create_employee(api, "E-0")

    root = timeline(api, employee)

    assert root.tag == f"{{{SVG}}}svg"
    assert root.get("viewBox")
    assert "no career events" in all_text(root).lower()
    assert not by_class(root, "move") and not by_class(root, "tick")
    assert "E-0" in title_of(root)


def test_text_is_escaped_so_the_document_stays_well_formed(api: TestClient) -> None:
    position = create_position(api, "R&D", 2)
    employee = create_employee(api, "E-<1>", display_name='Zoë "Z" <O\'Neil> & co')
    record(api, employee, "hire", "2024-01-01", position_id=position)
    record(api, employee, "training_completed", "2024-02-01", name="<script>alert(1)</script>")

    root = timeline(api, employee)

    assert 'Zoë "Z" <O\'Neil> & co' in title_of(root)
    (tick,) = by_class(root, "tick")
    assert "<script>alert(1)</script>" in title_of(tick)
    assert not [e for e in root.iter() if e.tag.endswith("script")]


# --- not found -----------------------------------------------------------------------------


def test_unknown_employee_is_a_404_problem(api: TestClient) -> None:
    response = api.get("/v1/employees/00000000-0000-4000-8000-000000000000/timeline.svg")

    assert_problem(response, 404, "not-found")


def test_another_organizations_employee_is_a_404(
    api: TestClient, career: Career, make_org: Callable[[str], Any]
) -> None:
    other = make_org("Globex Care")
    response = api.get(
        f"/v1/employees/{career.employee_id}/timeline.svg", headers=other.headers("read")
    )
    assert_problem(response, 404, "not-found")
    assert "Ana Ruiz" not in response.text


# --- the exact drawing ---------------------------------------------------------------------
# The picture is pinned byte for byte: each history below was drawn once and stored under
# tests/api/fixtures/timeline/, with event ids swapped for their names and today fixed, so a
# change to how the chart is drawn shows up as a diff of the stored document.

FIXTURES = Path(__file__).parent / "fixtures" / "timeline"
PINNED_TODAY = date(2024, 6, 30)


def pinned(name: str, svg: str, ids: dict[str, str]) -> None:
    for key, event_id in ids.items():
        svg = svg.replace(event_id, f"event-{key}")
    assert svg == (FIXTURES / f"{name}.svg").read_text(encoding="utf-8")


def drawn(api: TestClient, employee_id: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr("app.services.timeline.today", lambda: PINNED_TODAY)
    response = api.get(f"/v1/employees/{employee_id}/timeline.svg")
    assert response.status_code == 200, response.text
    return response.text


def test_a_career_with_moves_raises_and_growth_is_drawn_exactly_as_pinned(
    api: TestClient, career: Career, monkeypatch: pytest.MonkeyPatch
) -> None:
    pinned("career", drawn(api, career.employee_id, monkeypatch), career.events)


def test_a_career_with_voids_and_an_exit_is_drawn_exactly_as_pinned(
    api: TestClient, career: Career, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("skill_2", "lateral", "raise"):
        response = api.request(
            "DELETE",
            f"/v1/employees/{career.employee_id}/events/{career.events[key]}",
            params={"reason": "recorded twice"},
        )
        assert response.status_code == 200, response.text
    events = dict(career.events)
    events["initiative"] = record(
        api, career.employee_id, "initiative", "2022-09-01", name="Falls audit"
    )
    events["exit"] = record(api, career.employee_id, "exit", "2023-01-31")

    pinned("voided_and_exit", drawn(api, career.employee_id, monkeypatch), events)


def test_an_empty_history_is_drawn_exactly_as_pinned(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    employee = create_employee(api, "E-0")

    pinned("empty", drawn(api, employee, monkeypatch), {})


def test_escaped_text_and_an_unpaid_hire_are_drawn_exactly_as_pinned(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    position = create_position(api, "R&D", 2)
    employee = create_employee(api, "E-<1>", display_name='Zoë "Z" <O\'Neil> & co')
    events = {
        "hire": record(api, employee, "hire", "2024-01-01", position_id=position),
        "training": record(
            api, employee, "training_completed", "2024-02-01", name="<script>alert(1)</script>"
        ),
    }

    pinned("escaped", drawn(api, employee, monkeypatch), events)


def step(
    key: str,
    type_: EventType,
    on: date,
    level: int | None,
    cents: int | None,
    move: MoveType | None = None,
) -> Step:
    salary = Money(cents, "USD") if cents is not None else None
    return Step(f"event-{key}", type_, on, "position", level, salary, move)


def test_gaps_in_level_and_pay_an_unknown_type_and_one_day_are_drawn_exactly_as_pinned() -> None:
    """Drawn straight from facts: a level the catalogue no longer knows, a step with no
    pay, a zero salary, control characters in text and a tick of a type without a colour."""
    steps = [
        step("hire", EventType.hire, date(2020, 3, 1), None, 0),
        step("promotion", EventType.promotion, date(2021, 3, 1), 4, None, MoveType.promotion),
        step("lateral", EventType.lateral_move, date(2021, 9, 1), 4, 5_000_00, MoveType.lateral),
        step("pay", EventType.salary_change, date(2022, 1, 1), None, 5_500_00),
        step("demotion", EventType.demotion, date(2022, 5, 1), 3, 5_500_00, MoveType.demotion),
        step("exit", EventType.exit, date(2023, 5, 1), None, None),
    ]
    marks = [
        Mark("event-review", EventType.talent_review, date(2021, 1, 1), "talent review: x"),
        Mark("event-skill", EventType.skill_acquired, date(2022, 2, 2), "skill\x01 & <b>"),
    ]
    titles = {"event-promotion": "Lead \x0b(L4)", "event-lateral": "Charge & co (L4)"}
    svg = timeline_svg(
        facts.timeline(
            title="Career timeline: A\x00B",
            steps=steps,
            marks=marks,
            titles=titles,
            today=PINNED_TODAY,
        )
    )
    pinned("gaps", svg, {})

    one_day = timeline_svg(
        facts.timeline(
            title="Career timeline: same day",
            steps=[step("hire", EventType.hire, PINNED_TODAY, 1, 1_00)],
            marks=[Mark("event-mark", EventType.initiative, PINNED_TODAY, "initiative: ")],
            titles={},
            today=date(2020, 1, 1),
        )
    )
    pinned("one_day", one_day, {})
