"""`career-mobility import --dry-run` checks a whole file and writes nothing, and an import
whose rejected hire leaves people without one warns at the end and names them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from tests.api.importing import line, ndjson, stored_counts, write_file
from tests.factories import create_position

# The `cli` fixture (tests/conftest.py) runs `career-mobility ...` in-process.
Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def rn(api: TestClient) -> str:
    return create_position(api, "RN", 3)


FILE = (
    line("N-1", "hire", "2024-01-08", position_code="RN"),
    line("N-1", "performance_review", "2024-12-01", rating=4),
    # N-2's hire names a position that does not exist; the training still lands.
    line("N-2", "hire", "2024-02-01", position_code="ICU-RN"),
    line("N-2", "training_completed", "2024-05-01", name="Charge nurse basics"),
    line("N-1", "performance_review", "2025-12-01", rating=9),
    # N-3's hire is rejected and so is everything else of theirs: nobody is left pending.
    line("N-3", "hire", "2024-02-01", position_code="NOPE"),
)


def test_dry_run_reports_what_would_land_and_writes_nothing(
    api: TestClient, org: Any, rn: str, cli: Cli, database: Database, tmp_path: Path
) -> None:
    path = write_file(tmp_path, ndjson(*FILE))
    before = stored_counts(database)

    code, out, err = cli("import", path, "--org", org.name, "--quiet", "--dry-run")

    assert code == 2
    report = json.loads(out)
    assert (report["lines"], report["created"], report["duplicates"]) == (6, 3, 0)
    assert [(e["line"], e["field"]) for e in report["errors"]] == [
        (3, "position_code"),
        (5, "rating"),
        (6, "position_code"),
    ]
    assert "dry run: nothing was written" in err
    assert stored_counts(database) == before

    # The real import lands exactly what the dry run said it would.
    code, out, _ = cli("import", path, "--org", org.name, "--quiet")
    assert code == 2
    assert json.loads(out) == report
    assert stored_counts(database) == (before[0] + 2, before[1] + 3)


def test_dry_run_checks_later_lines_against_earlier_ones_across_batches(
    api: TestClient, org: Any, rn: str, cli: Cli, database: Database, tmp_path: Path
) -> None:
    # 1,500 people hired, then each reviewed: the reviews sit in the batch after the hires,
    # and the second half of the hires too; a dry run must see the earlier batches' people.
    hires = [line(f"P-{i}", "hire", "2024-01-08", position_code="RN") for i in range(1500)]
    moves = [
        line(f"P-{i}", "salary_change", "2024-06-01", salary={"amount": "1.00", "currency": "USD"})
        for i in range(1500)
    ]
    path = write_file(tmp_path, ndjson(*hires, *moves))

    code, out, _ = cli("import", path, "--org", org.name, "--quiet", "--dry-run")

    assert code == 0, out
    assert json.loads(out)["created"] == 3000
    assert stored_counts(database) == (0, 0)


def test_an_import_names_the_people_a_rejected_hire_leaves_without_one(
    api: TestClient, org: Any, rn: str, cli: Cli, tmp_path: Path
) -> None:
    path = write_file(tmp_path, ndjson(*FILE))

    code, _, err = cli("import", path, "--org", org.name, "--quiet")

    assert code == 2
    warnings = [x for x in err.splitlines() if "warning" in x]
    assert len(warnings) == 1, err
    assert "1 person has no hire" in warnings[0]
    assert "N-2 (line 3)" in warnings[0]
    assert "N-1" not in warnings[0] and "N-3" not in warnings[0]
    person = api.get("/v1/employees", params={"external_id": "N-2"}).json()["items"][0]
    assert person["status"] == "pending"


def test_an_import_without_rejected_hires_warns_about_nothing(
    api: TestClient, org: Any, rn: str, cli: Cli, tmp_path: Path
) -> None:
    path = write_file(tmp_path, ndjson(FILE[0], FILE[1]))

    code, _, err = cli("import", path, "--org", org.name, "--quiet")

    assert code == 0
    assert "warning" not in err
