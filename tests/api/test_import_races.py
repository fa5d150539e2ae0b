"""Concurrent imports that create the same new people: each person once, each event once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from app.db import Database
from app.models import CareerEvent, Employee
from app.services.imports import Importer
from tests.api.importing import line
from tests.conftest import Org
from tests.factories import create_position


def test_concurrent_imports_of_the_same_new_people_create_each_once(
    api: TestClient, org: Org, database: Database
) -> None:
    create_position(api, "RN", 3)
    lines = [
        json.dumps(line(f"R-{n}", "skill_acquired", f"2024-01-{1 + k:02d}", name=f"skill {k}"))
        for n in range(10)
        for k in range(5)
    ]

    def run(_: int) -> tuple[int, int, int]:
        report = Importer(database, org.id).feed_all(lines)
        return report.created, report.duplicates, report.rejected

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(run, range(6)))

    assert all(rejected == 0 for _, _, rejected in results)
    assert sum(created for created, _, _ in results) == 50
    assert all(created + duplicates == 50 for created, duplicates, _ in results)
    with database.transaction(write=False) as session:
        people = session.exec(
            select(func.count()).select_from(Employee).where(Employee.organization_id == org.id)
        ).one()
        events = session.exec(
            select(func.count())
            .select_from(CareerEvent)
            .where(CareerEvent.organization_id == org.id)
        ).one()
    assert (people, events) == (10, 50)
