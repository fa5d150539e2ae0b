"""Engines, sessions and the transaction boundary.

One engine per process (two on SQLite: writers open their transaction with
`BEGIN IMMEDIATE`, so concurrent writers queue on the lock instead of failing half-way).
The request wrapper in `app.routing` owns the transaction: it opens the session, commits
or rolls back; services only flush. Routes get the session through `SessionDep`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.config import Settings, get_settings


def is_sqlite(url: str) -> bool:
    """Return whether the URL names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_engine(settings: Settings, *, immediate: bool) -> Engine:
    url = make_url(settings.database_url)
    memory = url.database in (None, "", ":memory:")
    engine = create_engine(
        url,
        connect_args={
            "check_same_thread": False,
            "timeout": settings.sqlite_busy_timeout_ms / 1000,
        },
        # Keep connections open: closing the last connection to a WAL database checkpoints
        # it, which cost ~25 ms a request when every request opened its own.
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take over BEGIN from the driver so writers can ask for IMMEDIATE.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _postgres_engine(settings: Settings) -> Engine:
    options = f"-c statement_timeout={settings.db_statement_timeout_ms}"
    return create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"connect_timeout": settings.db_connect_timeout, "options": options},
    )


@dataclass
class Database:
    """The engines of one process: `reader` for GETs, `writer` for everything else."""

    url: str
    reader: Engine
    writer: Engine

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """Build the engines the settings ask for."""
        if is_sqlite(settings.database_url):
            return cls(
                url=settings.database_url,
                reader=_sqlite_engine(settings, immediate=False),
                writer=_sqlite_engine(settings, immediate=True),
            )
        engine = _postgres_engine(settings)
        return cls(url=settings.database_url, reader=engine, writer=engine)

    def session(self, *, write: bool) -> Session:
        """Open a session on the engine for reads or for writes."""
        return Session(self.writer if write else self.reader, expire_on_commit=False)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """Run a block in one transaction: commit on success, roll back on error."""
        session = self.session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.reader.dispose()
        if self.writer is not self.reader:
            self.writer.dispose()


_database: Database | None = None


def get_database() -> Database:
    """Return the process's database, built from settings on first use."""
    global _database
    if _database is None:
        _database = Database.from_settings(get_settings())
    return _database


def set_database(database: Database | None) -> None:
    """Replace the process's database (tests, the CLI)."""
    global _database
    _database = database


def get_session(request: Request) -> Session:
    """Return the session the request wrapper opened for this request."""
    session: Session = request.state.session
    return session


SessionDep = Annotated[Session, Depends(get_session)]


def peek_database() -> Database | None:
    """Return the process's database if one was built, without building it."""
    return _database
