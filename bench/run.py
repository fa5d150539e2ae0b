"""The benchmark, in one command: `make bench` (or `python -m bench.run`).

1. Generates a synthetic organization (seeded): 50 positions over 5 families and 8 levels
   (and 150 variants nobody holds, for the 200 positions opportunities rank),
   1,000 employees with 200 events each (`--scale`: 10,000 x 100), and probe people with
   20 and 2,000 events.
2. For each store, loads it into a fresh database and starts the service exactly as the
   Dockerfile does (`career-mobility serve`, on loopback); beside it runs the ceiling, a
   bare FastAPI app under the same server settings (bench/ceiling.py).
3. Loads each endpoint with wrk at a fixed connection count, alternating with runs of the
   ceiling so drift hits both, then imports the history with the CLI, counts statements
   per readiness request, and profiles the service with py-spy when it is installed.
4. Writes the table to bench/results.md and prints it.

    python -m bench.run                     # both stores, default size (under 10 minutes)
    python -m bench.run --store sqlite --duration 5
    python -m bench.run --scale             # 10,000 x 100, candidates and routes targets apply
    python -m bench.run --tiny              # seconds; what the smoke test runs
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench import fairness, generate, importing, loadgen, profiling, queries, report
from bench.load import (
    bulk_load,
    drop_database,
    drop_templates,
    fresh_database,
    postgres_admin_url,
    postgres_available,
    prepare,
)
from bench.servers import ROOT, Server, child_env, launch_ceiling, start_service
from bench.succession import prepare_succession

SHAPES = {
    "default": generate.Shape(employees=1000, events=200),
    "scale": generate.Shape(employees=10_000, events=100),
    "tiny": generate.Shape(employees=20, events=40, probe_large=200, probes=2),
}


# Days before the anchor the cold lists ask readiness for: lines = active people x days.
COLD_DAYS = 40
PROBE_DAYS = 400
COLD = frozenset({"readiness_cold", "comparisons_cold", "probe_small", "probe_large"})
CACHED = "[cache-made: stored answer]"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def history_file(shape: generate.Shape, workdir: Path, seed: int, anchor: date) -> dict[str, Any]:
    """Generate the history, or reuse the file of an earlier run with the same parameters."""
    path = workdir / f"history-{shape.employees}x{shape.events}-{seed}.ndjson"
    manifest_path = generate.manifest_path(path)
    if path.exists() and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest["anchor"] == anchor.isoformat() and manifest["lines"] > 0:
            log(f"reusing {path.name} ({manifest['lines']:,} events)")
            manifest["path"] = str(path)
            return manifest
    started = time.monotonic()
    manifest = generate.write(shape, path, seed=seed, anchor=anchor)
    log(f"generated {manifest['lines']:,} events in {time.monotonic() - started:.1f} s")
    manifest["path"] = str(path)
    return manifest


def request_files(org: Any, manifest: dict[str, Any], workdir: Path, store: str) -> dict[str, Path]:
    """Write the request lists rotate.lua cycles through, one per endpoint."""
    pos, emp = org.positions, org.employees
    regular = [p for p in manifest["people"] if not p[0].startswith("PROBE-")]
    active = [p for p in regular if p[2] == "active"]
    small, large = manifest["probe_sizes"]
    anchor = manifest["anchor"]

    def readiness(ext: str, code: str) -> tuple[str, str, None]:
        target = pos[generate.target_for(code)]
        return ("GET", f"/v1/employees/{emp[ext]}/readiness?target_position_id={target}", None)

    bodies = [
        {"type": "training_completed", "occurred_on": anchor, "name": "Bench Refresher"},
        {"type": "skill_acquired", "occurred_on": anchor, "name": "Negotiation"},
        {"type": "leadership_activity", "occurred_on": anchor, "name": "Led the stand-up"},
        {"type": "performance_review", "occurred_on": anchor, "rating": 4},
        {
            "type": "salary_change",
            "occurred_on": anchor,
            "salary": {"amount": "91000.00", "currency": "USD"},
        },
    ]
    start = date.fromisoformat(anchor)

    def earlier(days: int) -> str:
        # Everyone generated has worked at least 1.5 years by the anchor: still employed.
        return (start - timedelta(days=days)).isoformat()

    def readiness_on(ext: str, code: str, days: int) -> tuple[str, str, None]:
        method, path, body = readiness(ext, code)
        return (method, f"{path}&as_of={earlier(days)}", body)

    codes = sorted(pos)
    probes = {
        size: [
            (ext, code) for ext, code, _ in manifest["people"] if ext.startswith(f"PROBE-{size}-")
        ]
        for size in (small, large)
    }
    lists: dict[str, list[tuple[str, str, str | None]]] = {
        "healthz": [("GET", "/healthz", None)],
        "position": [("GET", f"/v1/positions/{pid}", None) for pid in pos.values()],
        # Warm: every line is read once before the run (`prime`): the history is unchanged
        # since, so the stored answer under the same tag answers.
        "readiness": [readiness(ext, code) for ext, code, _ in active],
        # Cold: every line a different (person, as_of) pair, never read before (no warm-up
        # pass, far more lines than a run sends): no stored answer can serve it.
        "readiness_cold": [
            readiness_on(ext, code, days)
            for days in range(1, COLD_DAYS + 1)
            for ext, code, _ in active
        ],
        "comparisons": [
            (
                "GET",
                f"/v1/comparisons?from_position_id={pos[code]}"
                f"&to_position_id={pos[generate.target_for(code)]}&employee_id={emp[ext]}",
                None,
            )
            for ext, code, _ in active
        ],
        # Cold: every line another (person, target) pair, never read before.
        "comparisons_cold": [
            (
                "GET",
                f"/v1/comparisons?from_position_id={pos[code]}"
                f"&to_position_id={pos[codes[(n + shift) % len(codes)]]}&employee_id={emp[ext]}",
                None,
            )
            for shift in range(1, len(codes))
            for n, (ext, code, _) in enumerate(active)
        ],
        "events_get": [
            ("GET", f"/v1/employees/{emp[ext]}/events?limit=50", None) for ext, _, _ in regular
        ],
        "candidates": [
            ("GET", f"/v1/positions/{pos[spec.code]}/candidates", None)
            for spec in generate.POSITIONS
        ],
        "coverage": [("GET", "/v1/succession/coverage", None)],
        "opportunities": [
            ("GET", f"/v1/employees/{emp[ext]}/opportunities?limit=50", None)
            for ext, _, _ in active
        ],
        "paths": [
            ("GET", f"/v1/mobility/paths?from_position_id={pos[spec.code]}", None)
            for spec in generate.POSITIONS
        ],
        # Two steps up, in at most five moves: the routes there take one, two or more.
        "routes": [
            (
                "GET",
                f"/v1/mobility/routes?from_position_id={pos[spec.code]}"
                f"&to_position_id={pos[generate.next_up(generate.next_up(spec.code))]}"
                "&max_steps=5",
                None,
            )
            for spec in generate.POSITIONS
        ],
        # Cold too (another as_of each line), so the history's length is what is measured.
        "probe_small": [
            readiness_on(ext, code, days)
            for days in range(PROBE_DAYS)
            for ext, code in probes[small]
        ],
        "probe_large": [
            readiness_on(ext, code, days)
            for days in range(PROBE_DAYS)
            for ext, code in probes[large]
        ],
        "events_post_8": [
            (
                "POST",
                f"/v1/employees/{emp[ext]}/events",
                json.dumps(bodies[i % len(bodies)], separators=(",", ":")),
            )
            for i, (ext, _, _) in enumerate(active)
        ],
    }
    lists["events_post"] = lists["events_post_8"]
    lists.update(fairness.requests(org, anchor))
    return {
        key: loadgen.write_requests(workdir / f"requests-{store}-{key}.txt", items)
        for key, items in lists.items()
    }


def endpoints(manifest: dict[str, Any], connections: int) -> list[tuple[str, str, int]]:
    """Return (key, label, connections) of every measured endpoint, in run order."""
    small, large = manifest["probe_sizes"]
    people = f"{manifest['employees']:,}"
    return [
        ("healthz", "GET /healthz (no key, no database)", connections),
        ("position", "GET /v1/positions/{id} (key, one primary-key read)", connections),
        ("readiness", f"GET readiness, warm {CACHED} (with a target position)", connections),
        ("readiness_cold", "GET readiness, cold (another person and as_of each)", connections),
        ("readiness_304", f"GET readiness with If-None-Match matching: 304 {CACHED}", connections),
        ("comparisons", f"GET comparisons with an employee, warm {CACHED}", connections),
        (
            "comparisons_cold",
            "GET comparisons with an employee, cold (another pair each)",
            connections,
        ),
        ("events_get", "GET events (one page of 50)", connections),
        ("candidates", f"GET candidates for a position ({people} employees)", 1),
        (
            "opportunities",
            f"GET opportunities for a person ({len(generate.ALL_POSITIONS)} positions)",
            1,
        ),
        *fairness.endpoints(people),
        ("paths", f"GET paths from a position ({people} employees)", 1),
        ("routes", f"GET routes from a position, up to 5 moves ({people} employees)", 1),
        (
            "coverage",
            f"GET succession coverage ({people} employees, 200 critical positions)",
            1,
        ),
        ("probe_small", f"GET readiness, {small}-event people, cold", connections),
        ("probe_large", f"GET readiness, {large:,}-event people, cold", connections),
        # Last: they add events, which the reads above should not see. Below the service's
        # thread pool (15 threads) first, then at the fixed connection count.
        ("events_post_8", "POST events (record one), 8 connections", min(8, connections)),
        ("events_post", "POST events (record one)", connections),
    ]


def measure_store(
    store: str,
    manifest: dict[str, Any],
    ceiling: Server,
    workdir: Path,
    args: argparse.Namespace,
) -> report.StoreResult:
    """Load one store, measure every endpoint against the ceiling, profile, import."""
    started = time.monotonic()
    url = fresh_database(store, "cm_bench_http", workdir)
    org = prepare(url, "Bench")
    events = bulk_load(org, Path(manifest["path"]))
    described = fairness.load_demographics(org)
    loaded = time.monotonic() - started
    log(f"{store}: demographics for {described:,} people")
    log(f"{store}: loaded {events:,} events in {loaded:.1f} s")
    active = [
        ext
        for ext, _, status in manifest["people"]
        if status == "active" and not ext.startswith("PROBE-")
    ]
    critical = prepare_succession(org, active, anchor=date.fromisoformat(manifest["anchor"]))
    log(f"{store}: {critical} critical positions, a talent review each, successors named")
    result = report.StoreResult(store, events, manifest["employees"], loaded)
    files = request_files(org, manifest, workdir, store)
    plan = endpoints(manifest, args.connections)
    ceiling.wait_ready()
    service = start_service(f"service-{store}", url, workdir)
    raw_reports = workdir / f"wrk-{store}.txt"
    raw_reports.write_text("")

    def load(
        key: str | None, seconds: int, connections: int, timeout_s: int | None = None
    ) -> loadgen.Run:
        target = service if key else ceiling
        path = "" if key else "/ceiling"
        run, raw = loadgen.run(
            target.url + path,
            seconds=seconds,
            connections=connections,
            requests=files[key] if key else None,
            key=org.key if key else None,
            # Slow answers are measured, not cut off; a request still waiting after this
            # long counts as an error (wrk drops those in flight when a run ends).
            timeout_s=timeout_s or (60 if connections == 1 else 10),
        )
        with raw_reports.open("a") as handle:
            handle.write(f"### {key or 'ceiling'}\n{raw}\n")
        return run

    try:
        if not args.tiny:
            log(f"{store}: warming up")
            load(None, 1, args.connections)
            for key, _, conns in plan:
                if key not in COLD and key in files:
                    load(key, 1, conns)
        # Warm means warm: every line of the warm lists read once, and their tags kept for
        # the If-None-Match run.
        tags = prime(service.url, files["readiness"], org.key)
        prime(service.url, files["comparisons"], org.key)
        files["readiness_304"] = loadgen.write_requests(
            workdir / f"requests-{store}-readiness_304.txt",
            [(m, p, None, tags[p]) for m, p in loadgen.read_requests(files["readiness"])],
        )
        previous = load(None, args.duration, args.connections)
        result.ceiling_runs.append(previous)
        for number, (key, label, conns) in enumerate(plan):
            seconds, timeout = args.duration, None
            if conns == 1:
                # A run must see a few whole requests: time one first, and stretch the run.
                one = time_one(service.url, files[key], org.key)
                seconds = max(args.duration, min(int(3 * one) + 1, 180))
                timeout = max(60, int(3 * one) + 5)
            run = load(key, seconds, conns, timeout)
            # Let requests still in flight when wrk stopped finish before the next run.
            time.sleep(min(run.p99_ms / 1000, 5.0) if run.p99_ms > 200 else 0)
            log(
                f"{store}: {label}: {run.rps:,.1f} req/s, p50 {run.p50_ms:.1f} ms, "
                f"p99 {run.p99_ms:.1f} ms, {run.errors} errors"
            )
            # The tiny run checks the machinery: one ceiling run on either side is enough.
            if not args.tiny or number == len(plan) - 1:
                following = load(None, args.duration, args.connections)
                result.ceiling_runs.append(following)
            else:
                following = previous
            result.measured.append(
                report.Measured(store, key, label, conns, run, [previous, following])
            )
            previous = following
        if args.profile:
            # Candidates last: its slow requests outlive wrk's run and would leak into the next.
            for key in (
                "position",
                "readiness",
                "readiness_cold",
                "comparisons_cold",
                "events_post",
                "probe_large",
                "opportunities",
                "routes",
                "candidates",
                "coverage",
            ):
                if key == "readiness":
                    # The POST runs above moved the histories: warm the list again.
                    prime(service.url, files[key], org.key)
                result.profiles[key] = profile_endpoint(
                    service, key, files[key], org.key, workdir, store, args
                )
    finally:
        service.stop()
    small, large = manifest["probe_sizes"]
    probe = {size: f"PROBE-{size}-01" for size in (small, large)}
    result.statements = queries.statements_per_request(
        url,
        org.key,
        {
            f"{size:,} events": (
                f"/v1/employees/{org.employees[ext]}/readiness"
                f"?target_position_id={org.positions[generate.target_for(_final(manifest, ext))]}"
            )
            for size, ext in probe.items()
        },
    )
    log(f"{store}: statements per readiness request: {result.statements}")
    drop_database(store, url)
    measure_imports(store, manifest, workdir, args, result)
    return result


def prime(base_url: str, requests: Path, api_key: str) -> dict[str, str]:
    """GET every line of a request file once; return each path's ETag."""
    import httpx

    tags = {}
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        for method, path in loadgen.read_requests(requests):
            response = client.request(method, path)
            if response.status_code != 200:
                raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
            tags[path] = response.headers.get("etag", "")
    return tags


