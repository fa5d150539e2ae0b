"""The machine a run happened on, the targets, and the markdown table of a run."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import fairness
from bench.importing import ImportRun
from bench.loadgen import Run
from bench.profiling import Profile

ROOT = Path(__file__).resolve().parents[1]
NOTES = Path(__file__).resolve().parent / "profile_notes.md"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
        return done.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def calibrate() -> float:
    """Return the seconds a fixed pure-Python loop takes: a yardstick for a busy machine."""
    started = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - started


def machine(postgres_version: str | None) -> dict[str, Any]:
    """Return what the run ran on."""
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": round(_memory_gib(), 1),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version or "not used",
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0].split(" [")[0] if wrk.stdout else "?",
        "packages": {
            p: _version(p) for p in ("fastapi", "starlette", "uvicorn", "sqlalchemy", "pydantic")
        },
        "commit": _git("rev-parse", "--short", "HEAD"),
        "app_modified": bool(_git("status", "--porcelain", "--", "app", "migrations")),
        "load_start": os.getloadavg()[0],
        "calibration_s": round(calibrate(), 2),
    }


@dataclass
class Measured:
    """One endpoint's run, with the ceiling runs on either side of it."""

    store: str
    key: str
    label: str
    connections: int
    run: Run
    ceiling: list[Run]

    @property
    def ceiling_rps(self) -> float:
        return sum(c.rps for c in self.ceiling) / len(self.ceiling)

    @property
    def ratio(self) -> float:
        return self.run.rps / self.ceiling_rps if self.ceiling_rps else 0.0


@dataclass
class StoreResult:
    store: str
    events: int
    employees: int
    load_seconds: float
    ceiling_runs: list[Run] = field(default_factory=list)
    measured: list[Measured] = field(default_factory=list)
    profiles: dict[str, Profile | str] = field(default_factory=dict)
    statements: dict[str, int] | str = "not measured"
    imports: list[ImportRun] = field(default_factory=list)
    skipped: str | None = None

    def get(self, key: str) -> Measured | None:
        return next((m for m in self.measured if m.key == key), None)


@dataclass(frozen=True)
class Verdict:
    target: str
    store: str
    measured: str
    met: bool | None  # None: not applicable at this size
    shortfall: str
    why: str


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def _pct(value: float) -> str:
    return f"{value:.0%}" if value >= 0.1 else f"{value:.1%}"


STORE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _why(result: StoreResult, key: str) -> str:
    profile = result.profiles.get(key)
    if isinstance(profile, Profile):
        return profile.summary(layers=3, functions=3)
    return profile or "not profiled (--no-profile)"


def _at_scale(
    result: StoreResult, *, targets: list[tuple[str, str, float]], scale: bool
) -> list[Verdict]:
    """Verdicts on p50 targets set for the 10,000-person run, one per (key, name, limit in
    ms) measured: judged only there, and below it reported as already over when it is."""
    out = []
    at_size = f"{result.employees:,} employees"
    for key, name, limit_ms in targets:
        measured = result.get(key)
        if not measured:
            continue
        p50 = measured.run.p50_ms
        met = p50 <= limit_ms and not measured.run.errors
        over = f"{p50 / limit_ms:.1f}x over" + ("" if scale else f" already at {at_size}")
        out.append(
            Verdict(
                name,
                STORE_NAMES[result.store],
                f"p50 {_ms(p50)} at {at_size}",
                met if scale else None,
                "" if met else over,
                "" if met else _why(result, key),
            )
        )
    return out


