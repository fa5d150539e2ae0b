"""The house keeps the shape CONTRIBUTING.md describes: no function in `app/` more branched
than a reader follows in one sitting, no module longer than one holds in their head, no test
file past the point where it wants splitting by subject.

The limits are radon's cyclomatic complexity 20 (grade C; D and worse fail), 450 lines a
module in `app/` and 800 lines a test file. A change that crosses one splits the code along a
seam with a name rather than raising the number.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parents[1]
APP = sorted((ROOT / "app").rglob("*.py"))
TESTS = sorted((ROOT / "tests").rglob("*.py"))

MAX_COMPLEXITY = 20
MAX_APP_LINES = 450
MAX_TEST_LINES = 800


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _blocks(path: Path) -> list[tuple[str, int]]:
    """Return every function and method in the file with its cyclomatic complexity."""
    found = []
    for block in cc_visit(path.read_text()):
        found.append((block.fullname, block.complexity))
        # A class's methods are listed under it, not at the top level.
        found.extend((m.fullname, m.complexity) for m in getattr(block, "methods", ()))
    return found


def test_the_limits_see_the_code() -> None:
    assert len(APP) > 50 and len(TESTS) > 50
    worst = max(c for path in APP for _, c in _blocks(path))
    assert 5 < worst <= MAX_COMPLEXITY


@pytest.mark.parametrize("path", APP, ids=_name)
def test_no_app_function_is_above_complexity_20(path: Path) -> None:
    over = {name: c for name, c in _blocks(path) if c > MAX_COMPLEXITY}
    assert not over, f"{_name(path)}: split these by what they do: {over}"


@pytest.mark.parametrize("path", APP, ids=_name)
def test_no_app_module_is_over_450_lines(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_APP_LINES, f"{_name(path)} has {lines} lines"


@pytest.mark.parametrize("path", TESTS, ids=_name)
def test_no_test_file_is_over_800_lines(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_TEST_LINES, f"{_name(path)} has {lines} lines"
