"""Bulk import of NDJSON histories (SPEC 9): over HTTP (`POST /v1/imports`) and from the
command line (`career-mobility import FILE --org NAME`): the report, what lands, what is
skipped, and that a second run of the same file adds nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from tests.api.importing import import_ok, line, ndjson, post_import, stored_counts, write_file
from tests.factories import create_position, usd

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROBLEM_JSON = "application/problem+json"
# The first event of E-1 in most tests here.
HIRE = line("E-1", "hire", "2024-01-01", position_code="RN")


# --- small local helpers -------------------------------------------------------------------


def find_employee(client: TestClient, external_id: str) -> dict[str, Any] | None:
    response = client.get("/v1/employees", params={"external_id": external_id})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert len(items) <= 1
    return items[0] if items else None


def events_of(client: TestClient, employee_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/employees/{employee_id}/events", params={"limit": 500})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def all_employees(client: TestClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/employees", params=params).json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return items


def errors_by_line(report: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {e["line"]: e for e in report["errors"]}


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture
def positions(api: TestClient) -> dict[str, str]:
    """RN (level 2), RN-MGR (level 3) and RN-TRIAGE (level 2), by code."""
    return {
        code: create_position(api, code, level)
        for code, level in (("RN", 2), ("RN-MGR", 3), ("RN-TRIAGE", 2))
    }


# A file with good lines and one bad line of each kind the issue names.
GOOD_AND_BAD = ndjson(
    line(
        "E-100",
        "hire",
        "2023-01-02",
        employee_display_name="Ana Ruiz",
        position_code="RN",
        salary=usd("60000.00"),
        event_key="hr-1",
    ),
    '{"employee_external_id": "E-100", "type": ',
    line("E-200", "hire", "2023-01-02", position_code="ICU"),
    line("E-100", "performance_review", "2023-06-01", rating=7),
    line("E-100", "training_completed", "2023-06-01"),
    line("E-300", "hire", "2024-01-01", position_code="RN"),
    line("E-300", "promotion", "2023-06-01", position_code="RN-MGR"),
    line("E-100", "performance_review", "2023-06-01", rating=4),
    line("E-100", "training_completed", "2023-07-01", name="Emergency Triage"),
    line("E-100", "promotion", "2024-03-01", position_code="RN-MGR", salary=usd("70000.00")),
)
GOOD_LINES = 5
BAD_LINES = {2: "line", 3: "position_code", 4: "rating", 5: "name", 7: "occurred_on"}


# --- the report on a file with bad lines ---------------------------------------------------


def test_import_reports_each_bad_line_by_number_and_field(
    api: TestClient, positions: dict[str, str]
) -> None:
    report = import_ok(api, GOOD_AND_BAD)

    assert report["lines"] == 10
    assert report["created"] == GOOD_LINES
    assert report["duplicates"] == 0
    assert report["rejected"] == len(BAD_LINES)
    assert [(e["line"], e["field"]) for e in report["errors"]] == list(BAD_LINES.items())
    errors = errors_by_line(report)
    assert "JSON" in errors[2]["message"]
    assert "ICU" in errors[3]["message"]
    assert "5" in errors[4]["message"]
    assert "required" in errors[5]["message"]
    assert "hire" in errors[7]["message"]
    assert all(e["message"].strip() for e in report["errors"])


def test_import_lands_the_good_lines_and_creates_people_on_first_sight(
    api: TestClient, positions: dict[str, str]
) -> None:
    import_ok(api, GOOD_AND_BAD)

    ana = find_employee(api, "E-100")
    assert ana is not None
    assert ana["display_name"] == "Ana Ruiz"
    assert ana["status"] == "active"
    assert ana["hired_on"] == "2023-01-02"
    assert ana["current_position_id"] == positions["RN-MGR"]
    assert ana["current_salary"] == usd("70000.00")
    events = events_of(api, ana["id"])
    assert [(e["type"], e["occurred_on"]) for e in events] == [
        ("hire", "2023-01-02"),
        ("performance_review", "2023-06-01"),
        ("training_completed", "2023-07-01"),
        ("promotion", "2024-03-01"),
    ]
    assert events[0]["position_id"] == positions["RN"]
    assert events[0]["salary"] == usd("60000.00")
    assert events[1]["rating"] == 4
    assert events[2]["name"] == "Emergency Triage"
    assert events[3]["classification"] == "promotion"

    # E-300's hire landed; the promotion dated before it did not.
    other = find_employee(api, "E-300")
    assert other is not None
    assert other["display_name"] is None
    assert [e["type"] for e in events_of(api, other["id"])] == ["hire"]
    # A line rejected for its unknown position created nobody.
    assert find_employee(api, "E-200") is None
    assert len(all_employees(api)) == 2


def test_second_import_of_the_same_file_adds_nothing(
    api: TestClient, positions: dict[str, str], database: Database
) -> None:
    first = import_ok(api, GOOD_AND_BAD)
    after_first = stored_counts(database)

    second = import_ok(api, GOOD_AND_BAD)

    assert second["lines"] == first["lines"] == 10
    assert second["created"] == 0
    assert second["duplicates"] == GOOD_LINES
    assert second["rejected"] == len(BAD_LINES)
    assert [(e["line"], e["field"]) for e in second["errors"]] == list(BAD_LINES.items())
    assert stored_counts(database) == after_first == (2, GOOD_LINES)
    ana = find_employee(api, "E-100")
    assert ana is not None
    assert len(events_of(api, ana["id"])) == 4


def test_lines_without_event_key_dedupe_by_content_whatever_key_order_or_spacing(
    api: TestClient, positions: dict[str, str]
) -> None:
    skill = line("E-1", "skill_acquired", "2024-02-01", name="Wound care")
    assert import_ok(api, ndjson(HIRE, skill))["created"] == 2

    reordered = json.dumps(
        dict(reversed(list(skill.items()))), indent=None, separators=(" ,", ":  ")
    )
    same_skill_other_day = {**skill, "occurred_on": "2024-03-01"}
    report = import_ok(api, ndjson(reordered, same_skill_other_day))

    assert report == {
        "lines": 2,
        "created": 1,
        "duplicates": 1,
        "rejected": 0,
        "errors": [],
    }
    person = find_employee(api, "E-1")
    assert person is not None
    skills = [e for e in events_of(api, person["id"]) if e["type"] == "skill_acquired"]
    assert [e["occurred_on"] for e in skills] == ["2024-02-01", "2024-03-01"]


def test_same_content_twice_in_one_file_lands_once(
    api: TestClient, positions: dict[str, str]
) -> None:
    training = line("E-1", "training_completed", "2024-02-01", name="ACLS")
    report = import_ok(api, ndjson(HIRE, training, training))

    assert (report["created"], report["duplicates"], report["rejected"]) == (2, 1, 0)
    person = find_employee(api, "E-1")
    assert person is not None
    assert [e["type"] for e in events_of(api, person["id"])] == ["hire", "training_completed"]


def test_a_known_event_key_is_a_duplicate_even_when_the_content_changed(
    api: TestClient, positions: dict[str, str]
) -> None:
    hire = {**HIRE, "event_key": "hr-1"}
    cert = line("E-1", "certification_earned", "2024-05-01", name="CEN", event_key="hr-2")
    assert import_ok(api, ndjson(hire, cert))["created"] == 2

    corrected = {**cert, "occurred_on": "2024-06-01", "name": "Certified Emergency Nurse"}
    report = import_ok(api, ndjson(corrected))

    assert (report["lines"], report["created"], report["duplicates"]) == (1, 0, 1)
    assert report["errors"] == []
    person = find_employee(api, "E-1")
    assert person is not None
    certs = [e for e in events_of(api, person["id"]) if e["type"] == "certification_earned"]
    assert [(c["name"], c["occurred_on"]) for c in certs] == [("CEN", "2024-05-01")]


def test_blank_lines_are_ignored_and_line_numbers_stay_physical(
    api: TestClient, positions: dict[str, str]
) -> None:
    bad = line("E-1", "initiative", "2024-02-01")
    body = ("\n" + json.dumps(HIRE) + "\r\n\n   \n\t\n" + json.dumps(bad) + "\n\n").encode()

    report = import_ok(api, body)

    assert report["lines"] == 2
    assert (report["created"], report["duplicates"], report["rejected"]) == (1, 0, 1)
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(6, "name")]


def test_an_empty_body_imports_nothing(api: TestClient, database: Database) -> None:
    before = stored_counts(database)
    report = import_ok(api, b"")
    assert report == {"lines": 0, "created": 0, "duplicates": 0, "rejected": 0, "errors": []}
    assert stored_counts(database) == before


def test_lines_split_across_stream_chunks_are_reassembled(
    api: TestClient, positions: dict[str, str]
) -> None:
    name = "José Ñúñez 🩺"
    body = ndjson(
        line("E-ü", "hire", "2024-01-01", employee_display_name=name, position_code="RN"),
        line("E-ü", "skill_acquired", "2024-02-01", name="Triage — adult"),
    ).rstrip(b"\n")  # the last line has no newline

    report = import_ok(api, chunked(body, 5))

    assert (report["lines"], report["created"], report["rejected"]) == (2, 2, 0)
    person = find_employee(api, "E-ü")
    assert person is not None
    assert person["display_name"] == name
    assert [e["name"] for e in events_of(api, person["id"])] == [None, "Triage — adult"]


def test_more_lines_than_one_batch_all_land(
    api: TestClient, positions: dict[str, str], database: Database
) -> None:
    # 40 people x 30 lines = 1,200 lines: more than one batch (BATCH_SIZE is 1,000).
    lines: list[dict[str, Any] | str] = []
    for n in range(40):
        external_id = f"B-{n:02d}"
        lines.append(
            line(
                external_id, "hire", "2022-01-03", position_code="RN", salary=usd(f"{50000 + n}.00")
            )
        )
        for k in range(29):
            lines.append(
                line(
                    external_id,
                    "skill_acquired",
                    f"2023-{1 + k % 12:02d}-{1 + k:02d}",
                    name=f"Skill {n}-{k}",
                )
            )
    lines.insert(699, "not json")  # physical line 700
    body = ndjson(*lines)

    report = import_ok(api, chunked(body, 4096))

    assert report["lines"] == 1201
    assert report["created"] == 1200
    assert report["duplicates"] == 0
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(700, "line")]
    assert stored_counts(database) == (40, 1200)
    people = all_employees(api)
    assert {p["external_id"] for p in people} == {f"B-{n:02d}" for n in range(40)}
    for n in (0, 17, 39):
        person = find_employee(api, f"B-{n:02d}")
        assert person is not None
        assert person["current_salary"] == usd(f"{50000 + n}.00")
        assert person["advancement"]["skills"] == 29
        events = events_of(api, person["id"])
        assert [e["type"] for e in events] == ["hire"] + ["skill_acquired"] * 29
        assert sorted(e["name"] for e in events[1:]) == sorted(f"Skill {n}-{k}" for k in range(29))


def test_every_rejected_line_is_counted_and_the_first_thousand_are_listed(
    api: TestClient, database: Database
) -> None:
    before = stored_counts(database)
    body = b"".join(b"{oops %d\n" % n for n in range(1005))

    report = import_ok(api, body)

    assert (report["lines"], report["created"], report["rejected"]) == (1005, 0, 1005)
    assert len(report["errors"]) == 1000
    assert [e["line"] for e in report["errors"]] == list(range(1, 1001))
    assert {e["field"] for e in report["errors"]} == {"line"}
    assert stored_counts(database) == before


def test_import_needs_the_write_scope(
    client: TestClient, org: Any, positions: dict[str, str], database: Database
) -> None:
    client.headers.pop("Authorization")  # `positions` set the admin key on the client
    before = stored_counts(database)
    response = post_import(client, GOOD_AND_BAD, **org.headers("read"))
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["type"] == "/problems/forbidden"
    anonymous = post_import(client, GOOD_AND_BAD)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert stored_counts(database) == before

    report = import_ok(client, GOOD_AND_BAD, **org.headers("write"))
    assert report["created"] == GOOD_LINES


def test_import_sees_only_the_calling_organizations_people_and_positions(
    api: TestClient,
    positions: dict[str, str],
    make_org: Callable[[str], Any],
) -> None:
    import_ok(api, ndjson(HIRE))
    ours = find_employee(api, "E-1")
    assert ours is not None

    other = make_org("Globex Care")
    other_headers = other.headers("admin")
    response = api.post(
        "/v1/positions",
        json={"code": "RN", "title": "Nurse", "family": "N", "track": "individual", "level": 2},
        headers=other_headers,
    )
    assert response.status_code == 201
    promotion = line("E-1", "promotion", "2024-06-01", position_code="RN-MGR")
    report = import_ok(api, ndjson(HIRE, promotion), **other_headers)

    # The same line in another organization is new there, and RN-MGR is not theirs.
    assert (report["created"], report["duplicates"]) == (1, 0)
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(2, "position_code")]
    theirs = api.get("/v1/employees", params={"external_id": "E-1"}, headers=other_headers)
    (their_person,) = theirs.json()["items"]
    assert their_person["id"] != ours["id"]
    assert their_person["current_position_id"] == response.json()["id"]
    assert [e["type"] for e in events_of(api, ours["id"])] == ["hire"]


def test_the_documented_openapi_example_imports_cleanly(
    api: TestClient, positions: dict[str, str]
) -> None:
    spec = api.get("/openapi.json").json()
    body = spec["paths"]["/v1/imports"]["post"]["requestBody"]["content"]["application/x-ndjson"]
    report = import_ok(api, body["example"].encode())
    assert report["rejected"] == 0, report["errors"]
    assert report["created"] == 2


def test_an_import_retried_with_the_same_idempotency_key_replays_the_first_report(
    api: TestClient, positions: dict[str, str], database: Database
) -> None:
    first = post_import(api, GOOD_AND_BAD, **{"Idempotency-Key": "import-2025-06"})
    assert first.status_code == 200
    stored = stored_counts(database)

    retry = post_import(api, GOOD_AND_BAD, **{"Idempotency-Key": "import-2025-06"})

    assert stored_counts(database) == stored
    assert retry.status_code == 200
    assert retry.headers.get("idempotent-replayed") == "true"
    assert retry.json() == first.json()


# --- the command line ----------------------------------------------------------------------


def test_cli_imports_the_nurses_example_cleanly_and_a_rerun_adds_nothing(
    api: TestClient, org: Any, positions: dict[str, str], cli: Callable[..., Any]
) -> None:
    path = EXAMPLES / "nurses.ndjson"
    # Expectations come from the file itself, so its sample people may change.
    lines = [json.loads(t) for t in path.read_text().splitlines() if t.strip()]
    people: dict[str, list[dict[str, Any]]] = {}
    for sent in lines:
        people.setdefault(sent["employee_external_id"], []).append(sent)

    code, out, _ = cli("import", str(path), "--org", org.name, "--quiet")

    assert code == 0
    assert json.loads(out) == {
        "lines": len(lines),
        "created": len(lines),
        "duplicates": 0,
        "rejected": 0,
        "errors": [],
    }
    assert len(all_employees(api)) == len(people)
    for external_id, own in people.items():
        person = find_employee(api, external_id)
        assert person is not None, external_id
        names = [x["employee_display_name"] for x in own if "employee_display_name" in x]
        assert person["display_name"] == (names[0] if names else None)
        events = events_of(api, person["id"])
        assert sorted((e["type"], e["occurred_on"]) for e in events) == sorted(
            (x["type"], x["occurred_on"]) for x in own
        )
        moves = [x for x in own if "position_code" in x]
        assert person["current_position_id"] == positions[moves[-1]["position_code"]]

    code, out, _ = cli("import", str(path), "--org", org.name, "--quiet")

    assert code == 0
    assert json.loads(out) == {
        "lines": len(lines),
        "created": 0,
        "duplicates": len(lines),
        "rejected": 0,
        "errors": [],
    }
    assert len(all_employees(api)) == len(people)
    first = find_employee(api, next(iter(people)))
    assert first is not None
    assert len(events_of(api, first["id"])) == len(next(iter(people.values())))


def test_cli_exits_2_when_some_lines_are_rejected_and_lands_the_good_ones(
    api: TestClient, org: Any, positions: dict[str, str], cli: Callable[..., Any], tmp_path: Path
) -> None:
    path = write_file(tmp_path, GOOD_AND_BAD)

    code, out, _ = cli("import", path, "--org", org.name, "--quiet")

    assert code == 2
    report = json.loads(out)
    assert (report["lines"], report["created"], report["duplicates"]) == (10, GOOD_LINES, 0)
    assert report["rejected"] == len(BAD_LINES)
    assert [(e["line"], e["field"]) for e in report["errors"]] == list(BAD_LINES.items())
    assert all(set(e) == {"line", "field", "message"} for e in report["errors"])
    person = find_employee(api, "E-100")
    assert person is not None
    assert person["display_name"] == "Ana Ruiz"
    assert len(events_of(api, person["id"])) == 4
    assert find_employee(api, "E-200") is None

    # The good lines are in: a second run rejects the same lines and creates nothing.
    code, out, _ = cli("import", path, "--org", org.name, "--quiet")
    assert code == 2
    again = json.loads(out)
    assert (again["created"], again["duplicates"], again["rejected"]) == (0, GOOD_LINES, 5)


def test_cli_reports_physical_line_numbers_and_skips_blank_lines(
    api: TestClient, org: Any, positions: dict[str, str], cli: Callable[..., Any], tmp_path: Path
) -> None:
    path = write_file(tmp_path, b"\n" + GOOD_AND_BAD + b"\n\n")

    code, out, _ = cli("import", path, "--org", org.name, "--quiet")

    assert code == 2
    report = json.loads(out)
    assert (report["lines"], report["created"], report["rejected"]) == (10, GOOD_LINES, 5)
    assert [(e["line"], e["field"]) for e in report["errors"]] == [
        (line + 1, field) for line, field in BAD_LINES.items()
    ]


def test_cli_exits_1_when_the_file_is_missing(
    org: Any, cli: Callable[..., Any], tmp_path: Path, database: Database
) -> None:
    before = stored_counts(database)

    code, out, err = cli("import", str(tmp_path / "nope.ndjson"), "--org", org.name, "--quiet")

    assert code == 1
    assert out == ""
    assert "nope.ndjson" in err
    assert stored_counts(database) == before


def test_cli_exits_1_for_an_unknown_organization(
    cli: Callable[..., Any], tmp_path: Path, positions: dict[str, str], database: Database
) -> None:
    path = write_file(tmp_path, GOOD_AND_BAD)
    before = stored_counts(database)

    code, out, err = cli("import", path, "--org", "No Such Org", "--quiet")

    assert code == 1
    assert out == ""
    assert "No Such Org" in err
    assert stored_counts(database) == before


def test_cli_shows_progress_on_stderr_unless_quiet(
    org: Any, positions: dict[str, str], cli: Callable[..., Any], tmp_path: Path
) -> None:
    path = write_file(tmp_path, GOOD_AND_BAD)

    code, out, err = cli("import", path, "--org", org.name)

    assert code == 2
    assert json.loads(out)["created"] == GOOD_LINES
    assert "importing" in err

    code, out, err = cli("import", path, "--org", org.name, "--quiet")
    assert code == 2
    assert json.loads(out)["duplicates"] == GOOD_LINES
    assert "importing" not in err


def test_cli_exits_1_when_the_database_cannot_be_reached(
    org: Any,
    positions: dict[str, str],
    cli: Callable[..., Any],
    tmp_path: Path,
    database: Database,
) -> None:
    path = write_file(tmp_path, GOOD_AND_BAD)
    before = stored_counts(database)
    missing = f"sqlite:///{tmp_path}/missing-dir/service.db"

    code, out, err = cli("import", path, "--org", org.name, "--quiet", url=missing)

    assert code == 1
    assert out == ""
    assert err.startswith("career-mobility: ")
    assert "Traceback" not in err
    assert stored_counts(database) == before


def test_an_import_body_that_is_not_ndjson_is_a_415_and_imports_nothing(
    api: TestClient,
) -> None:
    body = json.dumps(line("E-415", "skill_acquired", "2024-01-01", name="Triage"))
    response = api.post("/v1/imports", content=body, headers={"Content-Type": "text/csv"})
    assert response.status_code == 415
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/unsupported-media-type"
    assert api.get("/v1/employees", params={"external_id": "E-415"}).json()["items"] == []
