"""Succession data for the coverage benchmark (SPEC 12): 200 critical positions, a talent
review for every person, and three named successors for each critical position.

The 50 positions of the history are all made critical, and 150 more are created beside
them (copies of the 50, under new codes, held by nobody), through the service's own code.
Talent reviews go in through the driver like the rest of the history (`bench.load`), each
numbered after the person's last event; nominations through the ORM (a few hundred).
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import create_engine, select, update

from app.models import Employee, Successor, SuccessorChange, utcnow
from app.schemas.positions import PositionCreate, PositionUpdate
from app.services.positions import create_position, update_position
from bench.generate import POSITIONS
from bench.load import _EVENT_COLUMNS, Org, _write_all, database_for

CRITICAL = 200
NOMINEES = 3
LEVELS = ("low", "medium", "high")


def prepare_succession(org: Org, active: list[str], *, anchor: date, seed: int = 7) -> int:
    """Make 200 positions critical, review everyone's talent and name successors; return
    the number of critical positions."""
    rng = random.Random(seed)
    database = database_for(org.url)
    critical: list[str] = []
    try:
        with database.transaction() as session:
            for position_id in org.positions.values():
                update_position(
                    session,
                    org.organization_id,
                    position_id,
                    PositionUpdate(critical=True),
                    if_match=None,
                )
                critical.append(position_id)
            copy = 0
            while len(critical) < CRITICAL:
                spec = POSITIONS[copy % len(POSITIONS)]
                body = {**spec.create_body(), "code": f"{spec.code}-C{copy}", "critical": True}
                created = create_position(
                    session, org.organization_id, PositionCreate.model_validate(body)
                )
                critical.append(created.id)
                copy += 1
        _talent_reviews(org, rng, anchor)
        with database.transaction() as session:
            now = utcnow()
            for position_id in critical:
                for rank, external_id in enumerate(rng.sample(active, NOMINEES), start=1):
                    successor = Successor(
                        organization_id=org.organization_id,
                        id=str(uuid.uuid4()),
                        position_id=position_id,
                        employee_id=org.employees[external_id],
                        rank=rank,
                        emergency=rank == 1,
                        readiness_override="ready_now" if rng.random() < 0.2 else None,
                        version=1,
                        created_at=now,
                        updated_at=now,
                    )
                    session.add(successor)
                    session.add(
                        SuccessorChange(
                            organization_id=org.organization_id,
                            successor_id=successor.id,
                            version=1,
                            at=now,
                            key_id="bench",
                            changes={"rank": [None, rank]},
                        )
                    )
    finally:
        database.dispose()
    return len(critical)


def _talent_reviews(org: Org, rng: random.Random, anchor: date) -> None:
    engine = create_engine(org.url)
    try:
        with engine.begin() as conn:
            people = conn.execute(
                select(Employee.id, Employee.event_seq).where(
                    Employee.organization_id == org.organization_id
                )
            ).all()
            conn.execute(
                update(Employee)
                .where(Employee.organization_id == org.organization_id)
                .values(event_seq=Employee.event_seq + 1)
            )
        now = utcnow()
        rows: list[dict[str, Any]] = []
        for employee_id, seq in people:
            row = dict.fromkeys(_EVENT_COLUMNS)
            row.update(
                organization_id=org.organization_id,
                id=str(uuid.uuid4()),
                employee_id=employee_id,
                seq=seq + 1,
                type="talent_review",
                occurred_on=anchor - timedelta(days=rng.randint(1, 330)),
                recorded_at=now,
                potential=rng.choice((1, 2, 2, 3)),
                risk_of_loss=rng.choice(LEVELS),
                impact_of_loss=rng.choice(LEVELS),
            )
            rows.append(row)
        _write_all(engine, "career_event", _EVENT_COLUMNS, [rows])
    finally:
        engine.dispose()
