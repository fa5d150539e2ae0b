"""Shared fixtures: a migrated throwaway database per test, the app, and API keys.

Every test gets its own SQLite file, copied from one migrated at the start of the session
(real Alembic migrations, never `create_all`), so tests never share state.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import Database, set_database
from app.main import create_app
from app.migrate import upgrade
from app.services.organizations import create_key_for, create_organization


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(migrated_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "service.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, log_level="WARNING", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = Database.from_settings(settings)
    set_database(db)
    yield db
    db.dispose()
    set_database(None)


@pytest.fixture
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


class Org:
    """One organization of the test database, with a key for each scope."""

    def __init__(self, database: Database, name: str) -> None:
        with database.transaction() as session:
            org, admin = create_organization(session, name)
            self.id = org.id
            self.name = name
            self.admin = admin
            self.write = create_key_for(session, name, "write")
            self.read = create_key_for(session, name, "read")

    def headers(self, scope: str = "admin") -> dict[str, str]:
        """Return the Authorization header for this org's key of the given scope."""
        return {"Authorization": f"Bearer {getattr(self, scope)}"}


@pytest.fixture
def make_org(database: Database) -> Callable[[str], Org]:
    return lambda name: Org(database, name)


@pytest.fixture
def org(make_org: Callable[[str], Org]) -> Org:
    return make_org("Acme Health")


@pytest.fixture
def api(client: TestClient, org: Org) -> TestClient:
    """A client that sends the org's admin key on every request."""
    client.headers.update(org.headers("admin"))
    return client
