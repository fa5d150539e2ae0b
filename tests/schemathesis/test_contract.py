"""Hostile input: Schemathesis against the committed openapi.json (its `x-pattern`s read as
`pattern`s) and a live server.

For each store, a real `career-mobility serve` on a fresh database, an organization made
with the command line, and `st run` with every check (`--checks all`), positive and
negative data (`--mode all`) and all four phases (examples, coverage, fuzzing, stateful).
The run must end with no failure at all. `schemathesis.toml` beside this file holds the
few per-operation allowances, each with its reason; `hooks.py` sends NDJSON bodies.

The seed is fixed, so a run is repeatable; set SCHEMATHESIS_SEED to explore others and
SCHEMATHESIS_MAX_EXAMPLES for a longer run (CI keeps the default, about a minute a store).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.concurrency.servers import BIN, ROOT, Launcher, create_org

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "30")
SEED = os.environ.get("SCHEMATHESIS_SEED", "7")
RUN_TIMEOUT = 600


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_schemathesis_finds_nothing(store_url: str, launch: Launcher, tmp_path: Path) -> None:
    server = launch(store_url)
    keys = create_org(store_url, "Contract Health")
    report = tmp_path / "schemathesis.txt"
    # The document keeps its long validation patterns under `x-pattern`, out of a reader's
    # way; the generator needs them back to make data the service accepts.
    document = tmp_path / "openapi.json"
    document.write_text((ROOT / "openapi.json").read_text().replace('"x-pattern"', '"pattern"'))
    command = [
        str(BIN / "st"),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "--no-color",
        "run",
        str(document),
        "--url",
        server.url,
        "--header",
        f"Authorization: Bearer {keys.admin}",
        "--checks",
        "all",
        "--mode",
        "all",
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
    ]
    with report.open("w") as out:
        done = subprocess.run(
            command,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=RUN_TIMEOUT,
            check=False,
            env={**os.environ, "NO_COLOR": "1"},
        )
    text = report.read_text(errors="replace")
    server_errors = [
        line for line in server.log_tail(10_000).splitlines() if "unhandled error" in line
    ]
    assert done.returncode == 0, f"schemathesis exited {done.returncode}:\n{text[-12_000:]}"
    assert " passed" in text, text[-2000:]
    assert not server_errors, server_errors[:3]
