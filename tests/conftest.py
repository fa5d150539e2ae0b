"""Shared fixtures: a migrated throwaway database per test, the app, and API keys.

Every test that touches the database runs once per store: on SQLite (its own file, copied
from one migrated at the start of the session) and, when `TEST_DATABASE_URL` names a
PostgreSQL database, on PostgreSQL (its own database, created from a migrated template).
Real Alembic migrations build both templates, never `create_all`, and no test shares state.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from app.cli import main
from app.config import Settings, get_settings
from app.db import Database, peek_database, set_database
from app.main import create_app
from app.migrate import upgrade
from app.services.organizations import create_key_for, create_organization
from tests.factories import bearer

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


class PostgresDatabases:
    """Creates a migrated template database once, then one database per test from it."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.base = self.url.database or "career_mobility_test"
        self.template = f"{self.base}_tmpl"
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.counter = itertools.count()
        self._sql(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self._sql(f'CREATE DATABASE "{self.template}"')
        upgrade(self.url_of(self.template))

    def _sql(self, statement: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(statement))

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self) -> str:
        name = f"{self.base}_{os.getpid()}_{next(self.counter)}"
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def drop(self, name: str) -> None:
        self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self.drop(self.template)
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases]:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL half skipped: set TEST_DATABASE_URL to run it")
    databases = PostgresDatabases(POSTGRES_URL)
    yield databases
    databases.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> str:
    """The store a test runs against; every database test runs on both."""
    return str(request.param)


@pytest.fixture
def database_url(
    store: str, request: pytest.FixtureRequest, migrated_template: Path, tmp_path: Path
) -> Iterator[str]:
    if store == "sqlite":
        path = tmp_path / "service.db"
        shutil.copyfile(migrated_template, path)
        yield f"sqlite:///{path}"
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres")
    name = databases.create()
    yield databases.url_of(name)
    databases.drop(name)


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
            self.audit = create_key_for(session, name, "audit")

    def headers(self, scope: str = "admin") -> dict[str, str]:
        """Return the Authorization header for this org's key of the given scope."""
        return bearer(getattr(self, scope))


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


@pytest.fixture
def statements(database: Database) -> Callable[[], AbstractContextManager[list[str]]]:
    """Return a context manager that collects every statement the service's engines send
    inside its block (SQLAlchemy's `before_cursor_execute`)."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        sent: list[str] = []

        def collect(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            sent.append(statement)

        engines = list({id(e): e for e in (database.reader, database.writer)}.values())
        for engine in engines:
            event.listen(engine, "before_cursor_execute", collect)
        try:
            yield sent
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", collect)

    return counting


@pytest.fixture
def cli(
    database: Database,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Callable[..., tuple[int, str, str]]]:
    """Run `career-mobility ...` in-process against the test database (or `url`), with its
    own engines."""

    def run(*argv: str, url: str = database_url) -> tuple[int, str, str]:
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        set_database(None)
        try:
            code = main(list(argv))
        finally:
            built = peek_database()
            if built is not None and built is not database:
                built.dispose()
            set_database(database)
            get_settings.cache_clear()
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    get_settings.cache_clear()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not POSTGRES_URL:
        terminalreporter.write_line(
            "PostgreSQL half skipped: TEST_DATABASE_URL is not set (make test-postgres runs it)."
        )
