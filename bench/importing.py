"""Measure the bulk import as an operator runs it: `career-mobility import FILE --org NAME`.

One child process runs the command line's own entry point (`app.cli.main`) once per file,
each file into its own organization of a database holding only the organizations and
their positions. The child times each import from the call on (so the interpreter's
start-up is not charged to it), reads its peak RSS from the kernel after each one (a
high-water mark: flat memory means the mark does not move when the larger file follows the
smaller one), and stops an import at the time cap: the events committed by then (the
importer commits every 1,000 lines) are counted in the database, and the lines it had
handled (its running report, read in the child) give the rate.

    python -m bench.importing DATABASE_URL RESULT.json CAP ORG=FILE [ORG=FILE ...]
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from app.models import CareerEvent

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ImportRun:
    label: str
    file_lines: int
    file_bytes: int
    imported: int
    processed: int
    seconds: float
    capped: bool
    exit_code: int | None
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        """Return lines handled per second (committed, or in the batch the cap cut short)."""
        return self.processed / self.seconds if self.seconds > 0 else 0.0


class _Capped(BaseException):
    """Raised in the child by the interval timer; not an Exception, so nothing swallows it."""


_fired: list[bool] = []


def _on_alarm(_signum: int, _frame: Any) -> None:
    # Remembered as well as raised: a driver may turn the exception into its own error on
    # the way out (psycopg cancels the query), and the command line then exits 1.
    _fired.append(True)
    raise _Capped


def _count(url: str, organization_id: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        query = select(func.count()).where(CareerEvent.organization_id == organization_id)
        n = int(conn.execute(query).scalar_one())
    engine.dispose()
    return n


def _child(argv: list[str]) -> int:
    """Run each import in this process and write what it cost (see the module docstring)."""
    url, result_path, cap_text, *jobs = argv
    cap = float(cap_text)
    # The parent sets DATABASE_URL to `url` too; this makes the child usable by hand.
    os.environ["DATABASE_URL"] = url
    from app import cli
    from app.db import get_database
    from app.services import imports
    from app.services.organizations import find_organization

    # Keep a handle on the importer the command line creates, to read its running report
    # when the cap stops it between commits.
    current: dict[str, Any] = {}
    original_init = imports.Importer.__init__

    def remember(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        current["importer"] = self

    imports.Importer.__init__ = remember  # type: ignore[method-assign]
    signal.signal(signal.SIGALRM, _on_alarm)
    out = []
    for job in jobs:
        org_name, _, path = job.partition("=")
        with get_database().transaction(write=False) as session:
            organization_id = find_organization(session, org_name).id
        printed = io.StringIO()
        capped, code = False, None
        _fired.clear()
        started = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, cap)
        try:
            with contextlib.redirect_stdout(printed):
                code = cli.main(["import", path, "--org", org_name, "--quiet"])
        except _Capped:
            capped = True
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        seconds = time.perf_counter() - started
        capped = capped or bool(_fired)
        report = current.pop("importer").report
        out.append(
            {
                "org": org_name,
                "seconds": seconds,
                "capped": capped,
                "exit_code": None if capped else code,
                "imported": _count(url, organization_id),
                "processed": report.created + report.duplicates + report.rejected,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    Path(result_path).write_text(json.dumps(out))
    return 0


def measure(
    url: str,
    files: list[tuple[str, str, Path, int]],
    workdir: Path,
    *,
    cap_s: float,
    env: dict[str, str],
) -> list[ImportRun]:
    """Import each (label, organization, file, lines) in one child; return what each cost."""
    result_path = workdir / "import-result.json"
    result_path.unlink(missing_ok=True)
    jobs = [f"{org}={path}" for _, org, path, _ in files]
    done = subprocess.run(
        [sys.executable, "-m", "bench.importing", url, str(result_path), str(cap_s), *jobs],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=cap_s * len(files) + 300,
    )
    if done.returncode != 0 or not result_path.exists():
        raise RuntimeError(f"the import child failed: {done.stderr[-3000:]}")
    rows = json.loads(result_path.read_text())
    return [
        ImportRun(
            label=label,
            file_lines=lines,
            file_bytes=path.stat().st_size,
            imported=row["imported"],
            processed=row["processed"],
            seconds=row["seconds"],
            capped=row["capped"],
            exit_code=row["exit_code"],
            peak_rss_mb=row["peak_rss_mb"],
        )
        for (label, _, path, lines), row in zip(files, rows, strict=True)
    ]


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1:]))
