"""The command line meets a new user kindly: `--version`, help for a bare command or group,
and a port already in use said plainly (by `serve` and by `make run`) before anything claims
to be serving."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import __version__
from app.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]


def groups(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Yield the argv of every command group (the bare command first)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield prefix
            for name, sub in action.choices.items():
                yield from groups(sub, (*prefix, name))


@pytest.fixture
def listening() -> Iterator[int]:
    """A port on 127.0.0.1 that something listens on."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])

    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"career-mobility {__version__}"


def test_a_bare_command_or_group_prints_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    found = list(groups(build_parser()))
    assert {(), ("orgs",), ("keys",)} <= set(found)

    for argv in found:
        assert main(list(argv)) == 0, argv
        out, err = capsys.readouterr()
        assert out.startswith(f"usage: career-mobility{''.join(' ' + a for a in argv)} "), out
        assert "the following arguments are required" not in out + err
        assert err == ""


def test_a_subcommand_still_runs_under_a_group_that_prints_help(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.config import get_settings
    from app.db import peek_database, set_database

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    set_database(None)
    try:
        assert main(["orgs", "create", "Help Test"]) == 0
    finally:
        built = peek_database()
        if built is not None:
            built.dispose()
        set_database(None)
        get_settings.cache_clear()
    assert capsys.readouterr().out.splitlines()[-1].startswith("cm_")


def test_serve_says_plainly_that_the_port_is_taken_and_how_to_pick_another(
    listening: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["serve", "--host", "127.0.0.1", "--port", str(listening)])

    assert code == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"port {listening} on 127.0.0.1 is already in use" in err
    assert f"make run PORT={listening + 1}" in err and "--port" in err
    assert not err.lstrip().startswith("{")


def test_check_port_answers_0_for_a_free_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert main(["serve", "--host", "127.0.0.1", "--port", str(free), "--check-port"]) == 0


def test_serve_takes_its_port_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "8123")
    assert build_parser().parse_args(["serve"]).port == 8123
    monkeypatch.setenv("PORT", "not-a-port")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve"])


@pytest.mark.slow
def test_make_run_stops_before_serving_when_the_port_is_taken(listening: int) -> None:
    if not (ROOT / ".venv" / "bin" / "career-mobility").exists():
        pytest.skip("make run needs the checkout's .venv")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "run", f"PORT={listening}"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": "sqlite:///./never-created.db"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode != 0
    assert "Serving on" not in done.stdout
    assert f"port {listening} on 127.0.0.1 is already in use" in done.stderr
    assert f"make run PORT={listening + 1}" in done.stderr
    assert not (ROOT / "never-created.db").exists()


def test_the_command_line_runs_as_a_module_too() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and __version__ in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize(("log_format", "console"), [(None, True), ("json", False)])
def test_serve_logs_readable_lines_on_a_terminal_unless_json_is_asked(
    tmp_path: Path, log_format: str | None, console: bool
) -> None:
    import pty
    import select
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("LOG_FORMAT", "PORT")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'tty.db'}"
    if log_format:
        env["LOG_FORMAT"] = log_format
    leader, follower = pty.openpty()
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while b"Application startup complete" not in seen and time.monotonic() < deadline:
            if select.select([leader], [], [], 1)[0]:
                try:
                    seen += os.read(leader, 4096)
                except OSError:
                    break
    finally:
        server.terminate()
        server.wait(timeout=30)
        os.close(leader)
    lines = [x for x in seen.decode(errors="replace").splitlines() if "startup complete" in x]
    assert lines, seen
    if console:
        assert not lines[0].lstrip().startswith("{"), lines
        assert " INFO " in lines[0], lines
    else:
        assert json.loads(lines[0])["message"] == "Application startup complete."
