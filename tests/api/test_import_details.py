"""What the importer's quick path must keep: texts trimmed and checked as `ImportLine` does,
classifications right after back-filled moves (in one batch and across imports), numbering
per person, any batch size landing the same rows, and texts surviving the store's bulk path
(COPY on PostgreSQL) byte for byte."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import delete, select

from app.db import Database
from app.models import CareerEvent, Employee
from app.services.import_writer import ordered_ids
from app.services.imports import Importer
from tests.api.importing import import_ok, line, ndjson
from tests.factories import create_position


def person(api: TestClient, external_id: str) -> dict[str, Any]:
    items = api.get("/v1/employees", params={"external_id": external_id}).json()["items"]
    assert len(items) == 1
    return dict(items[0])


def moves(api: TestClient, external_id: str) -> list[tuple[str, str | None]]:
    """Return the person's events that name a position: (day, classification), in order."""
    employee_id = person(api, external_id)["id"]
    events = api.get(f"/v1/employees/{employee_id}/events", params={"limit": 500}).json()
    return [(e["occurred_on"], e["classification"]) for e in events["items"] if e["position_id"]]


@pytest.fixture
def levels(api: TestClient) -> dict[str, str]:
    """RN and RN-TRIAGE at level 2; CHARGE and RN-MGR at level 3."""
    return {
        code: create_position(api, code, level)
        for code, level in (("RN", 2), ("RN-TRIAGE", 2), ("CHARGE", 3), ("RN-MGR", 3))
    }


HIRED = line("E-1", "hire", "2023-01-02", position_code="RN")
HIRED_THEN_MOVED = [HIRED, line("E-1", "position_change", "2024-01-02", position_code="RN-MGR")]
# Earlier than the move before it: RN-MGR is now reached from CHARGE, the same level.
BACK_FILLED = line("E-1", "position_change", "2023-06-01", position_code="CHARGE")


@pytest.mark.parametrize(
    "files",
    [[[*HIRED_THEN_MOVED, BACK_FILLED]], [HIRED_THEN_MOVED, [BACK_FILLED]]],
    ids=["in_the_same_file", "by_a_later_import"],
)
def test_a_back_filled_move_classifies_the_later_move_against_it(
    api: TestClient, levels: dict[str, str], files: list[list[dict[str, Any]]]
) -> None:
    """In the same file, or by a later import that re-classifies the stored move."""
    *earlier, last = files
    for lines in earlier:
        import_ok(api, ndjson(*lines))
        assert moves(api, "E-1")[-1] == ("2024-01-02", "promotion")

    report = import_ok(api, ndjson(*last))

    assert (report["created"], report["rejected"]) == (len(last), 0)
    assert moves(api, "E-1") == [
        ("2023-01-02", None),
        ("2023-06-01", "promotion"),
        ("2024-01-02", "lateral"),
    ]


def test_a_back_filled_line_that_would_break_a_stored_move_is_rejected_naming_it(
    api: TestClient, levels: dict[str, str]
) -> None:
    import_ok(api, ndjson(HIRED, line("E-1", "promotion", "2024-01-02", position_code="RN-MGR")))
    # From CHARGE (3) the stored promotion to RN-MGR (3) would be lateral.
    report = import_ok(api, ndjson(BACK_FILLED))

    assert (report["created"], report["rejected"]) == (0, 1)
    [error] = report["errors"]
    assert error["line"] == 1
    assert error["field"] == "type"
    assert error["message"].startswith("it would break event ")
    assert moves(api, "E-1")[-1] == ("2024-01-02", "promotion")


def test_texts_are_trimmed_and_checked_as_the_line_model_does(
    api: TestClient, levels: dict[str, str]
) -> None:
    report = import_ok(
        api,
        ndjson(
            line(" E-1 ", "hire", "2023-01-02", position_code=" RN", employee_display_name=" Ana "),
            line("E-1", "skill_acquired", "2023-02-01", name="\tWound care  "),
            line("E-1", "skill_acquired", "2023-02-02", name="   "),
            line("E-1", "skill_acquired", "2023-02-03", name="bad\u0000name"),
            line("E-1", "skill_acquired", "2023-02-04", name="x" * 301),
            line("E-1", "skill_acquired", "2023-02-05", name="x" * 300),
            line("E-1", "coffee_break", "2023-02-06"),
            line("E-1", "training_completed", "2023-02-07", name="BLS", event_key="  k-1 "),
            line("E-1", "training_completed", "2023-02-08", name="BLS again", event_key="k-1"),
        ),
    )

    assert (report["created"], report["duplicates"], report["rejected"]) == (4, 1, 4)
    assert [(e["line"], e["field"]) for e in report["errors"]] == [
        (3, "name"),
        (4, "name"),
        (5, "name"),
        (7, "type"),
    ]
    ana = person(api, "E-1")
    assert ana["display_name"] == "Ana"
    assert ana["current_position_id"] == levels["RN"]
    events = api.get(f"/v1/employees/{ana['id']}/events").json()["items"]
    assert [e["name"] for e in events] == [None, "Wound care", "x" * 300, "BLS"]


