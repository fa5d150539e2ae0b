"""The benchmark keeps working: a tiny run end to end, and the pieces it trusts.

The tiny run (20 people, one 1-second wrk run per endpoint, SQLite) checks the machinery,
not the service's speed: every row of the table is there, every endpoint answered without
an error. `make bench` is the real measurement and is not part of `make test`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from tests.factories import bearer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the bench package lives beside app/, outside the wheel

from bench import generate, loadgen  # noqa: E402
from bench.load import bulk_load, prepare  # noqa: E402

WRK_REPORT = """\
Running 6s test @ http://127.0.0.1:41234
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.47ms    3.10ms  61.02ms   90.12%
    Req/Sec     2.57k   201.43     2.90k    80.00%
  Latency Distribution
     50%  812.00us
     75%   13.20ms
     90%   15.01ms
     99%    1.02s
  15381 requests in 6.00s, 4.12MB read
  Non-2xx or 3xx responses: 7
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:   2563.35
Transfer/sec:    703.29KB
"""


def test_wrk_latency_report_is_read_with_its_units() -> None:
    run = loadgen.parse(WRK_REPORT)
    assert run.requests == 15381
    assert run.seconds == pytest.approx(6.0)
    assert run.rps == pytest.approx(2563.35)
    assert run.p50_ms == pytest.approx(0.812)
    assert run.p99_ms == pytest.approx(1020.0)
    assert (run.non_2xx, run.socket_errors, run.errors) == (7, 3, 10)


def test_generated_history_is_seeded_and_every_person_has_their_events(tmp_path: Path) -> None:
    shape = generate.Shape(employees=5, events=30, probe_large=60, probes=1)
    first = generate.write(shape, tmp_path / "a.ndjson", seed=7, anchor=date(2026, 1, 15))
    again = generate.write(shape, tmp_path / "b.ndjson", seed=7, anchor=date(2026, 1, 15))
    assert (tmp_path / "a.ndjson").read_bytes() == (tmp_path / "b.ndjson").read_bytes()
    assert first["lines"] == again["lines"] == 5 * 30 + 20 + 60
    lines = [json.loads(line) for line in (tmp_path / "a.ndjson").read_text().splitlines()]
    per_person: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        per_person.setdefault(line["employee_external_id"], []).append(line)
    assert [len(v) for v in per_person.values()] == [30] * 5 + [20, 60]
    for events in per_person.values():
        assert events[0]["type"] == "hire"
        days = [e["occurred_on"] for e in events]
        assert days == sorted(days) and days[-1] <= "2026-01-15"
    assert len(generate.POSITIONS) == 50
    assert {p.family for p in generate.POSITIONS} == {f["name"] for f in generate.FAMILIES.values()}
    assert {p.level for p in generate.POSITIONS} == set(range(1, 9))


def _view(client: TestClient, key: str, employee_id: str, target: str) -> dict[str, Any]:
    headers = bearer(key)
    events = client.get(
        f"/v1/employees/{employee_id}/events", params={"limit": 500}, headers=headers
    ).json()["items"]
    readiness = client.get(
        f"/v1/employees/{employee_id}/readiness",
        params={"target_position_id": target},
        headers=headers,
    ).json()
    return {
        "events": [
            (e["type"], e["occurred_on"], e["classification"], e["salary"], e["rating"], e["name"])
            for e in events
        ],
        "score": readiness["score"],
        "band": readiness["band"],
        "components": [(c["name"], c["score"]) for c in readiness["components"]],
    }


def test_bulk_loader_writes_what_the_import_writes(
    client: TestClient, database: Database, tmp_path: Path
) -> None:
    """The benchmark loads its data around the service; the service must not tell."""
    history = tmp_path / "history.ndjson"
    shape = generate.Shape(employees=3, events=40, probe_large=50, probes=1)
    manifest = generate.write(shape, history, seed=11, anchor=date.today())
    url = database.url
    imported = prepare(url, "Through The Import")
    loaded = prepare(url, "Through The Loader")
    response = client.post(
        "/v1/imports",
        content=history.read_bytes(),
        headers={**bearer(imported.key), "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == manifest["lines"]
    assert bulk_load(loaded, history) == manifest["lines"]

    for external_id, final_code, _ in manifest["people"]:
        target = generate.next_up(final_code)
        views = []
        for org in (imported, loaded):
            found = client.get(
                "/v1/employees",
                params={"external_id": external_id},
                headers=bearer(org.key),
            ).json()["items"]
            views.append(_view(client, org.key, found[0]["id"], org.positions[target]))
        assert views[0] == views[1], external_id

    # The loader writes the position holdings beside the events, as the import keeps them.
    seen = 0
    for code in imported.positions:
        answers = []
        for org in (imported, loaded):
            response = client.get(
                "/v1/mobility/paths",
                params={"from_position_id": org.positions[code]},
                headers=bearer(org.key),
            )
            assert response.status_code == 200, response.text
            items = response.json()["items"]
            seen += len(items)
            # Ties are ordered by position id, which differs between the two organizations.
            answers.append(
                sorted(
                    ({k: v for k, v in p.items() if k != "to_position_id"} for p in items),
                    key=lambda p: p["to_position_code"],
                )
            )
        assert answers[0] == answers[1], code
    assert seen > 0


@pytest.mark.slow
def test_tiny_benchmark_produces_every_row_without_errors(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk); the benchmark drives it")
    output = tmp_path / "results.md"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--tiny",
            "--store",
            "sqlite",
            # Below the service's thread pool: this checks the machinery, not contention.
            "--connections",
            "4",
            "--no-profile",
            "--workdir",
            str(tmp_path),
            "--output",
            str(output),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    table = output.read_text()
    assert done.stdout.strip().startswith("# Benchmark results")
    for heading in ("## Endpoints", "## Targets", "## Import", "**Machine:**"):
        assert heading in table
    assert "cores" in table and "Python" in table and "GiB memory" in table

    data = json.loads((tmp_path / "results.json").read_text())
    (store,) = data["results"]
    keys = [m["key"] for m in store["measured"]]
    assert keys == [
        "healthz",
        "position",
        "readiness",
        "readiness_cold",
        "readiness_304",
        "comparisons",
        "comparisons_cold",
        "events_get",
        "candidates",
        "opportunities",
        "fairness_readiness",
        "fairness_promotions",
        "fairness_pay",
        "paths",
        "routes",
        "coverage",
        "probe_small",
        "probe_large",
        "events_post_8",
        "events_post",
    ]
    for measured in store["measured"]:
        assert measured["label"] in table
        run = measured["run"]
        assert run["requests"] > 0, measured["label"]
        assert run["non_2xx"] == 0 and run["socket_errors"] == 0, measured["label"]
    assert all(r["non_2xx"] + r["socket_errors"] == 0 for r in store["ceiling_runs"])
    statements = store["statements"]
    assert set(statements) == {"20 events", "200 events"}
    assert len(set(statements.values())) == 1
    assert [i["label"] for i in store["imports"]] == ["first 1 people", "whole history"]
    assert all(i["processed"] > 0 for i in store["imports"])
    targets = {v["target"] for v in store["verdicts"]}
    assert len(targets) == 19, targets
    assert "opportunities for a person over 200 positions: p50 ≤ 100 ms @1" in targets
