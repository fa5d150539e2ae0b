"""One locked set of dependencies: requirements.lock pins every requirement of pyproject.toml
within its range, this virtualenv was installed from it, and every install path (make, the
Dockerfile, CI through make) passes it to pip. `make lock` refreshes it."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"


def pins() -> dict[str, tuple[str, Requirement]]:
    """Return the lock's pins by canonical name: (version, the line as a requirement)."""
    found = {}
    for line in LOCK.read_text().splitlines():
        if not line or line.startswith(("#", " ", "-")):
            continue
        requirement = Requirement(line)
        (spec,) = requirement.specifier
        assert spec.operator == "==", line
        found[canonicalize_name(requirement.name)] = (spec.version, requirement)
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [r for group in project.get("optional-dependencies", {}).values() for r in group]
    return [Requirement(r) for r in [*project["dependencies"], *extras]]


def test_the_lock_pins_every_declared_requirement_within_its_range() -> None:
    locked = pins()
    stale = []
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        if name not in locked:
            stale.append(f"{requirement} is not in requirements.lock")
        elif not requirement.specifier.contains(locked[name][0], prereleases=True):
            stale.append(f"{requirement}: the lock has {locked[name][0]}")
    assert stale == [], "run `make lock` and commit requirements.lock:\n" + "\n".join(stale)


def test_this_virtualenv_was_installed_from_the_lock() -> None:
    environment = default_environment()
    different = []
    for name, (version, requirement) in pins().items():
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # an extra this environment does not use
        if installed != version:
            different.append(f"{name}: installed {installed}, locked {version}")
    assert different == [], "reinstall with `make .venv/.installed-dev`:\n" + "\n".join(different)


def test_every_install_passes_the_lock_to_pip() -> None:
    makefile = (ROOT / "Makefile").read_text()
    installs = [line for line in makefile.splitlines() if "pip install" in line]
    project_installs = [line for line in installs if " -e " in line]
    assert len(project_installs) == 2, installs
    assert all("--constraint $(LOCK)" in line for line in project_installs), installs
    assert "LOCK := requirements.lock" in makefile

    dockerfile = (ROOT / "Dockerfile").read_text()
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    docker_installs = [line for line in joined.splitlines() if "pip install" in line]
    assert docker_installs and all(
        "--constraint requirements.lock" in line for line in docker_installs
    ), docker_installs

    ci = (ROOT / ".ci" / "run").read_text()
    assert "make .venv/.installed-dev" in ci and "pip install" not in ci


def test_make_lock_is_documented_and_says_it_made_the_file() -> None:
    assert LOCK.read_text().splitlines()[1].strip() == "#    make lock"
    readme = (ROOT / "README.md").read_text()
    assert "make lock" in readme