def test_texts_land_byte_for_byte_whatever_they_hold(
    api: TestClient, levels: dict[str, str]
) -> None:
    odd = 'tab\there, new\nline, back\\slash, \\N, "quoted", \u00e9\u00f1 \U0001fa7a, \r end'
    report = import_ok(
        api,
        ndjson(
            line("E-\\N", "hire", "2023-01-02", position_code="RN", employee_display_name=odd),
            line("E-\\N", "initiative", "2023-02-01", description=odd),
            line("E-\\N", "training_completed", "2023-03-01", name=odd[:-6], event_key=odd),
        ),
    )

    assert (report["created"], report["rejected"]) == (3, 0), report
    someone = person(api, "E-\\N")
    assert someone["display_name"] == odd.strip()
    events = api.get(f"/v1/employees/{someone['id']}/events").json()["items"]
    assert events[1]["description"] == odd.strip()
    assert events[2]["name"] == odd[:-6]
    # The key was stored as sent (trimmed): the same line again is a duplicate.
    again = import_ok(
        api, ndjson(line("E-\\N", "training_completed", "2023-03-01", name="other", event_key=odd))
    )
    assert (again["created"], again["duplicates"]) == (0, 1)


def test_any_batch_size_lands_the_same_rows_numbered_per_person(
    api: TestClient, org: Any, levels: dict[str, str], database: Database
) -> None:
    lines = []
    for n in range(6):
        ext = f"B-{n}"
        lines.append(line(ext, "hire", "2020-01-06", position_code="RN"))
        for k in range(9):
            lines.append(line(ext, "skill_acquired", f"2021-{1 + k:02d}-01", name=f"s{k}"))
        lines.append(line(ext, "promotion", "2022-01-03", position_code="RN-MGR"))
        lines.append(line(ext, "position_change", "2020-06-01", position_code="RN-TRIAGE"))
    lines.insert(17, line("B-0", "promotion", "2019-01-01", position_code="CHARGE"))
    text = [json.dumps(x) for x in lines]

    def stored(organization_id: str) -> list[tuple[Any, ...]]:
        with database.transaction(write=False) as session:
            people = dict(
                session.exec(
                    select(Employee.id, Employee.external_id).where(
                        Employee.organization_id == organization_id
                    )
                ).all()
            )
            seqs = dict(
                session.exec(
                    select(Employee.external_id, Employee.event_seq).where(
                        Employee.organization_id == organization_id
                    )
                ).all()
            )
            events = session.exec(
                select(CareerEvent).where(CareerEvent.organization_id == organization_id)
            ).all()
        return sorted(
            (
                people[e.employee_id],
                seqs[people[e.employee_id]],
                e.seq,
                e.type,
                e.occurred_on,
                e.classification,
                e.name,
            )
            for e in events
        )

    reports = []
    for size in (1000, 7, 1):
        with database.transaction() as session:
            session.execute(delete(CareerEvent).where(CareerEvent.organization_id == org.id))
            session.execute(delete(Employee).where(Employee.organization_id == org.id))
        report = Importer(database, org.id, batch_size=size).feed_all(text)
        reports.append((report.created, report.duplicates, report.rejected, report.errors))
        if size == 1000:
            first = stored(org.id)
        else:
            assert stored(org.id) == first, size

    assert reports[0] == reports[1] == reports[2]
    assert reports[0][:3] == (72, 0, 1)
    assert [(e["line"], e["field"]) for e in reports[0][3]] == [(18, "occurred_on")]
    b0 = [row for row in first if row[0] == "B-0"]
    assert [row[2] for row in b0] == list(range(1, 13))  # numbered in file order
    assert {row[1] for row in b0} == {12}  # the person's counter: the last number
    by_type = {(row[3], str(row[4])): row[5] for row in b0}
    assert by_type[("position_change", "2020-06-01")] == "lateral"
    assert by_type[("promotion", "2022-01-03")] == "promotion"


def test_an_imports_event_ids_are_uuids_that_ascend_in_file_order(
    api: TestClient, levels: dict[str, str]
) -> None:
    import_ok(
        api,
        ndjson(
            *[
                line("E-1", "skill_acquired", f"2023-01-{1 + k:02d}", name=f"s{k}")
                for k in range(20)
            ]
        ),
    )
    employee_id = person(api, "E-1")["id"]
    events = api.get(f"/v1/employees/{employee_id}/events").json()["items"]
    ids = [e["id"] for e in events]
    assert len(set(ids)) == 20
    assert ids == sorted(ids)
    assert all(uuid.UUID(i).version == 7 and str(uuid.UUID(i)) == i for i in ids)
    assert uuid.UUID(employee_id).version == 7


def test_ordered_ids_stay_ascending_past_4096_in_one_millisecond() -> None:
    taken = ordered_ids(5000) + ordered_ids(1) + ordered_ids(9000)
    assert len(set(taken)) == len(taken) == 14001
    assert taken == sorted(taken)
    assert all(str(uuid.UUID(i)) == i and uuid.UUID(i).version == 7 for i in taken)
