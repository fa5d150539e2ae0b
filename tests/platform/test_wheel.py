"""The container image, proven without a container engine.

The Dockerfile passes hadolint and has the shape the platform expects (two slim stages,
the wheel installed into a venv, a numeric non-root user, a HEALTHCHECK, port 8000). What
the image relies on is then done by hand: the wheel is built from exactly the files the
build stage copies, installed into a fresh venv outside the source tree, and from there
`career-mobility migrate`, `serve`, `orgs create` and the HEALTHCHECK command all work:
the migrations travel inside the wheel.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.migrate import head_revision
from tests.platform.liveserver import running_server, server_env

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


@dataclass
class Instruction:
    keyword: str
    argument: str
    line: int


def instructions(stage: int | None = None) -> list[Instruction]:
    """Return the Dockerfile's instructions (continuations joined), of one stage if asked."""
    found: list[Instruction] = []
    pending, start = "", 0
    for number, raw in enumerate(DOCKERFILE.read_text().splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, argument = (pending + line).partition(" ")
        found.append(Instruction(keyword.upper(), argument.strip(), start))
        pending = ""
    if stage is None:
        return found
    stages: list[list[Instruction]] = []
    for instruction in found:
        if instruction.keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages[stage]


def the(keyword: str, stage: int | None = None) -> list[Instruction]:
    return [i for i in instructions(stage) if i.keyword == keyword]


def exec_form(argument: str) -> list[str]:
    """Return the JSON array of a CMD / HEALTHCHECK CMD in exec form."""
    array = argument[argument.index("[") :]
    parsed = json.loads(array)
    assert isinstance(parsed, list) and all(isinstance(p, str) for p in parsed), argument
    return parsed


def tool(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[dev]'")
    return found


# --- the Dockerfile --------------------------------------------------------------------------


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [tool("hadolint"), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_builds_a_wheel_then_runs_it_slim_and_unprivileged() -> None:
    stages = the("FROM")
    assert len(stages) == 2, "two stages: build the wheel, then run it"
    for stage in stages:
        assert re.match(r"python:3\.1[1-9][\w.]*-slim\b", stage.argument), stage.argument
    assert stages[0].argument.split()[-1] == "build"

    build = " ".join(i.argument for i in the("RUN", 0))
    assert "-m build --wheel" in build or "pip wheel" in build

    # The build stage installs the wheel into a virtualenv without pip, from the lock.
    assert "python -m venv --without-pip /opt/venv" in build
    assert "--constraint requirements.lock /dist/*.whl" in build
    assert all(
        "--constraint requirements.lock" in i.argument
        for i in the("RUN", 0)
        if "pip install" in i.argument
    )

    runtime = instructions(1)
    copies = [i.argument for i in runtime if i.keyword == "COPY"]
    assert copies == ["--from=build /opt/venv /opt/venv"], "the runtime gets only the venv"
    installs = " ".join(i.argument for i in runtime if i.keyword == "RUN")
    assert "pip install" not in installs

    users = the("USER", 1)
    assert users, "the runtime stage must drop root"
    user, group = users[-1].argument.split(":")
    assert user.isdigit() and int(user) > 0, "a numeric, non-root user"
    assert group == "0", "group 0, as OpenShift's arbitrary uids are"
    assert f"--uid {user}" in installs, "the user exists in the image"
    assert "chown 10001:0 /data" in installs and "chmod 2775 /data" in installs

    assert [i.argument for i in the("EXPOSE", 1)] == ["8000"]
    (healthcheck,) = the("HEALTHCHECK", 1)
    probe = " ".join(exec_form(healthcheck.argument))
    assert "/healthz" in probe and "os.environ.get('PORT', '8000')" in probe
    assert "--interval=5s" in healthcheck.argument, "the first probe comes after one interval"
    (cmd,) = the("CMD", 1)
    assert exec_form(cmd.argument) == ["career-mobility", "serve", "--host", "0.0.0.0"]
    assert not DOCKERFILE.read_text().startswith("# syntax"), "no frontend image to fetch"
    env = " ".join(i.argument for i in the("ENV", 1))
    assert "DATABASE_URL=" in env and "WEB_CONCURRENCY=1" in env and "PORT=8000" in env


# --- what the image relies on, by hand -------------------------------------------------------


def build_context(into: Path) -> Path:
    """Copy what the build stage's COPY instructions copy, and nothing else."""
    ignored = shutil.ignore_patterns("__pycache__", "*.pyc", "*.db")
    into.mkdir(parents=True)
    for copy in the("COPY", 0):
        *sources, destination = shlex.split(copy.argument)
        assert not any(s.startswith("--") for s in sources), copy.argument
        for source in sources:
            # Each lands where it is in the checkout, relative to the WORKDIR.
            assert destination.rstrip("/") in (".", f"./{source}"), copy.argument
            path = ROOT / source
            if path.is_dir():
                shutil.copytree(path, into / source, ignore=ignored)
            else:
                shutil.copy2(path, into / source)
    return into


def run(command: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, (
        f"{command} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_the_wheel_installs_outside_the_tree_and_migrates_serves_and_answers(
    tmp_path: Path,
) -> None:
    assert ROOT not in tmp_path.parents
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    # 1. Build the wheel from the build stage's files alone, as `docker build` would.
    context = build_context(tmp_path / "context")
    dist = tmp_path / "dist"
    run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(context)],
        cwd=context,
        env=env,
    )
    (wheel,) = dist.glob("career_mobility-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "career-mobility = app.cli:main" in archive.read(entry_points).decode()
    assert "app/_migrations/env.py" in names
    assert any(re.match(r"app/_migrations/versions/.+\.py$", n) for n in names), names
    assert not any(n.startswith(("tests/", "migrations/")) for n in names)

    # 2. A fresh venv, the wheel and its dependencies, nothing of the checkout.
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path, env=env)
    python, cli = venv / "bin" / "python", venv / "bin" / "career-mobility"
    lock = str(ROOT / "requirements.lock")  # as the Dockerfile installs it
    run(
        [str(python), "-m", "pip", "install", "--quiet", "--constraint", lock, str(wheel)],
        cwd=tmp_path,
        env=env,
    )
    data = tmp_path / "data"  # the image's WORKDIR /data
    data.mkdir()
    where = run(
        [
            str(python),
            "-c",
            "import app, app.migrate as m; print(app.__file__); print(m.migrations_dir())",
        ],
        cwd=data,
        env=env,
    ).split()
    for path in where:
        assert Path(path).is_relative_to(venv), where
        assert not Path(path).is_relative_to(ROOT), where

    # 3. `migrate` builds the schema from the migrations inside the wheel.
    database = data / "career_mobility.db"
    service_env = server_env(f"sqlite:///{database}")
    service_env.pop("VIRTUAL_ENV", None)
    assert "Schema upgraded to head" in run([str(cli), "migrate"], cwd=data, env=service_env)
    with sqlite3.connect(database) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == head_revision()

    # 4. `serve` as the image's CMD runs it; probes, the HEALTHCHECK, the CLI, the API.
    with running_server(data, service_env, command=[str(cli)]) as server:
        assert httpx.get(f"{server.base_url}/healthz").json() == {"status": "ok"}
        ready = httpx.get(f"{server.base_url}/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["schema_revision"] == head_revision()

        # The probe reads the port from PORT, as `serve` does.
        (healthcheck,) = the("HEALTHCHECK", 1)
        probe = exec_form(healthcheck.argument)
        assert probe[0] == "python"
        port = server.base_url.rsplit(":", 1)[1]
        run([str(python), *probe[1:]], cwd=data, env={**service_env, "PORT": port}, timeout=30)

        key = server.create_org("Wheel Test Org")
        with server.client(key) as client:
            created = client.post(
                "/v1/positions",
                json={
                    "code": "WHL",
                    "title": "Wheel Engineer",
                    "family": "Engineering",
                    "track": "individual",
                    "level": 2,
                },
            )
            assert created.status_code == 201, created.text
            listed = client.get("/v1/positions")
            assert listed.status_code == 200
            assert [p["code"] for p in listed.json()["items"]] == ["WHL"]
        assert httpx.get(f"{server.base_url}/v1/positions").status_code == 401
        bundle = httpx.get(
            f"{server.base_url}/docs-static/swagger-ui-bundle.js", headers={"X-Request-ID": "last"}
        )
        assert bundle.status_code == 200
        log = server.log_once('"request_id": "last"')
    assert key not in log
    for line in log.splitlines():
        assert isinstance(json.loads(line), dict), line
