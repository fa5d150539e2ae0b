"""The markdown of a run (`bench.report.render`) from fixed figures: every section and row
a run can produce, with each verdict met or missed, so a change to how it is written
shows here rather than in the next `make bench`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the bench package lives beside app/, outside the wheel

from bench import fairness, report  # noqa: E402
from bench.importing import ImportRun  # noqa: E402
from bench.loadgen import Run  # noqa: E402
from bench.profiling import Profile  # noqa: E402

INFO: dict[str, Any] = {
    "date": "2026-12-06 10:00 UTC",
    "cores": 2,
    "cpu": "Test CPU",
    "memory_gib": 7.8,
    "python": "3.12.1",
    "os": "Linux 6.1",
    "sqlite": "3.45.1",
    "postgresql": "16.2",
    "wrk": "wrk 4.2.0",
    "packages": {
        "fastapi": "0.115.0",
        "starlette": "0.38.0",
        "uvicorn": "0.30.0",
        "sqlalchemy": "2.0.30",
        "pydantic": "2.8.0",
    },
    "commit": "abc1234",
    "app_modified": True,
    "load_start": 0.4,
    "load_end": 1.2,
    "calibration_s": 0.21,
}
SHAPE: dict[str, Any] = {
    "employees": 1000,
    "events": 200,
    "probes": 8,
    "probe_small": 20,
    "probe_large": 2000,
    "lines": 216_000,
    "bytes": 54_000_000,
    "seed": 7,
    "anchor": "2026-11-30",
}
OPTIONS: dict[str, Any] = {
    "connections": 32,
    "duration": 10,
    "scale": False,
    "command": "python -m bench.run --quick",
}


def _run(rps: float, p50: float, p99: float, *, errors: int = 0, requests: int = 1000) -> Run:
    return Run(requests, 10.0, rps, p50, p99, errors, 0)


def _measured(key: str, label: str, run: Run, *, connections: int = 32) -> report.Measured:
    ceiling = [_run(5000, 5, 9), _run(6000, 4, 8)]
    return report.Measured("sqlite", key, label, connections, run, ceiling)


def _sqlite() -> report.StoreResult:
    result = report.StoreResult("sqlite", 200_000, 1000, 40.0)
    result.ceiling_runs = [_run(5000, 5, 9), _run(5500, 4.5, 8), _run(6000, 4, 8)]
    result.measured = [
        _measured("healthz", "GET /healthz", _run(5000, 6, 12)),
        _measured("position", "GET /v1/positions/{id}", _run(700, 40, 150)),
        _measured("readiness", "readiness, warm", _run(1100, 25, 178)),
        _measured("readiness_cold", "readiness, cold", _run(0, 0, 0, requests=0)),
        _measured("comparisons", "comparisons, warm", _run(3000, 9, 20, errors=3)),
        _measured("comparisons_cold", "comparisons, cold", _run(0.5, 900, 1200)),
        _measured("events_post", "POST events", _run(1500, 20, 40)),
        _measured("readiness_304", "readiness 304", _run(4000, 7, 11)),
        _measured("probe_small", "readiness, 20-event person", _run(900, 30, 60)),
        _measured("probe_large", "readiness, 2,000-event person", _run(300, 90, 250)),
        _measured("candidates", "candidates", _run(2, 450, 600), connections=1),
        _measured("fairness_readiness", "fairness readiness", _run(1, 2500, 2600), connections=1),
        _measured("opportunities", "opportunities", _run(20, 50, 70), connections=1),
        _measured("routes", "routes", _run(3, 300, 400), connections=1),
        _measured("coverage", "coverage", _run(0.3, 3000, 3200, errors=1), connections=1),
    ]
    result.profiles = {
        "readiness": Profile(500, [("FastAPI", 0.37), ("SQLAlchemy", 0.22)], [("f", 0.11)], 0.62),
        "comparisons_cold": Profile(0, [], []),
        "position": "py-spy failed: permission denied",
        "import": Profile(100, [("app", 0.5)], [("`w`", 0.4)]),
    }
    result.statements = {"readiness 20": 2, "readiness 2,000": 2}
    result.imports = [
        ImportRun("small file", 20_000, 5_000_000, 20_000, 20_000, 1.0, False, 0, 120.0),
        ImportRun("whole history", 216_000, 54_000_000, 90_000, 95_000, 10.0, True, None, 200.0),
    ]
    return result


def _postgresql() -> report.StoreResult:
    result = report.StoreResult("postgresql", 200_000, 1000, 60.0)
    result.ceiling_runs = [_run(5000, 5, 9)]
    result.measured = [
        _measured("position", "GET /v1/positions/{id}", _run(4000, 6, 9)),
        _measured("opportunities", "opportunities", _run(5, 200, 300), connections=1),
    ]
    result.statements = "not measured"
    result.imports = [
        ImportRun("small file", 20_000, 5_000_000, 20_000, 20_000, 2.0, False, 0, 100.0)
    ]
    return result


def _render(**options: Any) -> str:
    results = [
        _sqlite(),
        _postgresql(),
        report.StoreResult("sqlite", 0, 0, 0.0, skipped="no wrk"),
    ]
    return report.render(
        INFO,
        results,
        shape=SHAPE,
        options={**OPTIONS, **options},
        elapsed_s=630.0,
        include_notes=False,
    )


def _section(markdown: str, title: str) -> list[str]:
    lines = markdown.split("\n")
    start = lines.index(f"## {title}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), None)
    return lines[start:end]


def test_the_head_names_the_machine_the_data_and_the_load() -> None:
    markdown = _render()

    assert markdown.startswith("# Benchmark results\n\nLatest `make bench` run, 2026-12-06")
    assert "10.5 minutes in all" in markdown
    assert "Commit abc1234 with local changes to app/." in markdown
    assert "load average 0.4 at the start and 1.2 at the end" in markdown
    assert "**Data:** 1,000 employees × 200 events" in markdown
    assert "(216,000 events in all, 54 MB of NDJSON)" in markdown
    assert "wrk, 1 thread, 32 connections" in markdown
    assert markdown.endswith(
        "---\nCommand: `python -m bench.run --quick`. Raw wrk reports, server logs and "
        "py-spy samples of the run are in bench/.work/.\n"
    )


def test_the_endpoints_table_has_the_ceiling_each_run_and_each_import() -> None:
    rows = _section(_render(), "Endpoints")

    assert (
        "| SQLite | ceiling (median of 3 runs) | 32 | 5,500 | 4.5 ms | 8.0 ms | 0 | | 100% |"
        in (rows)
    )
    assert "| SQLite | readiness, warm | 32 | 1,100.0 | 25.0 ms | 178 ms | 0 | 5,500 | 20% |" in (
        rows
    )
    assert any("readiness, cold" in r and "stalled: 0 completed" in r for r in rows)
    assert "| SQLite | candidates | 1 | 2.0 | 450 ms | 600 ms | 0 | 5,500 | — |" in rows
    assert (
        "| SQLite | import whole history: 95,000 of 216,000 lines (stopped at the 10 s cap) "
        "| CLI | 9,500 events/s | | | | | |" in rows
    )
    assert "| SQLite | skipped: no wrk | | | | | | | |" in rows


def test_each_target_is_met_missed_or_not_measured_at_this_size() -> None:
    rows = _section(_render(), "Targets")
    verdict = {tuple(r.split(" | ")[:2]): r.split(" | ")[3] for r in rows if r.startswith("| ")}

    assert verdict[("| GET /healthz: req/s ≥ 85% of ceiling", "SQLite")] == "met"
    assert verdict[("| GET /v1/positions/{id}: req/s ≥ 60% of ceiling", "SQLite")].startswith(
        "**missed**: req/s 13% of ceiling vs 60%"
    )
    assert (
        "p99 178 ms vs 25 ms: 7.1x over"
        in verdict[
            ("| readiness, warm [cache-made]: req/s ≥ 40% of ceiling, p99 ≤ 25 ms @32", "SQLite")
        ]
    )
    assert verdict[("| readiness, cold: req/s ≥ 15% of ceiling", "SQLite")] == (
        "**missed**: no request completed within the run: the server stalled"
    )
    assert verdict[("| candidates for a position, 10,000 × 100: p50 ≤ 1 s", "SQLite")] == (
        "not measured at this size"
    )
    assert verdict[("| " + fairness.verdict_name("fairness_readiness"), "SQLite")] == (
        "not measured at this size: 1.2x over already at 1,000 employees"
    )
    assert verdict[("| readiness cost within 2x from 20 to 2,000 events a person", "SQLite")] == (
        "**missed**: 3.0x vs 2x"
    )
    assert verdict[("| queries per readiness request: a constant", "SQLite")] == "met"
    assert verdict[("| queries per readiness request: a constant", "PostgreSQL")] == (
        "**missed**: could not count"
    )
    assert verdict[("| bulk import ≥ 20,000 events/s on SQLite", "SQLite")] == (
        "**missed**: 2x short"
    )
    assert verdict[("| import peak memory flat as the file grows", "SQLite")] == (
        "**missed**: peak grows 1.67x"
    )
    assert verdict[
        ("| opportunities for a person over 200 positions: p50 ≤ 100 ms @1", "PostgreSQL")
    ] == ("**missed**: 2.0x over")


def test_at_scale_the_ten_thousand_person_targets_are_judged() -> None:
    rows = _section(_render(scale=True), "Targets")

    assert any(r.startswith("| candidates for a position") and "| met |" in r for r in rows)
    assert any(
        r.startswith("| succession coverage") and "| **missed**: 1.5x over |" in r for r in rows
    )


def test_the_import_and_profile_sections_list_every_store_that_has_them() -> None:
    markdown = _render()
    imports = _section(markdown, "Import")
    profiles = _section(markdown, "Where the time goes")

    assert (
        "| SQLite | whole history | 216,000 | 90,000 | 10.0 (cap) | 95,000 | 9,500 | 200 MB |"
        in imports
    )
    assert "| PostgreSQL | small file | 20,000 | 20,000 | 2.0 | 20,000 | 10,000 | 100 MB |" in (
        imports
    )
    assert "| SQLite | readiness | 62% | FastAPI 37%, SQLAlchemy 22% | `f` 11% |" in profiles
    assert "| SQLite | position | | py-spy failed: permission denied | |" in profiles
    assert "| SQLite | import |  | app 50% | ``w`` 40% |" in profiles
