"""Service settings, read from the environment (and an optional `.env` file)."""

import logging
from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob the service has; each is an environment variable of the same name."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./career_mobility.db",
        description="SQLAlchemy URL: SQLite file (default) or postgresql+psycopg://...",
    )
    db_pool_size: int = Field(default=10, ge=1, description="Connections kept open per process.")
    db_max_overflow: int = Field(default=5, ge=0, description="Extra connections under bursts.")
    db_concurrency: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Requests that run their route's database work at once in a process; "
        "the rest wait their turn without a thread. Unset: 2 on SQLite (its work is Python "
        "and C in this process: more at once only fight over the GIL), 4 on PostgreSQL "
        "(overlapping the network waits).",
    )
    db_pool_timeout: float = Field(
        default=5.0,
        gt=0,
        description="Seconds a request waits for a free connection (then 503). With the "
        "connect timeout it bounds how long a request waits for a database that is gone.",
    )
    db_connect_timeout: int = Field(
        default=3,
        ge=1,
        description="Seconds to wait for the database to accept a connection (then 503); "
        "psycopg waits at least 2.",
    )
    db_tcp_user_timeout_ms: int = Field(
        default=10_000,
        ge=0,
        description="PostgreSQL connections drop once data they sent stays unacknowledged "
        "this long (TCP_USER_TIMEOUT; with TCP keepalives it also finds dead idle ones), so "
        "a query on a cut network fails instead of waiting minutes; 0 keeps the OS default.",
    )
    db_statement_timeout_ms: int = Field(
        default=10_000,
        ge=0,
        description="PostgreSQL statement timeout; 0 disables it. A server that has not "
        "answered within this plus DB_CONNECT_TIMEOUT seconds is given up on (503).",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=15_000, ge=0, description="How long a SQLite writer waits for the lock."
    )
    retry_after_seconds: int = Field(
        default=5, ge=1, description="Retry-After sent with 503 when the database is down."
    )
    body_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a JSON request body may take to arrive in full, and an import's "
        "body between two chunks; a stalled one is answered 408 and its connection closed. "
        "The body is read before the request takes any database or work slot.",
    )
    heavy_concurrency: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Heavy reads (mobility paths, candidate slates, reports) that run at once in "
        "a process, in their own lane; the rest wait their turn (503 after DB_POOL_TIMEOUT). "
        "Unset: one less than DB_CONCURRENCY (at least 1), so light requests always find a "
        "free place.",
    )
    idempotency_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long an in-flight `Idempotency-Key` claim holds unless renewed; the "
        "request holding it renews it every third of that while it runs, so a retry is a 409 "
        "for as long as the first request lives, and runs again only once its process died.",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest JSON request body accepted (413 past it)."
    )
    max_import_bytes: int = Field(
        default=1_073_741_824, ge=1024, description="Largest NDJSON import body accepted."
    )
    idempotency_ttl_hours: int = Field(default=24, ge=1, description="How long keys are kept.")
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS; empty means CORS is closed."
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto",
        description="`json` (one object per line), `console` (lines for people), or `auto`: "
        "console when the logs go to a terminal, JSON otherwise.",
    )
    migrate_on_start: bool = Field(
        default=True,
        description="`serve` upgrades the schema to head before serving (safe with replicas "
        "on PostgreSQL: an advisory lock serializes them).",
    )
    web_concurrency: int = Field(
        default=1, ge=1, description="Worker processes for `career-mobility serve`."
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if not isinstance(logging.getLevelName(level), int):
            raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()


def work_concurrency(settings: Settings) -> int:
    """Return how many requests may run their database work at once in a process."""
    if settings.db_concurrency is not None:
        return settings.db_concurrency
    from sqlalchemy.engine import make_url

    return 2 if make_url(settings.database_url).get_backend_name() == "sqlite" else 4


def heavy_concurrency(settings: Settings) -> int:
    """Return how many heavy reads may run at once in a process."""
    if settings.heavy_concurrency is not None:
        return settings.heavy_concurrency
    return max(1, work_concurrency(settings) - 1)
