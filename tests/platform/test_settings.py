"""Every setting is an environment variable read by pydantic-settings; CORS is closed
unless CORS_ORIGINS names origins."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.config import Settings

InProcess = Callable[..., contextlib.AbstractContextManager[TestClient]]

# One non-default value per setting, as the environment spells it, and as Settings reads it.
# A new setting must be added here, which is the point: each one is read from the environment.
ENVIRONMENT: dict[str, tuple[str, Any]] = {
    "database_url": ("postgresql+psycopg://svc@db:5432/cm", "postgresql+psycopg://svc@db:5432/cm"),
    "db_pool_size": ("20", 20),
    "db_max_overflow": ("0", 0),
    "db_concurrency": ("3", 3),
    "db_pool_timeout": ("2.5", 2.5),
    "db_connect_timeout": ("7", 7),
    "db_statement_timeout_ms": ("0", 0),
    "db_tcp_user_timeout_ms": ("5000", 5000),
    "sqlite_busy_timeout_ms": ("1000", 1000),
    "retry_after_seconds": ("30", 30),
    "max_body_bytes": ("2048", 2048),
    "max_import_bytes": ("4096", 4096),
    "idempotency_ttl_hours": ("48", 48),
    "idempotency_lease_seconds": ("90", 90.0),
    "body_timeout_seconds": ("2.5", 2.5),
    "heavy_concurrency": ("2", 2),
    "cors_origins": (
        '["https://hr.example", "http://localhost:3000"]',
        ["https://hr.example", "http://localhost:3000"],
    ),
    "log_level": ("debug", "DEBUG"),
    "log_format": ("console", "console"),
    "migrate_on_start": ("false", False),
    "web_concurrency": ("4", 4),
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No setting in the environment, and a working directory with no .env file."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_every_setting_is_listed_here_and_documented() -> None:
    assert set(ENVIRONMENT) == set(Settings.model_fields)
    for name, field in Settings.model_fields.items():
        assert field.description, f"{name} has no description"


@pytest.mark.parametrize("name", sorted(ENVIRONMENT))
def test_each_setting_is_read_from_its_environment_variable(
    clean_env: pytest.MonkeyPatch, name: str
) -> None:
    raw, expected = ENVIRONMENT[name]
    default = getattr(Settings(), name)
    assert default != expected, "pick a value other than the default"
    clean_env.setenv(name.upper(), raw)
    assert getattr(Settings(), name) == expected


def test_defaults_are_an_embedded_sqlite_file_automatic_logs_and_closed_cors(
    clean_env: pytest.MonkeyPatch,
) -> None:
    settings = Settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.cors_origins == []
    assert (settings.log_format, settings.log_level) == ("auto", "INFO")
    assert settings.web_concurrency == 1


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("setting", "tty", "expected"),
    [
        ("auto", True, "console"),
        ("auto", False, "json"),
        ("json", True, "json"),
        ("console", False, "console"),
    ],
)
def test_logs_are_console_lines_on_a_terminal_and_json_elsewhere_or_when_asked(
    setting: str, tty: bool, expected: str
) -> None:
    from app.observability import log_format_for

    assert log_format_for(setting, _Stream(tty)) == expected


def test_a_dotenv_file_is_read_and_the_environment_wins(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("LOG_FORMAT=console\nDB_POOL_SIZE=3\n")
    clean_env.setenv("DB_POOL_SIZE", "4")
    settings = Settings()
    assert (settings.log_format, settings.db_pool_size) == ("console", 4)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("LOG_FORMAT", "xml"),
        ("LOG_LEVEL", "LOUD"),
        ("DB_POOL_SIZE", "0"),
        ("DB_CONCURRENCY", "0"),
        ("MAX_BODY_BYTES", "10"),
        ("CORS_ORIGINS", "not json"),
        ("WEB_CONCURRENCY", "many"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(
    clean_env: pytest.MonkeyPatch, name: str, raw: str
) -> None:
    clean_env.setenv(name, raw)
    with pytest.raises((ValidationError, ValueError)) as caught:
        Settings()
    assert name.lower() in str(caught.value).lower()


# --- CORS ------------------------------------------------------------------------------------

ORIGIN = "https://hr.example"


def preflight(client: TestClient, origin: str) -> Any:
    return client.options(
        "/v1/positions",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )


def test_cors_is_closed_by_default(
    clean_env: pytest.MonkeyPatch, in_process: InProcess, sqlite_url: str
) -> None:
    with in_process(sqlite_url) as client:
        simple = client.get("/healthz", headers={"Origin": ORIGIN})
        asked = preflight(client, ORIGIN)
    assert simple.status_code == 200
    for response in (simple, asked):
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-methods" not in response.headers


def test_a_configured_origin_is_allowed_and_no_other(
    in_process: InProcess, sqlite_url: str
) -> None:
    with in_process(sqlite_url, cors_origins=[ORIGIN]) as client:
        simple = client.get("/healthz", headers={"Origin": ORIGIN})
        asked = preflight(client, ORIGIN)
        stranger = client.get("/healthz", headers={"Origin": "https://evil.example"})
        stranger_asks = preflight(client, "https://evil.example")
    assert simple.headers["access-control-allow-origin"] == ORIGIN
    exposed = simple.headers["access-control-expose-headers"].lower()
    assert "x-request-id" in exposed and "etag" in exposed
    assert asked.status_code == 200
    assert asked.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in asked.headers["access-control-allow-methods"]
    allowed = asked.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "idempotency-key"} <= {
        h.strip() for h in allowed.split(",")
    }
    assert "access-control-allow-origin" not in stranger.headers
    assert "access-control-allow-origin" not in stranger_asks.headers


def test_cors_origins_come_from_the_environment(
    clean_env: pytest.MonkeyPatch, in_process: InProcess, sqlite_url: str
) -> None:
    clean_env.setenv("CORS_ORIGINS", json.dumps([ORIGIN]))
    with in_process(sqlite_url) as client:  # the app's Settings read the environment
        response = client.get("/healthz", headers={"Origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == ORIGIN
