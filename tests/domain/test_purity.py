"""The domain package stays pure: no web framework, ORM, validation library or outer layer."""

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "app" / "domain"
FORBIDDEN_ROOTS = {"fastapi", "sqlmodel", "sqlalchemy", "starlette", "pydantic"}


def imported_modules(source: str, package: str) -> list[str]:
    """Return the absolute names of the modules a source file imports, relative ones resolved."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            # `from app import services` imports the module app.services.
            names.extend(f"{module}.{alias.name}" for alias in node.names)
    return names


def offending(module: str) -> bool:
    parts = module.split(".")
    if parts[0] in FORBIDDEN_ROOTS:
        return True
    if parts[0] != "app":
        return False
    return len(parts) < 2 or parts[1] != "domain"


def domain_files() -> list[Path]:
    return sorted(DOMAIN.rglob("*.py"))


def test_the_domain_package_is_where_the_test_looks():
    names = {p.name for p in domain_files()}
    assert {"values.py", "mobility.py", "history.py", "readiness.py"} <= names


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: p.name)
def test_domain_module_imports_nothing_from_outer_layers(path):
    package = ".".join(("app", "domain", *path.relative_to(DOMAIN).parent.parts))
    modules = imported_modules(path.read_text(encoding="utf-8"), package)
    assert [m for m in modules if offending(m)] == []


@pytest.mark.parametrize(
    "source",
    [
        "import fastapi",
        "import sqlalchemy.orm as orm",
        "from sqlmodel import Session",
        "from starlette.requests import Request",
        "from pydantic import BaseModel",
        "from app.models import Position",
        "from app import db",
        "import app.services.readiness",
        "from ..config import settings",
        "from .. import errors",
        "def f():\n    from fastapi import HTTPException\n",
    ],
)
def test_the_check_catches_outer_imports(source):
    modules = imported_modules(source, "app.domain")
    assert any(offending(m) for m in modules)


@pytest.mark.parametrize(
    "source",
    [
        "from app.domain.values import Money",
        "from app.domain import mobility",
        "from .values import fold_name",
        "from . import history",
        "import decimal",
        "from dataclasses import dataclass",
        "from collections.abc import Callable",
    ],
)
def test_the_check_allows_the_standard_library_and_the_domain(source):
    modules = imported_modules(source, "app.domain")
    assert not any(offending(m) for m in modules)