def _throughput(
    result: StoreResult, key: str, share: float, name: str, extra_p99: float | None = None
) -> list[Verdict]:
    """The verdict on one endpoint's req/s as a share of the ceiling (and its p99, if set)."""
    m = result.get(key)
    if m is None:
        return []
    problems = []
    if m.run.requests == 0:
        problems.append("no request completed within the run: the server stalled")
    elif m.ratio < share:
        problems.append(
            f"req/s {_pct(m.ratio)} of ceiling vs {_pct(share)}: {share / m.ratio:.1f}x short"
            if m.ratio
            else "no successful requests"
        )
    if extra_p99 is not None and m.run.p99_ms > extra_p99:
        problems.append(
            f"p99 {_ms(m.run.p99_ms)} vs {extra_p99:.0f} ms: {m.run.p99_ms / extra_p99:.1f}x over"
        )
    if m.run.errors:
        problems.append(f"{m.run.errors:,} errors")
    measured = f"{_pct(m.ratio)} of ceiling ({m.run.rps:,.0f} req/s)"
    if extra_p99 is not None:
        measured += f", p99 {_ms(m.run.p99_ms)}"
    return [
        Verdict(
            name,
            STORE_NAMES[result.store],
            measured,
            not problems,
            "; ".join(problems),
            _why(result, key) if problems else "",
        )
    ]


def _throughputs(result: StoreResult) -> list[Verdict]:
    """The verdicts on the endpoints judged against the ceiling."""
    return [
        *_throughput(result, "healthz", 0.85, "GET /healthz: req/s ≥ 85% of ceiling"),
        *_throughput(result, "position", 0.60, "GET /v1/positions/{id}: req/s ≥ 60% of ceiling"),
        *_throughput(
            result,
            "readiness",
            0.40,
            "readiness, warm [cache-made]: req/s ≥ 40% of ceiling, p99 ≤ 25 ms @32",
            25.0,
        ),
        *_throughput(result, "readiness_cold", 0.15, "readiness, cold: req/s ≥ 15% of ceiling"),
        *_throughput(
            result,
            "comparisons",
            0.50,
            "comparison with an employee, warm [cache-made]: ≥ 50%",
        ),
        *_throughput(result, "comparisons_cold", 0.20, "comparison with an employee, cold: ≥ 20%"),
        *_throughput(
            result, "events_post", 0.25, "record an event: req/s ≥ 25% of ceiling, no errors"
        ),
        *_throughput(
            result,
            "readiness_304",
            0.70,
            "readiness with If-None-Match matching (304): req/s ≥ 70%",
        ),
    ]


def _probes(result: StoreResult) -> list[Verdict]:
    """The verdict on readiness's cost growing with a person's history (within 2x)."""
    small, large = result.get("probe_small"), result.get("probe_large")
    if not (small and large):
        return []
    small_n, large_n = (m.label.split("readiness, ")[-1].split("-event")[0] for m in (small, large))
    latency = large.run.p50_ms / small.run.p50_ms if small.run.p50_ms else 0.0
    rate = small.run.rps / large.run.rps if large.run.rps else float("inf")
    worst = max(latency, rate)
    return [
        Verdict(
            f"readiness cost within 2x from {small_n} to {large_n} events a person",
            STORE_NAMES[result.store],
            f"p50 {latency:.2f}x, req/s {rate:.2f}x",
            worst <= 2.0 and not small.run.errors and not large.run.errors,
            "" if worst <= 2.0 else f"{worst:.1f}x vs 2x",
            "" if worst <= 2.0 else _why(result, "probe_large"),
        )
    ]


def _opportunities(result: StoreResult) -> list[Verdict]:
    """The verdict on a person's opportunities over 200 positions (p50 within 100 ms)."""
    opportunities = result.get("opportunities")
    if not opportunities:
        return []
    met = opportunities.run.p50_ms <= 100 and not opportunities.run.errors
    return [
        Verdict(
            "opportunities for a person over 200 positions: p50 ≤ 100 ms @1",
            STORE_NAMES[result.store],
            f"p50 {_ms(opportunities.run.p50_ms)}",
            met,
            "" if met else f"{opportunities.run.p50_ms / 100:.1f}x over",
            "" if met else _why(result, "opportunities"),
        )
    ]


def _statements(result: StoreResult) -> list[Verdict]:
    """The verdict on readiness's statement count staying the same whatever the history."""
    name, store = "queries per readiness request: a constant", STORE_NAMES[result.store]
    if isinstance(result.statements, str):
        return [Verdict(name, store, result.statements, False, "could not count", "")]
    if not result.statements:
        return []
    counts = sorted(set(result.statements.values()))
    detail = ", ".join(f"{k}: {v}" for k, v in result.statements.items())
    constant = len(counts) == 1
    return [
        Verdict(name, store, detail, constant, "" if constant else "grows with the history", "")
    ]


