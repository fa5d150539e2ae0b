"""Alembic owns the schema: migrations run both ways and agree with the models.

Every test works on its own fresh SQLite file, driven through `app.migrate`, the same code
the CLI, `serve` and `/readyz` use.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers the tables on the metadata)
from app.migrate import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    migrations_dir,
    upgrade,
)

EXPECTED_TABLES = {
    "organization",
    "api_key",
    "position",
    "employee",
    "career_event",
    "scoring_policy",
    "idempotency_record",
    "demographic",
    "assessment",
    "position_holding",
    "successor",
    "successor_change",
}


# --- small local helpers -------------------------------------------------------------------


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'fresh.db'}"


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    engine = create_engine(url, poolclass=NullPool)
    yield engine
    engine.dispose()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def schema_sql(engine: Engine) -> list[tuple[str, str, str]]:
    """Return every table and index definition SQLite stores, in a stable order."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT type, name, coalesce(sql, '') FROM sqlite_master "
                "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
            )
        ).all()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def revisions_oldest_first() -> list[str]:
    return [r.revision for r in reversed(list(script().walk_revisions()))]


def migration_files() -> list[Path]:
    files = sorted((migrations_dir() / "versions").glob("*.py"))
    assert files, "no migration files found"
    return files


# --- tests -----------------------------------------------------------------------------------


def test_upgrade_from_empty_creates_every_table_at_head(url: str, engine: Engine) -> None:
    assert tables(engine) == set()

    upgrade(url)

    assert tables(engine) == EXPECTED_TABLES | {"alembic_version"}
    assert current_revision(engine) == head_revision()
    assert head_revision() is not None


def test_downgrade_to_base_leaves_only_alembic_version_and_upgrade_again_rebuilds(
    url: str, engine: Engine
) -> None:
    upgrade(url)
    first = schema_sql(engine)

    downgrade(url, "base")

    assert tables(engine) == {"alembic_version"}
    assert current_revision(engine) is None
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 0

    upgrade(url)

    assert current_revision(engine) == head_revision()
    assert tables(engine) == EXPECTED_TABLES | {"alembic_version"}
    assert schema_sql(engine) == first


def test_each_revision_upgrades_and_downgrades_one_step_at_a_time(url: str, engine: Engine) -> None:
    seen: list[set[str]] = [tables(engine)]
    for revision in revisions_oldest_first():
        upgrade(url, revision)
        assert current_revision(engine) == revision
        seen.append(tables(engine))
    assert current_revision(engine) == head_revision()

    for revision, expected in zip(
        reversed(revisions_oldest_first()), reversed(seen[:-1]), strict=True
    ):
        assert current_revision(engine) == revision
        downgrade(url, "-1")
        assert tables(engine) - {"alembic_version"} == expected - {"alembic_version"}
    assert current_revision(engine) is None


def test_upgrade_at_head_is_a_no_op(url: str, engine: Engine) -> None:
    upgrade(url)
    before = schema_sql(engine)

    upgrade(url)

    assert schema_sql(engine) == before
    assert current_revision(engine) == head_revision()


def test_there_is_exactly_one_head() -> None:
    heads = script().get_heads()

    assert len(heads) == 1, heads
    assert heads[0] == head_revision()


def test_every_revision_chains_to_a_single_base() -> None:
    bases = script().get_bases()
    revisions = revisions_oldest_first()

    assert len(bases) == 1, bases
    assert revisions[0] == bases[0]
    assert len(revisions) == len(set(revisions)) == len(migration_files())


def test_models_and_migrations_agree(url: str, engine: Engine) -> None:
    """The autogenerate comparison finds nothing to do (what `alembic check` asserts)."""
    upgrade(url)

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "target_metadata": SQLModel.metadata}
        )
        differences = compare_metadata(context, SQLModel.metadata)

    assert differences == []


def test_alembic_check_passes_on_a_migrated_database(url: str) -> None:
    upgrade(url)

    # Raises AutoGenerateDiffsDetected when the models have changes no migration holds.
    command.check(alembic_config(url))


def test_a_model_change_without_a_migration_is_detected(url: str, engine: Engine) -> None:
    """The comparison is not vacuous: an index missing from the database is reported."""
    upgrade(url)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_career_event_organization_id_position_id"))

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    assert [d[0] for d in differences] == ["add_index"]


@pytest.mark.parametrize("path", migration_files(), ids=lambda p: p.name)
def test_every_migration_has_a_non_trivial_downgrade(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert {"upgrade", "downgrade"} <= set(functions), path.name

    def op_calls(function: ast.FunctionDef) -> list[str]:
        calls = []
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                if isinstance(owner, ast.Name) and owner.id in ("op", "batch_op"):
                    calls.append(node.func.attr)
        return calls

    body = [
        statement
        for statement in functions["downgrade"].body
        if not isinstance(statement, ast.Pass)
        and not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
    ]
    assert body, f"{path.name}: downgrade() does nothing"
    downgrade_ops = op_calls(functions["downgrade"])
    upgrade_ops = op_calls(functions["upgrade"])
    assert downgrade_ops, f"{path.name}: downgrade() calls no op.* operation"
    # Whatever upgrade creates, downgrade drops: as many drop_table as create_table.
    assert downgrade_ops.count("drop_table") == upgrade_ops.count("create_table")
    assert downgrade_ops.count("drop_index") == upgrade_ops.count("create_index")
    assert downgrade_ops.count("drop_column") == upgrade_ops.count("add_column")


@pytest.mark.parametrize("path", migration_files(), ids=lambda p: p.name)
def test_every_migration_names_its_revision_and_parent(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assigned = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            for target in targets:
                if isinstance(target, ast.Name) and node.value is not None:
                    assigned[target.id] = ast.literal_eval(node.value)
    assert isinstance(assigned.get("revision"), str) and assigned["revision"]
    assert "down_revision" in assigned
    assert script().get_revision(assigned["revision"]).path == str(path)
