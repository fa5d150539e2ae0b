"""The demographics and assessments migration runs up, down and up again on both stores,
and its downgrade drops exactly its two tables."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from app.migrate import current_revision, downgrade, head_revision, upgrade

REVISION = "0003_fairness"
TABLES = {"demographic", "assessment"}


def test_fairness_tables_migrate_up_down_and_up(database_url: str) -> None:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        before = set(inspect(engine).get_table_names())
        # Later migrations come off first; then this one takes exactly its two tables.
        downgrade(database_url, REVISION)
        at_revision = set(inspect(engine).get_table_names())
        assert TABLES <= at_revision

        downgrade(database_url, f"{REVISION}-1")
        assert set(inspect(engine).get_table_names()) == at_revision - TABLES

        upgrade(database_url)
        after = inspect(engine)
        assert set(after.get_table_names()) == before
        assert current_revision(engine) == head_revision()
        assert {ix["name"] for ix in after.get_indexes("assessment")} == {
            "ix_assessment_organization_id_created_at_id",
            "ix_assessment_organization_id_employee_id_created_at_id",
        }
        assert [fk["referred_table"] for fk in after.get_foreign_keys("demographic")] == [
            "employee"
        ]
    finally:
        engine.dispose()
