"""The succession migration runs up, down and up again on both stores, keeping the data
that was there before it and dropping only what it added."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.migrate import alembic_config, downgrade, upgrade

REVISION = "b0598e5371bf"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each store (no schema at all)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base:
        pytest.skip("PostgreSQL half skipped: set TEST_DATABASE_URL to run it")
    name = f"cm_migration_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _columns(url: str, table: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_succession_migration_goes_up_down_and_up_keeping_older_data(empty_url: str) -> None:
    parent = ScriptDirectory.from_config(alembic_config(empty_url)).get_revision(REVISION)
    assert parent is not None
    down_to = parent.down_revision
    assert isinstance(down_to, str)
    upgrade(empty_url, down_to)
    engine = create_engine(empty_url, poolclass=NullPool)
    org = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO organization (id, name, created_at) VALUES (:id, 'M', :now)"),
            {"id": org, "now": "2026-01-01T00:00:00+00:00"},
        )
        conn.execute(
            text(
                "INSERT INTO position (organization_id, id, code, title, family, track, level, "
                "requirements, created_at, updated_at, version) VALUES (:org, 'p1', 'RN', "
                "'RN', 'Nursing', 'individual', 3, '[]', :now, :now, 1)"
            ),
            {"org": org, "now": "2026-01-01T00:00:00+00:00"},
        )

    upgrade(empty_url, REVISION)
    assert {"successor", "successor_change"} <= _tables(empty_url)
    assert {"potential", "risk_of_loss", "impact_of_loss"} <= _columns(empty_url, "career_event")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT code, critical FROM position")).all() == [("RN", False)]

    downgrade(empty_url, down_to)
    assert not {"successor", "successor_change"} & _tables(empty_url)
    assert "critical" not in _columns(empty_url, "position")
    assert not {"potential", "risk_of_loss", "impact_of_loss"} & _columns(empty_url, "career_event")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT code FROM position")).all() == [("RN",)]

    upgrade(empty_url)
    assert {"successor", "successor_change"} <= _tables(empty_url)
    assert "critical" in _columns(empty_url, "position")
    engine.dispose()
