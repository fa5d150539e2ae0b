"""`make image-check` (.ci/image-check) runs in CI with root on a shared machine, so the rules
it keeps are pinned here: a daemon with no bridge, no iptables and no forwarding, started and
stopped by this script alone (by its pid); containers on the host's network spoken to on
127.0.0.1 only; docker.io installed without starting its own daemon. The checks themselves
run in CI (`.ci/run` ends with `make image-check`)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = (ROOT / ".ci" / "image-check").read_text()
JOINED = re.sub(r"\\\n\s*", " ", SCRIPT)


def commands(program: str) -> list[str]:
    return [line.strip() for line in JOINED.splitlines() if f'"${program}" ' in line]


def test_ci_runs_the_image_check() -> None:
    assert (ROOT / ".ci" / "run").read_text().rstrip().endswith("make image-check")
    assert "image-check:" in (ROOT / "Makefile").read_text()


def test_the_daemon_has_no_bridge_no_iptables_and_its_own_socket() -> None:
    (start,) = [line for line in commands("DOCKERD") if "--host" in line]
    for flag in (
        "--bridge=none",
        "--iptables=false",
        "--ip6tables=false",
        "--ip-forward=false",
        "--ip-masq=false",
    ):
        assert flag in start, flag
    assert '--host "unix://$SOCKET"' in start
    assert "dockerd_pid=$!" in SCRIPT
    assert 'kill "$dockerd_pid"' in SCRIPT
    assert "pkill" not in SCRIPT and "killall" not in SCRIPT


def test_every_container_runs_on_the_host_network_and_is_reached_on_loopback() -> None:
    runs = [c for c in commands("DOCKER") if " run " in f" {c} "]
    assert len(runs) >= 3
    for command in runs:
        assert "--network host" in command, command
    assert "docker build --network host" in JOINED.replace('"$DOCKER"', "docker")
    serve = next(c for c in runs if "serve" in c)
    assert "--host 127.0.0.1" in serve
    # The only other address is the Debian mirror debootstrap fetches packages from.
    urls = [u for u in re.findall(r"http://[^\s\"'/]+", SCRIPT) if "debian.org" not in u]
    assert urls and all(u.startswith("http://127.0.0.1:") for u in urls), urls


def test_docker_io_is_installed_without_starting_a_daemon() -> None:
    assert "exit 101" in SCRIPT and "/usr/sbin/policy-rc.d" in SCRIPT
    install = SCRIPT.index("apt-get install")
    assert SCRIPT.index("policy-rc.d") < install


def test_the_base_image_is_made_as_the_dockerfile_expects() -> None:
    assert "python3,python3-venv,python3-pip,python-is-python3,ca-certificates" in SCRIPT
    assert "EXTERNALLY-MANAGED" in SCRIPT
    assert "/usr/local/share/ca-certificates" in SCRIPT
    assert "ENV PATH=" in SCRIPT
    (from_line,) = [x for x in (ROOT / "Dockerfile").read_text().splitlines() if " AS build" in x]
    assert shlex.split(from_line)[0] == "FROM"
    assert 'awk \'toupper($1) == "FROM"' in SCRIPT  # the base is named after the FROM line
