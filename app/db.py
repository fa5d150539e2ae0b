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

import psycopg
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
        # it, a cost every request paid when each opened its own (bench/profile_notes.md).
        # SQLite lets one writer in at a time: the writer engine has one connection, so a
        # process's writers queue for it in order instead of polling the file lock in
        # SQLite's busy handler, whose growing sleeps gave writes a long tail under load
        # (see bench/profile_notes.md). Other processes on the same file still meet the
        # busy timeout.
        pool_size=1 if immediate else settings.db_pool_size,
        max_overflow=0 if immediate else settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        # Errors and logs name the statement but never its parameters (personal data).
        hide_parameters=True,
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


# psycopg raises this (an OperationalError) when `Connection.wait` runs out of time.
_WAIT_TIMEOUT: type[Exception] | None = getattr(psycopg.errors, "_WaitTimeout", None)


class _AnswerBoundConnection(psycopg.Connection):
    """A psycopg connection that gives up on a server that no longer answers.

    The statement timeout makes a live server answer within its bound, so a reply later
    than that (plus a margin) means the server or the network in between has gone quiet
    while the socket stays open, as behind a hung proxy. Then the wait ends, the connection
    is closed (SQLAlchemy sees a disconnect and drops it from the pool) and the request
    gets a 503, instead of hanging until the operating system gives up, if ever.
    """

    answer_timeout: float | None = None

    def wait(self, gen: Any, *args: Any, **kwargs: Any) -> Any:
        if self.answer_timeout is not None and not args and kwargs.get("timeout") is None:
            kwargs["timeout"] = self.answer_timeout
        try:
            return super().wait(gen, *args, **kwargs)
        except Exception as exc:
            if _WAIT_TIMEOUT is not None and isinstance(exc, _WAIT_TIMEOUT):
                self.pgconn.finish()
                raise psycopg.OperationalError(
                    f"the database did not answer within {self.answer_timeout} s"
                ) from exc
            raise


def answer_timeout(settings: Settings) -> float | None:
    """Seconds after which a silent PostgreSQL server is given up on (None: never)."""
    if not settings.db_statement_timeout_ms:
        return None
    return settings.db_statement_timeout_ms / 1000 + settings.db_connect_timeout


def postgres_connect_args(settings: Settings) -> dict[str, Any]:
    """Return libpq parameters that bound every wait on a PostgreSQL server.

    The connect timeout bounds a server that does not accept; the statement timeout one
    that runs too long; TCP keepalives and TCP_USER_TIMEOUT a network that drops packets
    (a query would otherwise wait for the kernel's retransmissions, about 15 minutes).
    """
    args: dict[str, Any] = {
        "connect_timeout": settings.db_connect_timeout,
        "options": f"-c statement_timeout={settings.db_statement_timeout_ms}",
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }
    if settings.db_tcp_user_timeout_ms:
        args["tcp_user_timeout"] = settings.db_tcp_user_timeout_ms
    return args


def _postgres_engine(settings: Settings) -> Engine:
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args=postgres_connect_args(settings),
        # Errors and logs name the statement but never its parameters (personal data).
        hide_parameters=True,
    )
    bound = answer_timeout(settings)

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        if bound is None or _WAIT_TIMEOUT is None:
            return None  # the dialect connects as usual
        connection = _AnswerBoundConnection.connect(*cargs, **cparams)
        connection.answer_timeout = bound
        return connection

    return engine


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


async def get_session(request: Request) -> Session:
    """Return the session the request wrapper opened for this request (`async`: a plain
    `def` dependency would cost a thread-pool hop per request)."""
    session: Session = request.state.session
    return session


SessionDep = Annotated[Session, Depends(get_session)]


def peek_database() -> Database | None:
    """Return the process's database if one was built, without building it."""
    return _database