def time_one(base_url: str, requests: Path, api_key: str) -> float:
    """Return the seconds one request of a request file takes, alone."""
    target = requests.read_text().splitlines()[0].split("\t")[1]
    request = urllib.request.Request(
        base_url + target, headers={"Authorization": f"Bearer {api_key}"}
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=600) as answer:
        answer.read()
    return time.monotonic() - started


def _final(manifest: dict[str, Any], external_id: str) -> str:
    return next(code for ext, code, _ in manifest["people"] if ext == external_id)


def profile_endpoint(
    service: Server,
    key: str,
    requests: Path,
    api_key: str,
    workdir: Path,
    store: str,
    args: argparse.Namespace,
) -> profiling.Profile | str:
    """Sample the service with py-spy while wrk loads one endpoint."""
    exe = loadgen.wrk_path()
    seconds = args.profile_seconds
    conns = (
        1
        if key in ("candidates", "opportunities", "paths", "routes", "coverage")
        else args.connections
    )
    load = subprocess.Popen(
        [
            str(exe),
            "-t1",
            f"-c{conns}",
            f"-d{seconds + 2}s",
            "--timeout=30s",
            "-s",
            str(loadgen.ROTATE),
            service.url,
            "--",
            str(requests),
            api_key,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1)
        profile = profiling.record(
            service.process.pid, seconds, workdir / f"py-spy-{store}-{key}.txt"
        )
    finally:
        load.wait(timeout=seconds + 60)
    if isinstance(profile, profiling.Profile):
        log(f"{store}: profile {key}: {profile.summary()}")
    return profile


def measure_imports(
    store: str,
    manifest: dict[str, Any],
    workdir: Path,
    args: argparse.Namespace,
    result: report.StoreResult,
) -> None:
    """Import the first few people, then the whole history, with the CLI, in one child."""
    full = Path(manifest["path"])
    first = 1 if args.tiny else 5
    small = workdir / f"history-first-{first}.ndjson"
    small_lines = generate.head(full, small, first)
    url = fresh_database(store, "cm_bench_import", workdir)
    prepare(url, "Import Small")
    prepare(url, "Import Whole")
    try:
        result.imports = importing.measure(
            url,
            [
                (f"first {first} people", "Import Small", small, small_lines),
                ("whole history", "Import Whole", full, manifest["lines"]),
            ],
            workdir,
            cap_s=args.import_cap,
            env=child_env(DATABASE_URL=url),
        )
    finally:
        drop_database(store, url)
    for run in result.imports:
        log(
            f"{store}: import {run.label}: {run.imported:,} events in {run.seconds:.1f} s "
            f"({run.rate:,.0f}/s), peak RSS {run.peak_rss_mb:.0f} MB"
        )
    if args.profile:
        result.profiles["import"] = profile_import(store, full, workdir, args)


def profile_import(
    store: str, path: Path, workdir: Path, args: argparse.Namespace
) -> profiling.Profile | str:
    """Sample the import with py-spy for a few seconds of its run."""
    url = fresh_database(store, "cm_bench_import_profile", workdir)
    prepare(url, "Import Profile")
    result_path = workdir / "import-profile.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.importing",
            url,
            str(result_path),
            str(args.profile_seconds + 30),
            f"Import Profile={path}",
        ],
        cwd=ROOT,
        env=child_env(DATABASE_URL=url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(6)  # past the interpreter's start-up and the imports of the app
        profile = profiling.record(
            process.pid, args.profile_seconds, workdir / f"py-spy-{store}-import.txt"
        )
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait()
        drop_database(store, url)
    if isinstance(profile, profiling.Profile):
        log(f"{store}: profile import: {profile.summary()}")
    return profile


def _postgres_version() -> str | None:
    try:
        engine = create_engine(postgres_admin_url())
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar_one())
        engine.dispose()
        return version.split()[0]
    except Exception:  # noqa: BLE001 - only for the machine line
        return None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0]
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--scale", action="store_true", help="10,000 employees x 100 events")
    size.add_argument("--tiny", action="store_true", help="a few seconds: for the smoke test")
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--duration", type=int, help="seconds a wrk run (default 6; tiny 1)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument(
        "--import-cap", type=float, help="seconds an import may run (default 40; tiny 2)"
    )
    parser.add_argument(
        "--profile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="profile with py-spy (default: on when installed, off with --tiny)",
    )
    parser.add_argument("--profile-seconds", type=int, default=4)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / ".work")
    parser.add_argument(
        "--output",
        type=Path,
        help="markdown table (default bench/results.md; --scale: bench/results-scale.md; "
        "tiny: workdir)",
    )
    args = parser.parse_args(argv)
    args.duration = args.duration or (1 if args.tiny else 6)
    args.import_cap = args.import_cap or (2.0 if args.tiny else 40.0)
    if args.profile is None:
        args.profile = not args.tiny and profiling.py_spy() is not None
    if args.output is None:
        name = "results-scale.md" if args.scale else "results.md"
        args.output = args.workdir / "results-tiny.md" if args.tiny else ROOT / "bench" / name
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if loadgen.wrk_path() is None:
        print("bench: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    started = time.monotonic()
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    shape = SHAPES["tiny" if args.tiny else "scale" if args.scale else "default"]
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    unavailable = postgres_available() if "postgresql" in stores else None
    if unavailable and args.store == "postgresql":
        print(f"bench: PostgreSQL is not available: {unavailable}", file=sys.stderr)
        return 1
    info = report.machine(_postgres_version() if "postgresql" in stores else None)
    manifest = history_file(shape, workdir, args.seed, date.today())
    results = []
    ceiling = launch_ceiling(workdir)
    try:
        for store in stores:
            if store == "postgresql" and unavailable:
                skipped = report.StoreResult(store, 0, shape.employees, 0.0)
                skipped.skipped = f"PostgreSQL not available ({unavailable})"
                results.append(skipped)
                continue
            try:
                results.append(measure_store(store, manifest, ceiling, workdir, args))
            except Exception as exc:  # noqa: BLE001 - one store failing still reports the other
                log(f"{store}: failed: {type(exc).__name__}: {exc}")
                failed = report.StoreResult(store, 0, shape.employees, 0.0)
                failed.skipped = f"failed: {type(exc).__name__}: {str(exc).splitlines()[0]}"
                results.append(failed)
    finally:
        ceiling.stop()
        drop_templates()
    info["load_end"] = os.getloadavg()[0]
    options = {
        "connections": args.connections,
        "duration": args.duration,
        "scale": args.scale,
        "command": report.python_command(),
    }
    shape_info = {
        **asdict(shape),
        "seed": args.seed,
        "anchor": manifest["anchor"],
        "lines": manifest["lines"],
        "bytes": manifest["bytes"],
    }
    elapsed = time.monotonic() - started
    markdown = report.render(
        info, results, shape=shape_info, options=options, elapsed_s=elapsed, include_notes=True
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(markdown, encoding="utf-8")
    (workdir / "results.json").write_text(
        json.dumps(
            {
                "machine": info,
                "shape": shape_info,
                "options": options,
                "elapsed_s": elapsed,
                "results": [_jsonable(r, scale=args.scale) for r in results],
            },
            indent=2,
            default=str,
        )
    )
    print(markdown)
    log(f"done in {elapsed / 60:.1f} minutes; table in {args.output}")
    return 0


def _jsonable(result: report.StoreResult, *, scale: bool) -> dict[str, Any]:
    data = asdict(result)
    data["profiles"] = {
        k: (p.summary() if isinstance(p, profiling.Profile) else p)
        for k, p in result.profiles.items()
    }
    data["verdicts"] = [asdict(v) for v in report.verdicts(result, scale=scale)]
    return data


if __name__ == "__main__":
    raise SystemExit(main())