def _import_verdicts(result: StoreResult) -> list[Verdict]:
    """The verdicts on the import: its rate on SQLite, and its memory staying flat."""
    if not result.imports:
        return []
    store = STORE_NAMES[result.store]
    out = []
    big = result.imports[-1]
    rate = big.rate
    if result.store == "sqlite":
        out.append(
            Verdict(
                "bulk import ≥ 20,000 events/s on SQLite",
                store,
                f"{rate:,.0f} events/s",
                rate >= 20_000,
                "" if rate >= 20_000 else f"{20_000 / max(rate, 1e-9):,.0f}x short",
                "" if rate >= 20_000 else _why(result, "import"),
            )
        )
    if len(result.imports) >= 2:
        small_run = result.imports[0]
        growth = big.peak_rss_mb / small_run.peak_rss_mb if small_run.peak_rss_mb else 0
        flat = growth <= 1.2
        out.append(
            Verdict(
                "import peak memory flat as the file grows",
                store,
                f"peak RSS {small_run.peak_rss_mb:.0f} MB after {small_run.processed:,} "
                f"lines, {big.peak_rss_mb:.0f} MB after {big.processed:,} more",
                flat,
                "" if flat else f"peak grows {growth:.2f}x",
                "",
            )
        )
    return out


# Targets set for the 10,000-person run, in the table's order around opportunities.
_CANDIDATES_AND_REPORTS = [
    ("candidates", "candidates for a position, 10,000 × 100: p50 ≤ 1 s", 1000),
    *((key, fairness.verdict_name(key), 2000) for key in fairness.KEYS),
]
_ROUTES_AND_COVERAGE = [
    ("routes", "routes from a position, 10,000 × 100: p50 ≤ 1 s", 1000),
    ("coverage", "succession coverage, 10,000 × 100 and 200 critical positions: p50 ≤ 2 s", 2000),
]


def verdicts(result: StoreResult, *, scale: bool) -> list[Verdict]:
    """Return each target's verdict for one store."""
    return [
        *_throughputs(result),
        *_probes(result),
        *_at_scale(result, targets=_CANDIDATES_AND_REPORTS, scale=scale),
        *_opportunities(result),
        *_at_scale(result, targets=_ROUTES_AND_COVERAGE, scale=scale),
        *_statements(result),
        *_import_verdicts(result),
    ]


