"""Fixtures for the platform tests: real server processes and in-process apps on SQLite.

These tests check packaging, probes, logs, metrics, docs and settings, which do not
depend on the store, so they run once, each on its own SQLite file in a temp folder
(never the store-parametrized fixtures of tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import Database, set_database
from app.main import create_app
from app.services.organizations import create_organization
from tests.platform.liveserver import LiveServer, running_server, server_env


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """This checkout's `career-mobility serve` on a free port, stopped after the module."""
    workdir = tmp_path_factory.mktemp("server")
    env = server_env(f"sqlite:///{workdir / 'service.db'}")
    with running_server(workdir, env) as server:
        yield server


@pytest.fixture(scope="module")
def admin_key(live_server: LiveServer) -> str:
    """An admin key of a fresh organization on `live_server`, made with the command line."""
    return live_server.create_org("Platform Test Org")


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_template: Path) -> str:
    """A migrated SQLite database of this test's own."""
    path = tmp_path / "platform.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


InProcess = Callable[..., contextlib.AbstractContextManager[TestClient]]


@pytest.fixture
def in_process() -> Iterator[InProcess]:
    """Return a factory: `with in_process(database_url, **settings) as client:`.

    It builds the app from Settings (no .env file), points the process's database at
    `database_url`, and puts everything back afterwards.
    """

    @contextlib.contextmanager
    def factory(database_url: str, **overrides: Any) -> Iterator[TestClient]:
        settings = Settings(database_url=database_url, _env_file=None, **overrides)
        database = Database.from_settings(settings)
        set_database(database)
        try:
            with TestClient(create_app(settings), raise_server_exceptions=False) as client:
                client.app.state.database = database  # type: ignore[attr-defined]
                yield client
        finally:
            database.dispose()
            set_database(None)

    yield factory


@pytest.fixture
def org_key() -> Callable[[TestClient], tuple[str, str]]:
    """Return a function that creates an organization in an in-process app's database and
    returns (organization id, admin key)."""

    def create(client: TestClient, name: str = "Acme Observability") -> tuple[str, str]:
        database: Database = client.app.state.database  # type: ignore[attr-defined]
        with database.transaction() as session:
            org, key = create_organization(session, name)
        return org.id, key

    return create
