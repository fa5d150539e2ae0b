"""A readiness request runs the same number of SQL statements whatever the history's length.

Statements are counted with SQLAlchemy's `before_cursor_execute` event on the engines the
service itself uses (the `statements` fixture), for a person with 20 events and one with
400: the evidence must be gathered by a fixed set of narrow queries, never one per event
(STYLE.md, anti-patterns).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from app.db import Database
from app.domain.values import fold_name
from app.models import CareerEvent, Employee
from app.services.answers import ANSWERS
from tests.factories import band, create_employee, create_position, record, usd

# Well above today's count, far below one statement per event.
MOST_STATEMENTS = 15
EVIDENCE = [
    ("performance_review", None),
    ("training_completed", "Leadership Fundamentals"),
    ("certification_earned", "Nurse Executive (NE-BC)"),
    ("leadership_activity", "Led monthly team meetings"),
    ("skill_acquired", "Staff Scheduling"),
    ("initiative", "Proposed a shift handover checklist"),
]


def _positions(api: TestClient) -> tuple[str, str]:
    requirements = [
        {"kind": "certification", "name": "Nurse Executive (NE-BC)"},
        {"kind": "training", "name": "Leadership Fundamentals"},
        {"kind": "skill", "name": "Budgeting", "mandatory": False},
    ]
    ids = [
        create_position(
            api,
            code,
            level,
            pay_band=band(50000 * level, 70000 * level),
            requirements=needs,
            min_months_in_role=18,
        )
        for code, level, needs in (("RN", 3, []), ("RN-MGR", 4, requirements))
    ]
    return ids[0], ids[1]


def _person(api: TestClient, database: Database, org_id: str, held: str, n_events: int) -> str:
    """Return a person hired into `held` four years ago, with `n_events` events in all."""
    employee_id = create_employee(api, f"E-{n_events}")
    hired_on = date.today() - timedelta(days=4 * 365)
    record(
        api, employee_id, "hire", hired_on.isoformat(), position_id=held, salary=usd("160000.00")
    )
    # The rest is evidence, written straight to the table: the readiness queries do not care
    # how rows arrived, and 400 requests would make this test slow.
    rows: list[dict[str, Any]] = []
    span = (date.today() - hired_on).days
    for seq in range(2, n_events + 1):
        kind, name = EVIDENCE[seq % len(EVIDENCE)]
        rows.append(
            {
                "organization_id": org_id,
                "id": str(uuid.uuid4()),
                "employee_id": employee_id,
                "seq": seq,
                "type": kind,
                "occurred_on": hired_on + timedelta(days=1 + (seq * 7919) % span),
                "recorded_at": datetime.now(UTC),
                "rating": 3 + seq % 3 if kind == "performance_review" else None,
                "name": name,
                "name_key": fold_name(name) if name else None,
            }
        )
    with database.transaction() as session:
        session.execute(CareerEvent.__table__.insert(), rows)  # type: ignore[attr-defined]
        session.execute(
            update(Employee)
            .where(Employee.organization_id == org_id, Employee.id == employee_id)
            .values(event_seq=n_events)
        )
    listed = api.get(f"/v1/employees/{employee_id}/events", params={"limit": 500}).json()
    assert len(listed["items"]) == n_events
    return employee_id


Statements = Callable[[], AbstractContextManager[list[str]]]


def _statements_for(api: TestClient, statements: Statements, path: str) -> list[str]:
    assert api.get(path).status_code == 200  # first use may look things up once
    ANSWERS.clear()  # count the statements that build the answer, not a stored one
    with statements() as sent:
        response = api.get(path)
    assert response.status_code == 200, response.text
    assert response.json()["components"]
    return list(sent)


def test_readiness_runs_the_same_statements_for_20_and_400_events(
    api: TestClient, database: Database, org: Any, statements: Statements
) -> None:
    held, target = _positions(api)
    short = _person(api, database, org.id, held, 20)
    long = _person(api, database, org.id, held, 400)

    counts = {}
    for label, employee_id in (("20 events", short), ("400 events", long)):
        path = f"/v1/employees/{employee_id}/readiness?target_position_id={target}"
        sent = _statements_for(api, statements, path)
        counts[label] = sent
        assert len(sent) <= MOST_STATEMENTS, "\n".join(sent)
    assert len(counts["20 events"]) == len(counts["400 events"]), "\n---\n".join(
        "\n".join(s) for s in counts.values()
    )
    # Without a target (one level up) the count is a constant too.
    plain = [
        len(_statements_for(api, statements, f"/v1/employees/{e}/readiness")) for e in (short, long)
    ]
    assert plain[0] == plain[1]