def _head(
    info: dict[str, Any], *, shape: dict[str, Any], options: dict[str, Any], elapsed_s: float
) -> list[str]:
    """The title and what the run ran on, with what data and under what load."""
    pk = info["packages"]
    return [
        "# Benchmark results",
        "",
        f"Latest `make bench` run, {info['date']}, {elapsed_s / 60:.1f} minutes in all.",
        "",
        f"**Machine:** {info['cores']} cores, {info['cpu']}, {info['memory_gib']} GiB memory, "
        f"Python {info['python']}, {info['os']}; SQLite {info['sqlite']}, PostgreSQL "
        f"{info['postgresql']}; {info['wrk']}; FastAPI {pk['fastapi']}, Starlette "
        f"{pk['starlette']}, uvicorn {pk['uvicorn']}, SQLAlchemy {pk['sqlalchemy']}, pydantic "
        f"{pk['pydantic']}. Commit {info['commit'] or '?'}"
        + (" with local changes to app/" if info["app_modified"] else "")
        + ".",
        "",
        f"**Load on the machine:** load average {info['load_start']:.1f} at the start and "
        f"{info.get('load_end', 0):.1f} at the end; a fixed pure-Python loop took "
        f"{info['calibration_s']:.2f} s (compare it across runs: it doubles when another "
        "process holds the core). Other "
        "processes share these 2 cores, so compare ratios to the ceiling (measured "
        "alternately with each endpoint, so drift hits both) rather than absolute numbers.",
        "",
        f"**Data:** {shape['employees']:,} employees × {shape['events']} events, plus "
        f"{shape['probes']} probe people with {shape['probe_small']} and "
        f"{shape['probe_large']:,} events each ({shape['lines']:,} events in all, "
        f"{shape['bytes'] / 1e6:.0f} MB of NDJSON), 50 positions over 5 families and 8 "
        "levels held (200 with their variants); "
        f"seed {shape['seed']}, anchored on {shape['anchor']}.",
        "",
        f"**Load:** wrk, 1 thread, {options['connections']} connections (candidates, "
        "opportunities, paths, routes, coverage and the fairness reports: 1, to "
        f"read one request's latency), {options['duration']} s a run, loopback; the service "
        "runs as `career-mobility serve` (one uvicorn worker, JSON access log to a file), the "
        "ceiling is a bare FastAPI app with one `async def` endpoint returning a constant "
        "response model, under the same server settings.",
        "",
        "**Warm and cold:** *warm* lists are read once, line by line, just before their run "
        "(the history is unchanged since), so each answer comes from the process's store of "
        "answers, checked by the versions read in the request's one statement: those rows "
        "and targets are marked *[cache-made]*. *Cold* lists get no warm-up pass and hold far "
        "more lines than a run sends, each a pair no request asked before: readiness (and the "
        "probes) another person and `as_of` day (one of the 40 days before the anchor; 400 "
        "for the 8 probe people), comparisons another person and target position; no stored "
        "answer can serve them, so they measure the whole path: versions, events, scoring, "
        "encoding. The 304 run sends each line's `ETag` from that pass as `If-None-Match`.",
    ]


def _endpoint_rows(result: StoreResult, connections: int) -> list[str]:
    """One store's rows of the endpoints table: the ceiling, each endpoint, each import."""
    store = STORE_NAMES[result.store]
    if result.skipped:
        return [f"| {store} | skipped: {result.skipped} | | | | | | | |"]
    lines = []
    ceiling = sorted(result.ceiling_runs, key=lambda r: r.rps)
    if ceiling:
        mid = ceiling[len(ceiling) // 2]
        lines.append(
            f"| {store} | ceiling (median of {len(ceiling)} runs) | "
            f"{connections} | {mid.rps:,.0f} | {_ms(mid.p50_ms)} | "
            f"{_ms(mid.p99_ms)} | {sum(r.errors for r in ceiling)} | | 100% |"
        )
    for m in result.measured:
        share = _pct(m.ratio) if m.connections == connections else "—"
        errors = f"{m.run.errors:,}" if m.run.requests else "stalled: 0 completed"
        lines.append(
            f"| {store} | {m.label} | {m.connections} | {m.run.rps:,.1f} | "
            f"{_ms(m.run.p50_ms)} | {_ms(m.run.p99_ms)} | {errors} | "
            f"{m.ceiling_rps:,.0f} | {share} |"
        )
    for run in result.imports:
        rate = run.rate
        state = f"stopped at the {run.seconds:.0f} s cap" if run.capped else f"exit {run.exit_code}"
        lines.append(
            f"| {store} | import {run.label}: {run.processed:,} of {run.file_lines:,} lines "
            f"({state}) | CLI | {rate:,.0f} events/s | | | | | |"
        )
    return lines


def _endpoints(results: list[StoreResult], connections: int) -> list[str]:
    """The table of every endpoint's throughput and latency against the ceiling."""
    lines = [
        "",
        "## Endpoints",
        "",
        "| store | endpoint | conns | req/s | p50 | p99 | errors | ceiling req/s | % of ceiling |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for result in results:
        lines += _endpoint_rows(result, connections)
    return lines


def _targets(results: list[StoreResult], *, scale: bool) -> list[str]:
    """The table of each target's verdict, and why a missed one was missed."""
    lines = [
        "",
        "## Targets",
        "",
        "| target | store | measured | verdict | why (py-spy `--gil`: the service's Python time) |",
        "|---|---|---|---|---|",
    ]
    for result in results:
        if result.skipped:
            continue
        for v in verdicts(result, scale=scale):
            verdict = (
                "met" if v.met else ("not measured at this size" if v.met is None else "**missed**")
            )
            if v.shortfall:
                verdict += f": {v.shortfall}"
            lines.append(f"| {v.target} | {v.store} | {v.measured} | {verdict} | {v.why} |")
    return lines


def _imports(results: list[StoreResult]) -> list[str]:
    """The table of the command-line imports: lines, time, rate and peak memory."""
    lines = [
        "",
        "## Import",
        "",
        "The command line's own entry point (`career-mobility import FILE --org NAME "
        "--quiet`), run in one child process per store: first the small file, then the whole "
        "history, each into its own organization of a fresh database holding only the "
        "organizations and their positions. Seconds count from the call (interpreter start-up "
        "excluded); an import still running at the cap is stopped and its committed events "
        "counted; *handled* adds the lines of the batch it was in the middle of, and gives "
        "the rate. Peak RSS is the child's high-water mark after each import: flat memory "
        "means it does not move when the whole history follows the small file.",
        "",
        "| store | file | lines in file | committed | seconds | handled | events/s | peak RSS |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for result in results:
        if result.skipped or not result.imports:
            continue
        store = STORE_NAMES[result.store]
        for run in result.imports:
            capped = " (cap)" if run.capped else ""
            lines.append(
                f"| {store} | {run.label} | {run.file_lines:,} | {run.imported:,} | "
                f"{run.seconds:.1f}{capped} | {run.processed:,} | {run.rate:,.0f} | "
                f"{run.peak_rss_mb:.0f} MB |"
            )
    return lines


def _profiles(results: list[StoreResult]) -> list[str]:
    """The table of where each profiled endpoint's time goes (nothing when none was)."""
    profiled = [r for r in results if r.profiles]
    if not profiled:
        return []
    lines = [
        "",
        "## Where the time goes",
        "",
        "py-spy `--gil`, sampling at 200 Hz whichever thread of the service holds the GIL, "
        "in a separate pass while wrk loads one endpoint (the import: while the CLI runs). "
        "*GIL held* is the share of samples that found it held: near 100%, the one worker "
        "is CPU-bound in Python. *Own time* is the layer of the innermost frame; *inside* "
        "is the share of samples with that service function on the stack (route wrappers "
        "left out).",
        "",
        "| store | endpoint | GIL held | own time by layer | inside service functions |",
        "|---|---|--:|---|---|",
    ]
    for result in profiled:
        name = STORE_NAMES[result.store]
        for key, profile in result.profiles.items():
            if isinstance(profile, str):
                lines.append(f"| {name} | {key} | | {profile} | |")
                continue
            layers = ", ".join(f"{k} {v:.0%}" for k, v in profile.layers[:5])
            fns = ", ".join(f"`{k}` {v:.0%}" for k, v in profile.functions[:5])
            busy = f"{profile.gil_busy:.0%}" if profile.gil_busy is not None else ""
            lines.append(f"| {name} | {key} | {busy} | {layers} | {fns} |")
    return lines


def render(
    info: dict[str, Any],
    results: list[StoreResult],
    *,
    shape: dict[str, Any],
    options: dict[str, Any],
    elapsed_s: float,
    include_notes: bool = True,
) -> str:
    """Return the results as markdown."""
    lines = _head(info, shape=shape, options=options, elapsed_s=elapsed_s)
    lines += _endpoints(results, options["connections"])
    lines += _targets(results, scale=options["scale"])
    lines += _imports(results)
    lines += _profiles(results)
    if include_notes and NOTES.exists():
        lines += ["", NOTES.read_text(encoding="utf-8").strip()]
    lines += [
        "",
        "---",
        f"Command: `{options['command']}`. Raw wrk reports, server logs and py-spy samples "
        "of the run are in bench/.work/.",
        "",
    ]
    return "\n".join(lines)


def python_command() -> str:
    """Return how this run was started."""
    return " ".join(["python -m bench.run", *sys.argv[1:]])
